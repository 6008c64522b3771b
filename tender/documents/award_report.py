"""Gunningsadvies: the award report for the college(s) and the advisory council.

Built from the award decision's snapshot, it is the proces-verbaal of the whole
procedure, in numbered sections in this order: procedure and dates; the committee
and its conflict-of-interest declarations (with the letter each evaluator carries
in the score tables: Beoordelaar A, B, C, ...); the opening (who started and
confirmed it, the opening record's SHA-256 and each bid's submission digest); the
requirement check per bid with reasons; the individual scores per evaluator with
their spreads (set-aside scores shown as such); the consensus scores with their
motivations, who recorded them when and every reopening; totals and ranks per lot
with the reasons per bid (a reason that applies to the whole bid once, not again
per lot); the draws by lot; per lot the coverage matrix, its gaps with the
inkoper's decisions, the fragile cells and the local networks; the decision and
its history; and the audit chain's head when the decision was frozen.

Numbers are Dutch (``format_number``, ``format_total``). A snapshot frozen before
the proceedings were recorded in it (no ``Proceedings``) still renders: those
parts say "niet vastgelegd in deze versie".

Like the letters it holds no plan text. The coverage comes in as the coverage
check's own ``tender.coverage.CoverageReport``, so the report applies no coverage
rule of its own: a gap is a cell or network that is not ``ok``, a fragile cell one
with ``critical`` providers. Gaps and fragile cells are marked in words ("TEKORT",
"kwetsbaar"), never by colour alone; a gap without a recorded decision is marked
"GEEN BESLUIT". A bid excluded on requirements is shown without scores, as in its
letter. The wide tables are on landscape pages.

The decision procedure (issue 11) adds, when given: the deciding body, mandate and
signatory in the timeline; the course of the decision over its versions (advice,
send-backs, approval, decision, sending, withdrawal with its reason); and the
record of every draw by lot (drawn order, method, who drew, witnesses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table

from tender.award.standstill import standstill_end
from tender.coverage import Cell, CoverageReport, LotCoverage, Network
from tender.documents.award_letter import DecisionFacts, Signatory, body_without_article
from tender.documents.pdf import (
    BODY,
    CLOSING,
    FONT,
    FONT_BOLD,
    HEADING,
    HOUSE_BLUE,
    LANDSCAPE_TEXT_WIDTH,
    NOTICE,
    NOTICE_AMBER,
    PALE_BLUE,
    SMALL,
    SUBTITLE,
    TABLE_HEADER,
    TABLE_TEXT,
    TEXT_GREY,
    TEXT_WIDTH,
    TITLE,
    Paragraph,
    bullet_list,
    dutch_list,
    facts_table,
    grid_table,
    landscape_pages,
    markup,
    render,
    section_heading,
)
from tender.scoring import RequirementFailure, format_total
from tender.timefmt import (
    format_date,
    format_datetime,
    format_datetime_seconds,
    format_long_date,
    format_number,
    to_local,
)

DOCUMENT_TITLE = "Gunningsadvies"
GAP = "TEKORT"
FRAGILE = "kwetsbaar"
NO_DECISION = "GEEN BESLUIT"
AWARD_MODES = ("threshold", "ranked")

_KVK = ParagraphStyle("ReportKvk", parent=TABLE_TEXT, textColor=TEXT_GREY)
_CELL_GAP = ParagraphStyle("CoverageGap", parent=TABLE_TEXT, fontName=FONT_BOLD)
_MATRIX_FIRST_COLUMN = 45 * mm
_MATRIX_MAX_COLUMN = 40 * mm
# Room a sub-heading needs below it, or it moves to the next page.
_SUBHEADING_ROOM = 35 * mm
_NONE = "—"
# Below-minimum scores carry this mark in the score table, explained above it.
_BELOW = "*"
# A spread at or above the tender's signal value carries this mark.
_WIDE = "!"
NOT_RECORDED = "niet vastgelegd in deze versie"
# Individual-score columns: never narrower than this, else the criteria go over
# several tables.
_SCORE_COLUMN_MIN = 9 * mm
_SCORE_COLUMN_MAX = 13 * mm
_ROWS_PER_TABLE = 40
# Wide enough for "Inschrijving 123" on one line, where the table has room.
_CODE_COLUMN = 32 * mm
_MONO_CELL = ParagraphStyle("ReportDigest", fontName="Courier", fontSize=7, leading=9)


@dataclass(frozen=True)
class ReportCriterion:
    code: str
    title: str
    weight: Decimal
    minimum: int


@dataclass(frozen=True)
class ReportLot:
    """A lot of the tender; ``max_awards`` counts in ranked mode only."""

    code: str
    name: str
    max_awards: int


@dataclass(frozen=True)
class QaRoundEntry:
    number: int
    published_at: datetime


@dataclass(frozen=True)
class Timeline:
    """The procedure's moments (aware datetimes) and who opened the bids and decided.

    ``letters_sent_at`` is None while the award letters have not been sent; the
    standstill's end follows from it.
    """

    published_at: datetime
    qa_rounds: tuple[QaRoundEntry, ...]
    question_deadline: datetime | None
    submission_deadline: datetime
    opening_started_at: datetime
    opening_started_by: str
    opened_at: datetime
    opened_by: str
    decided_at: datetime
    decided_by: str
    letters_sent_at: datetime | None


@dataclass(frozen=True)
class DeclaredBand:
    """A band a member declared with a bidding organisation, and why.

    ``declared_at`` is set when it was declared after signing (``by_officer``: the
    inkoper took the member off that organisation's bid).
    """

    organisation: str
    kvk_number: str
    explanation: str
    declared_at: datetime | None = None
    by_officer: bool = False


@dataclass(frozen=True)
class CommitteeMember:
    """An evaluator; ``conflicts`` are the bands it declared with bidding organisations.

    ``removed_at`` is set for a member the inkoper took off the committee, with why.
    ``letter`` is the member's letter in the score tables ("A" for Beoordelaar A;
    empty in a snapshot from before the letters).
    """

    name: str
    is_chair: bool
    declaration_signed_at: datetime | None
    conflicts: tuple[DeclaredBand, ...]
    removed_at: datetime | None = None
    removed_reason: str = ""
    letter: str = ""


@dataclass(frozen=True)
class LotOutcome:
    """A bid's result in one lot it bid on; ``reasons`` are every reason it is not
    awarded there (the scoring engine's texts), ``rank`` its rank in ranked mode."""

    lot: str
    awarded: bool
    rank: int | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ReportBid:
    """A bid received. ``scores`` pairs every criterion code with its consensus score
    (empty for a bid excluded on requirements; not printed for such a bid anyway);
    ``failed_requirements`` are the requirements it does not meet; ``results`` its
    outcome per lot it bid on. ``reasons`` are the reasons that apply to the bid as a
    whole (printed once; a lot's reasons are printed only where they add to them),
    ``motivations`` the consensus motivation per criterion code, ``digest`` the
    SHA-256 of the submitted bid."""

    blind_code: str
    organisation_name: str
    kvk_number: str
    received_at: datetime
    failed_requirements: tuple[RequirementFailure, ...]
    scores: tuple[tuple[str, int], ...]
    total: Decimal | None
    results: tuple[LotOutcome, ...]
    reasons: tuple[str, ...] = ()
    motivations: tuple[tuple[str, str], ...] = ()
    digest: str = ""


@dataclass(frozen=True)
class IndividualScore:
    """One evaluator's (by letter) score of a bid (by blind code) on a criterion.

    ``set_aside_at`` is set for a score set aside (the evaluator had a band with the
    bidder or left the committee): kept on the record, counted nowhere.
    """

    bid: str
    criterion: str
    evaluator: str
    score: int
    set_aside_at: datetime | None = None
    set_aside_reason: str = ""


@dataclass(frozen=True)
class ConsensusRecord:
    """Who recorded the consensus of a bid on a criterion, and when."""

    bid: str
    criterion: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Reopening:
    """A consensus that was reopened: its score then, why, by whom and when."""

    bid: str
    criterion: str
    score: int | None
    reason: str
    reopened_by: str
    reopened_at: datetime


@dataclass(frozen=True)
class OpeningRecord:
    """The stored record of opening (proces-verbaal van opening) and its SHA-256."""

    filename: str
    sha256: str
    created_at: datetime


@dataclass(frozen=True)
class AuditHead:
    """The newest event of the audit chain when the decision was frozen."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Proceedings:
    """What the decision's snapshot recorded of the evaluation itself.

    ``spread_flag`` is the tender's signal value for the spread (highest minus lowest
    individual score of a bid on a criterion); ``frozen_at`` the snapshot's moment.
    """

    spread_flag: int
    individual: tuple[IndividualScore, ...]
    consensus: tuple[ConsensusRecord, ...]
    reopenings: tuple[Reopening, ...]
    opening_record: OpeningRecord | None
    audit_head: AuditHead | None
    frozen_at: datetime


@dataclass(frozen=True)
class GapDecisionEntry:
    """The inkoper's decision on a coverage gap, by codes as in ``coverage.Gap.key``;
    ``target_group`` None: the municipality's local-network gap."""

    lot: str
    municipality: str  # code
    target_group: str | None  # code
    decision: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class DrawRecord:
    """The record of a draw by lot among tied bids in one lot.

    ``codes`` are the blind codes of the tied bids in the order they were drawn
    (first drawn first); ``drawn_by`` drew them by ``method`` in the presence of
    ``witnesses``; ``recorded_by`` entered the record; ``note`` is free text.
    """

    lot: str
    codes: tuple[str, ...]
    method: str
    drawn_by: str
    witnesses: tuple[str, ...]
    drawn_at: datetime
    recorded_by: str
    note: str = ""

    def __post_init__(self) -> None:
        if len(self.codes) < 2:
            raise ValueError(f"draw in lot {self.lot}: a draw is among at least two bids")
        if len(set(self.codes)) != len(self.codes):
            raise ValueError(f"draw in lot {self.lot}: a bid is drawn twice")


@dataclass(frozen=True)
class DecisionVersion:
    """One version of the award decision, from advice to (perhaps) withdrawal.

    ``sent_back`` holds each time the reviewer sent the advice back, as (when, who,
    reason). ``decided_on``, ``body`` and ``mandate`` are the decision (None and ''
    while not decided); ``withdrawn_*`` are set when the decision was withdrawn.
    """

    version: int
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_back: tuple[tuple[datetime, str, str], ...]
    decided_on: date | None
    body: str
    mandate: str
    sent_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_reason: str

    def __post_init__(self) -> None:
        if (self.approved_by is None) != (self.approved_at is None):
            raise ValueError(f"version {self.version}: approval needs both who and when")
        if (self.withdrawn_by is None) != (self.withdrawn_at is None):
            raise ValueError(f"version {self.version}: withdrawal needs both who and when")


@dataclass(frozen=True)
class AwardReportData:
    """Everything the award report states; ``bids`` in the order to list them.

    ``draws`` are the records of draws by lot, ``history`` the versions of the
    decision (oldest first), ``decision`` and ``signatory`` the current decision's
    body, mandate and date and who signs; all optional.
    """

    reference: str
    title: str
    contracting_authority: str
    region: str
    standstill_days: int
    award_mode: str  # one of AWARD_MODES
    scale_max: int
    minimum_total: Decimal
    criteria: tuple[ReportCriterion, ...]
    lots: tuple[ReportLot, ...]
    timeline: Timeline
    committee: tuple[CommitteeMember, ...]
    bids: tuple[ReportBid, ...]
    coverage: CoverageReport
    gap_decisions: tuple[GapDecisionEntry, ...]
    draws: tuple[DrawRecord, ...] = ()
    history: tuple[DecisionVersion, ...] = ()
    signatory: Signatory | None = None
    decision: DecisionFacts | None = None
    scale_min: int = 0  # the lowest score on the published scale
    # None for a snapshot frozen before the proceedings were recorded in it.
    proceedings: Proceedings | None = None

    def __post_init__(self) -> None:
        if self.award_mode not in AWARD_MODES:
            raise ValueError(f"unknown award mode {self.award_mode!r}")
        codes = [criterion.code for criterion in self.criteria]
        for bid in self.bids:
            if bid.scores and [code for code, _ in bid.scores] != codes:
                raise ValueError(f"{bid.blind_code}: scores do not match the criteria")
        lots = {lot.code for lot in self.lots}
        bids = {bid.blind_code for bid in self.bids}
        for draw in self.draws:
            if draw.lot not in lots:
                raise ValueError(f"draw in unknown lot {draw.lot!r}")
            if unknown := [code for code in draw.codes if code not in bids]:
                raise ValueError(f"draw in lot {draw.lot}: unknown bids {unknown}")
        versions = [version.version for version in self.history]
        if versions != sorted(set(versions)):
            raise ValueError("decision versions must be unique and oldest first")
        if self.proceedings is not None:
            letters = {member.letter for member in self.committee}
            for item in self.proceedings.individual:
                if item.bid not in bids or item.evaluator not in letters:
                    raise ValueError(
                        f"individual score of unknown bid or evaluator: {item.bid}, "
                        f"{item.evaluator}"
                    )

    @property
    def standstill_end(self) -> date | None:
        sent = self.timeline.letters_sent_at
        if sent is None:
            return None
        return standstill_end(to_local(sent).date(), self.standstill_days)


def _p(text: str, style: ParagraphStyle = TABLE_TEXT) -> Paragraph:
    """A table cell of plain (user) text."""
    return Paragraph(markup(text), style)


def _long_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    split_rows: bool = False,
) -> list[Flowable]:
    """A table with a row per bid, as tables of at most ``_ROWS_PER_TABLE`` rows: a
    table that spans pages is measured again at every page break, so one table of
    hundreds of rows takes quadratic time (each part repeats the header)."""
    return [
        grid_table(header, rows[start : start + _ROWS_PER_TABLE], widths, split_rows=split_rows)
        for start in range(0, max(len(rows), 1), _ROWS_PER_TABLE)
    ]


def _awarded(data: AwardReportData, lot: str) -> list[ReportBid]:
    return [bid for bid in data.bids if any(r.lot == lot and r.awarded for r in bid.results)]


def _mode_text(data: AwardReportData) -> str:
    if data.award_mode == "threshold":
        return (
            "Gunning aan iedere inschrijving die aan alle eisen voldoet en op elk "
            "criterium ten minste de minimale score haalt"
        )
    places = ", ".join(f"{lot.code}: {lot.max_awards}" for lot in data.lots)
    return (
        f"Per perceel de inschrijvingen met de hoogste totaalscore (aantal per perceel: {places})"
    )


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _undecided(data: AwardReportData, lot: LotCoverage) -> list[tuple[str, str | None]]:
    decided = {(d.municipality, d.target_group) for d in data.gap_decisions if d.lot == lot.code}
    return [(m, g) for m, _, g, _ in _gaps(lot) if (m, g) not in decided]


def _summary(data: AwardReportData) -> list[Flowable]:
    excluded = sum(1 for bid in data.bids if bid.failed_requirements)
    gaps = sum(len(_gaps(lot)) for lot in data.coverage.lots)
    undecided = sum(len(_undecided(data, lot)) for lot in data.coverage.lots)
    received = _count(len(data.bids), "inschrijving", "inschrijvingen")
    if excluded == 0:
        requirements = "Alle inschrijvingen voldoen aan de eisen."
    elif excluded == 1:
        requirements = "Eén daarvan voldoet niet aan alle eisen en is uitgesloten."
    else:
        requirements = f"{excluded} daarvan voldoen niet aan alle eisen en zijn uitgesloten."
    story: list[Flowable] = [
        *section_heading("Advies"),
        Paragraph(
            f"Voor deze aanbesteding {'is' if len(data.bids) == 1 else 'zijn'} {received} "
            f"ontvangen. {requirements} De beoordelingscommissie heeft de overige "
            "inschrijvingen beoordeeld op de gepubliceerde gunningscriteria. Wij adviseren de "
            "raamovereenkomsten per perceel te gunnen aan:",
            BODY,
        ),
    ]
    # Paragraphs, not a table cell per lot: a cell with hundreds of names would be
    # taller than a page, and a table row cannot split.
    for lot in data.lots:
        names = [bid.organisation_name for bid in _awarded(data, lot.code)]
        story.append(Paragraph(f"<b>Perceel {markup(lot.code)} – {markup(lot.name)}</b>", BODY))
        story += bullet_list(names) if names else [Paragraph("geen gunning", BODY)]
    if not gaps:
        story.append(Paragraph("Het dekkend aanbod heeft geen tekorten.", BODY))
        return story
    story.append(
        Paragraph(
            f"Het dekkend aanbod heeft {_count(gaps, 'tekort', 'tekorten')}; voor "
            f"{gaps - undecided} daarvan heeft de inkoper een besluit vastgelegd (zie "
            "Dekkend aanbod).",
            BODY,
        )
    )
    if undecided:
        story.append(
            Paragraph(
                f"Voor {_count(undecided, 'tekort', 'tekorten')} is nog geen besluit "
                f"vastgelegd; deze {'staat' if undecided == 1 else 'staan'} gemarkeerd met "
                f"{NO_DECISION}.",
                NOTICE,
            )
        )
    return story


def _timeline(data: AwardReportData, number: int) -> list[Flowable]:
    t = data.timeline
    rows: list[tuple[str, str]] = [("Publicatie", format_datetime(t.published_at))]
    rows += [
        (f"Nota van inlichtingen {entry.number}", format_datetime(entry.published_at))
        for entry in t.qa_rounds
    ]
    if t.question_deadline is not None:
        rows.append(("Uiterste datum vragen", format_datetime(t.question_deadline)))
    end = data.standstill_end
    rows += [
        ("Uiterste inschrijfdatum", format_datetime(t.submission_deadline)),
        (
            "Opening",
            f"gestart door {t.opening_started_by} op "
            f"{format_datetime_seconds(t.opening_started_at)}, bevestigd door {t.opened_by} "
            f"op {format_datetime_seconds(t.opened_at)}",
        ),
        ("Gunningsbeslissing", f"{format_datetime(t.decided_at)} door {t.decided_by}"),
        (
            "Verzending gunningsbeslissingen",
            format_datetime(t.letters_sent_at) if t.letters_sent_at else "nog niet verzonden",
        ),
        (
            "Einde opschortende termijn",
            f"tot en met {format_date(end)}"
            if end is not None
            else f"{data.standstill_days} kalenderdagen vanaf de dag na verzending",
        ),
    ]
    return [
        *_heading(number, "Procedure en data"),
        Paragraph(
            "De aanbesteding is gevoerd als procedure voor sociale en andere specifieke "
            "diensten (art. 2.38 en 2.39 Aanbestedingswet 2012). Alle tijden zijn "
            "Nederlandse tijd. De tijdstippen zijn door het systeem vastgelegd.",
            BODY,
        ),
        facts_table(rows, label_width=58 * mm),
    ]


def _decision_text(decision: DecisionFacts) -> str:
    return _decided(decision.decided_on, decision.body, decision.mandate)


def _decided(day: date, body: str, mandate: str) -> str:
    mandate = f" ({mandate.strip()})" if mandate.strip() else ""
    return f"op {format_long_date(day)} door het {body_without_article(body)}{mandate}"


def version_rows(version: DecisionVersion) -> list[tuple[str, str]]:
    rows = [
        (
            "Gunningsadvies",
            f"opgesteld door {version.prepared_by} op {format_datetime(version.prepared_at)}",
        )
    ]
    rows += [
        ("Teruggestuurd", f"door {who} op {format_datetime(when)}, met als reden: {reason}")
        for when, who, reason in sorted(version.sent_back, key=lambda entry: entry[0])
    ]
    if version.approved_by is not None and version.approved_at is not None:
        approval = f"door {version.approved_by} op {format_datetime(version.approved_at)}"
    else:
        approval = "nog niet goedgekeurd"
    rows.append(("Goedkeuring", approval))
    rows.append(
        (
            "Besluit",
            _decided(version.decided_on, version.body, version.mandate)
            if version.decided_on is not None
            else "nog niet genomen",
        )
    )
    rows.append(
        (
            "Verzending",
            format_datetime(version.sent_at) if version.sent_at else "nog niet verzonden",
        )
    )
    if version.withdrawn_at is not None:
        reason = (
            f", met als reden: {version.withdrawal_reason}"
            if version.withdrawal_reason.strip()
            else ""
        )
        rows.append(
            (
                "Intrekking",
                f"ingetrokken door {version.withdrawn_by} op "
                f"{format_datetime(version.withdrawn_at)}{reason}",
            )
        )
    return rows


def _draws(data: AwardReportData, number: int) -> list[Flowable]:
    story = _heading(number, "Loting")
    if not data.draws:
        return [
            *story,
            Paragraph("Er is niet geloot: geen gelijke stand was bepalend voor de gunning.", BODY),
        ]
    names = {bid.blind_code: bid.organisation_name for bid in data.bids}
    lots = {lot.code: lot.name for lot in data.lots}
    story.append(
        Paragraph(
            "Waar inschrijvingen in een perceel gelijk eindigden en de volgorde bepalend was "
            "voor de gunning, is die volgorde door loting bepaald. Per loting staan hieronder "
            "de getrokken volgorde (als eerste getrokken bovenaan), de methode, wie trok, in "
            "aanwezigheid van wie, en wie de loting vastlegde.",
            BODY,
        )
    )
    for draw in data.draws:
        order = "\n".join(
            f"{place}. {code} – {names[code]}" for place, code in enumerate(draw.codes, start=1)
        )
        rows: list[tuple[str, str]] = [
            ("Gelijk geëindigd", _count(len(draw.codes), "inschrijving", "inschrijvingen")),
            ("Getrokken volgorde", order),
            ("Methode", draw.method),
            ("Getrokken door", draw.drawn_by),
            ("In aanwezigheid van", dutch_list(draw.witnesses) or "niemand"),
            ("Moment", format_datetime(draw.drawn_at)),
            ("Vastgelegd door", draw.recorded_by),
        ]
        if draw.note.strip():
            rows.append(("Opmerking", draw.note))
        # One draw's record stays on one page.
        story.append(
            KeepTogether(
                [
                    *_subheading(f"Perceel {draw.lot} – {lots[draw.lot]}"),
                    facts_table(rows, label_width=45 * mm),
                ]
            )
        )
    return story


def _role(member: CommitteeMember) -> str:
    if member.removed_at is None:
        return "voorzitter" if member.is_chair else "lid"
    reason = f": {member.removed_reason}" if member.removed_reason else ""
    return f"lid, uit de commissie gehaald op {format_datetime(member.removed_at)}{reason}"


def _committee(data: AwardReportData, number: int) -> list[Flowable]:
    lettered = [member for member in data.committee if member.letter]
    rows = [
        [
            _p(f"Beoordelaar {member.letter}" if member.letter else _NONE),
            _p(member.name),
            _p(_role(member)),
            _p(format_datetime(member.declaration_signed_at) or "niet ondertekend"),
            _p(", ".join(band.organisation for band in member.conflicts) or "geen"),
        ]
        for member in data.committee
    ]
    bands = [
        [
            _p(member.name),
            [
                _p(band.organisation),
                *([Paragraph(f"KvK {markup(band.kvk_number)}", _KVK)] if band.kvk_number else []),
            ],
            _p(band.explanation),
            _p(_declared(band)),
        ]
        for member in data.committee
        for band in member.conflicts
    ]
    if lettered:
        letters = (
            "In de tabellen met individuele scores staan de leden onder een letter, in de "
            "volgorde van de commissie; deze tabel is de enige plaats waar letter en naam "
            "samen staan."
        )
    else:
        letters = f"Letters voor de leden: {NOT_RECORDED}."
    return [
        *_heading(number, "Beoordelingscommissie en belangenconflicten"),
        Paragraph(
            "Ieder lid heeft een verklaring over belangenconflicten ondertekend voordat hij "
            "een inschrijving te zien kreeg (art. 1.10b Aanbestedingswet 2012). Een lid met "
            "een gemeld belangenconflict heeft de inschrijving van die organisatie niet "
            "gezien en niet beoordeeld. De commissie beoordeelde de inschrijvingen zonder "
            f"naam van de inschrijver. {letters}",
            BODY,
        ),
        grid_table(
            ["Beoordelaar", "Naam", "Rol", "Verklaring ondertekend", "Band gemeld met"],
            rows,
            [29 * mm, 38 * mm, 24 * mm, 30 * mm, TEXT_WIDTH - 121 * mm],
        ),
        *(
            [
                Spacer(1, 3 * mm),
                Paragraph(
                    "Ieder lid verklaarde na de opening per inschrijvende organisatie (op naam, "
                    "los van de codes) of het er een band mee heeft. Gemelde banden:",
                    BODY,
                ),
                grid_table(
                    ["Lid", "Organisatie", "Toelichting", "Gemeld"],
                    bands,
                    [34 * mm, 44 * mm, TEXT_WIDTH - 124 * mm, 46 * mm],
                ),
            ]
            if bands
            else [Paragraph("Geen lid heeft een band met een inschrijver gemeld.", BODY)]
        ),
    ]


def _declared(band: DeclaredBand) -> str:
    if band.declared_at is None:
        return "bij ondertekenen"
    when = format_datetime(band.declared_at)
    if band.by_officer:
        return f"later, {when}: door de inkoper van de inschrijving gehaald"
    return f"later gemeld, {when}"


def _bid_cell(bid: ReportBid) -> list[Paragraph]:
    return [_p(bid.organisation_name), Paragraph(f"KvK {markup(bid.kvk_number)}", _KVK)]


def _requirements(data: AwardReportData, number: int) -> list[Flowable]:
    rows = []
    for bid in data.bids:
        if bid.failed_requirements:
            outcome: Any = [
                Paragraph("<b>Voldoet niet aan:</b>", TABLE_TEXT),
                *(
                    _p(
                        f"{f.code} ({f.title})"
                        + (f": {f.reason.strip()}" if f.reason.strip() else "")
                    )
                    for f in bid.failed_requirements
                ),
            ]
        else:
            outcome = _p("Voldoet aan alle eisen")
        rows.append([_p(bid.blind_code), _bid_cell(bid), outcome])
    return [
        *_heading(number, "Toetsing aan de eisen"),
        Paragraph(
            "Per inschrijving de uitkomst van de toetsing aan de eisen, met de reden per eis "
            "waaraan zij niet voldoet. Een inschrijving die niet aan alle eisen voldoet, is "
            "uitgesloten en niet op de gunningscriteria beoordeeld.",
            BODY,
        ),
        *_long_table(
            ["Inschrijving", "Inschrijver", "Uitkomst"],
            rows,
            [27 * mm, 70 * mm, LANDSCAPE_TEXT_WIDTH - 97 * mm],
            split_rows=True,
        ),
    ]


def _criteria(data: AwardReportData) -> Table:
    rows = [
        [_p(c.code), _p(c.title), _p(format_number(c.weight)), _p(format_number(c.minimum))]
        for c in data.criteria
    ]
    return grid_table(
        ["Code", "Gunningscriterium", "Weging", "Minimum"],
        rows,
        [18 * mm, LANDSCAPE_TEXT_WIDTH - 78 * mm, 30 * mm, 30 * mm],
    )


def _result_text(data: AwardReportData, result: LotOutcome) -> str:
    text = f"{result.lot}: {'gegund' if result.awarded else 'niet gegund'}"
    if data.award_mode == "ranked" and result.rank is not None:
        text += f" (rang {result.rank})"
    return text


def _outcomes(data: AwardReportData) -> list[Flowable]:
    rows = []
    for bid in data.bids:
        whole, per_lot = _bid_reasons(bid)
        if len(bid.results) == 1:
            lines = whole + [reason for _, reason in per_lot]
        else:
            # A lot's own reason names its lot (the rank reason does already).
            lines = whole + [
                reason if f"perceel {lot}".lower() in reason.lower() else f"Perceel {lot}: {reason}"
                for lot, reason in per_lot
            ]
        rows.append(
            [
                _p(bid.blind_code),
                _bid_cell(bid),
                [
                    Paragraph(
                        markup(_result_text(data, result)),
                        TABLE_HEADER if result.awarded else TABLE_TEXT,
                    )
                    for result in bid.results
                ],
                [_p(f"• {line}") for line in lines] or _p(_NONE),
            ]
        )
    return _long_table(
        ["Inschrijving", "Inschrijver", "Per perceel", "Redenen van afwijzing"],
        rows,
        [27 * mm, 60 * mm, 45 * mm, LANDSCAPE_TEXT_WIDTH - 132 * mm],
        split_rows=True,
    )


def _cell_text(cell: Cell) -> Paragraph:
    count = f"{cell.count} / {cell.minimum}"
    if not cell.ok:
        return Paragraph(f"{count}<br/>{GAP}", _CELL_GAP)
    if cell.fragile:
        return Paragraph(f"{count}<br/>{FRAGILE}", TABLE_TEXT)
    return Paragraph(count, TABLE_TEXT)


def _matrix(lot: LotCoverage) -> Table:
    first = _MATRIX_FIRST_COLUMN
    groups = max(len(lot.target_groups), 1)
    column = min(_MATRIX_MAX_COLUMN, (LANDSCAPE_TEXT_WIDTH - first) / groups)
    rows: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = []
    for row_index, ((_, municipality), cells) in enumerate(lot.rows, start=1):
        rows.append([_p(municipality), *(_cell_text(cell) for cell in cells)])
        # The tint only repeats what the text says.
        commands += [
            ("BACKGROUND", (index, row_index), (index, row_index), NOTICE_AMBER)
            for index, cell in enumerate(cells, start=1)
            if not cell.ok
        ]
    table = grid_table(
        ["Gemeente", *(code for code, _ in lot.target_groups)],
        rows,
        [first, *([column] * len(lot.target_groups))],
    )
    table.setStyle(commands)
    return table


def _gaps(lot: LotCoverage) -> list[tuple[str, str, str | None, str]]:
    """(municipality code, its name, target group code or None, description) per gap."""
    found: list[tuple[str, str, str | None, str]] = [
        (
            cell.municipality,
            cell.municipality_name,
            cell.target_group,
            f"{cell.target_group} – {cell.target_group_name}: {cell.count} van minimaal "
            f"{cell.minimum}",
        )
        for cell in lot.cells
        if not cell.ok
    ]
    found += [
        (network.municipality, network.municipality_name, None, "geen lokaal netwerk")
        for network in lot.networks
        if not network.ok
    ]
    return found


def _gap_table(data: AwardReportData, lot: LotCoverage) -> list[Flowable]:
    decisions = {
        (d.municipality, d.target_group): d for d in data.gap_decisions if d.lot == lot.code
    }
    gaps = _gaps(lot)
    if not gaps:
        return [Paragraph("Dit perceel heeft geen tekorten.", BODY)]
    rows = []
    for municipality, municipality_name, group, description in gaps:
        decision = decisions.get((municipality, group))
        failed = lot.cell(municipality, group).declared_but_failed if group else ()
        cause = [_p(description)]
        if failed:
            names = ", ".join(provider.name for provider in failed)
            cause.append(_p(f"Ook opgegeven door niet-gegunde inschrijvers: {names}", _KVK))
        rows.append(
            [
                _p(municipality_name),
                cause,
                _p(decision.decision)
                if decision
                else Paragraph(f"<b>{NO_DECISION}</b>", TABLE_TEXT),
                _p(
                    f"{decision.decided_by}, {format_datetime(decision.decided_at)}"
                    if decision
                    else _NONE
                ),
            ]
        )
    return [
        grid_table(
            ["Gemeente", "Tekort", "Besluit van de inkoper", "Vastgelegd door, op"],
            rows,
            [34 * mm, 80 * mm, LANDSCAPE_TEXT_WIDTH - 160 * mm, 46 * mm],
            # Very many failed declarations of one cell may fill more than a page.
            split_rows=True,
        )
    ]


def _fragile(lot: LotCoverage) -> list[Flowable]:
    if not lot.fragile_cells:
        return [Paragraph("Dit perceel heeft geen kwetsbare cellen.", BODY)]
    rows = [
        [
            _p(cell.municipality_name),
            _p(f"{cell.target_group} – {cell.target_group_name}"),
            _p(f"{cell.count} / {cell.minimum}"),
            _p("\n".join(cell.critical)),
        ]
        for cell in lot.fragile_cells
    ]
    return [
        grid_table(
            ["Gemeente", "Doelgroep", "Aantal / minimum", "Afhankelijk van"],
            rows,
            [34 * mm, 90 * mm, 32 * mm, LANDSCAPE_TEXT_WIDTH - 156 * mm],
        )
    ]


def _network_status(network: Network) -> Paragraph:
    if not network.ok:
        return Paragraph(f"<b>{GAP}</b>", TABLE_TEXT)
    if network.critical:
        return _p(FRAGILE)
    return _p("gedekt")


def _networks(lot: LotCoverage) -> list[Flowable]:
    rows = [
        [
            _p(network.municipality_name),
            _p(str(len(network.providers))),
            _network_status(network),
            # Comma-separated, so that even a long list stays within one page-high row.
            _p(", ".join(network.providers) or _NONE),
        ]
        for network in lot.networks
    ]
    return [
        grid_table(
            ["Gemeente", "Aantal", "Status", "Gegunde aanbieders met een lokaal netwerk"],
            rows,
            [34 * mm, 20 * mm, 24 * mm, LANDSCAPE_TEXT_WIDTH - 78 * mm],
            # A municipality with very many providers may fill more than a page.
            split_rows=True,
        )
    ]


def _subheading(text: str) -> list[Flowable]:
    return [
        Spacer(1, 2 * mm),
        CondPageBreak(_SUBHEADING_ROOM),
        Paragraph(f"<b>{markup(text)}</b>", BODY),
    ]


def _coverage(data: AwardReportData, number: int) -> list[Flowable]:
    story: list[Flowable] = [
        *_heading(number, "Dekkend aanbod, kwetsbaarheid en besluiten over tekorten"),
        Paragraph(
            "Per perceel moet in elke gemeente voor elke doelgroep een minimum aantal gegunde "
            "aanbieders beschikbaar zijn dat heeft opgegeven die doelgroep daar te "
            "ondersteunen, en moet elke gemeente ten minste één gegunde aanbieder met een "
            "lokaal netwerk hebben. Een cel toont het aantal gegunde aanbieders / het "
            f"minimum. <b>{GAP}</b>: minder aanbieders dan het minimum. {FRAGILE}: gedekt, "
            "maar een tekort zodra een van de aanbieders waar de cel (of het lokale netwerk "
            "van de gemeente) van afhangt wegvalt. Een tekort houdt de gunning niet tegen, "
            "maar de inkoper legt er een besluit over vast.",
            BODY,
        ),
    ]
    for index, lot in enumerate(data.coverage.lots, start=1):
        groups = "; ".join(f"{code} = {name}" for code, name in lot.target_groups)
        story += [
            *section_heading(f"{number}.{index} Perceel {markup(lot.code)} – {markup(lot.name)}"),
            KeepTogether(
                [
                    Paragraph(markup(f"Doelgroepen: {groups}."), SMALL),
                    Spacer(1, 1.5 * mm),
                    _matrix(lot),
                ]
            ),
            *_subheading("Tekorten en besluiten"),
            *_gap_table(data, lot),
            *_subheading("Kwetsbare cellen"),
            *_fragile(lot),
            *_subheading("Lokale netwerken per gemeente"),
            *_networks(lot),
        ]
    return story


def build_award_report(data: AwardReportData) -> bytes:
    """The award report as a PDF; the same data at the same ``pdf.generated_at``
    moment gives the same bytes."""
    sections = (
        _timeline,
        _committee,
        _opening,
        _requirements,
        _individual,
        _consensus,
        _totals,
        _draws,
        _coverage,
        _decision,
        _audit_head,
    )
    # Sections 1-2 are portrait; from the opening on (wide tables) landscape.
    landscape_from = 3
    story: list[Flowable] = [
        Paragraph(DOCUMENT_TITLE, TITLE),
        Paragraph(markup(f"{data.title} – kenmerk {data.reference}"), SUBTITLE),
        facts_table(
            [
                ("Aanbesteding", data.title),
                ("Kenmerk", data.reference),
                ("Aanbestedende dienst", data.contracting_authority),
                ("Procedure", "Sociale en andere specifieke diensten (art. 2.38 Aw 2012)"),
                ("Gunningswijze", _mode_text(data)),
                ("Percelen", "\n".join(f"{lot.code} – {lot.name}" for lot in data.lots)),
            ]
        ),
        *_summary(data),
    ]
    for number, section in enumerate(sections, start=1):
        if number == landscape_from:
            story += landscape_pages()
        story += section(data, number)
    return render(
        story,
        title=DOCUMENT_TITLE,
        authority=data.contracting_authority,
        region=data.region,
        reference=data.reference,
    )


def _heading(number: int, title: str) -> list[Flowable]:
    """A numbered section heading; ``title`` is markup (escape user text first)."""
    return section_heading(f"{number}. {title}")


def _opening(data: AwardReportData, number: int) -> list[Flowable]:
    t = data.timeline
    proceedings = data.proceedings
    if proceedings is None:
        record = f"Het proces-verbaal van opening en zijn SHA-256: {NOT_RECORDED}."
    elif proceedings.opening_record is None:
        record = "Er is geen proces-verbaal van opening opgeslagen."
    else:
        stored = proceedings.opening_record
        record = (
            f"Het proces-verbaal van opening ({markup(stored.filename)}, opgeslagen op "
            f"{format_datetime_seconds(stored.created_at)}) heeft SHA-256 "
            f'<font name="Courier">{markup(stored.sha256)}</font>.'
        )
    rows = [
        [
            _p(bid.blind_code),
            _bid_cell(bid),
            _p(format_datetime_seconds(bid.received_at)),
            _p(", ".join(result.lot for result in bid.results)),
            Paragraph(markup(bid.digest), _MONO_CELL) if bid.digest else _p(NOT_RECORDED),
        ]
        for bid in data.bids
    ]
    return [
        *_heading(number, f"Opening en ontvangen inschrijvingen ({len(data.bids)})"),
        Paragraph(
            "De inschrijvingen zijn na de uiterste inschrijfdatum door twee inkopers "
            f"geopend: gestart door {markup(t.opening_started_by)} op "
            f"{format_datetime_seconds(t.opening_started_at)}, bevestigd door "
            f"{markup(t.opened_by)} op {format_datetime_seconds(t.opened_at)}. {record} "
            "Per inschrijving staat hieronder het moment van ontvangst en de SHA-256 van de "
            "ingediende inschrijving, zoals in het ontvangstbewijs.",
            BODY,
        ),
        *_long_table(
            ["Inschrijving", "Inschrijver", "Ontvangen", "Percelen", "SHA-256 van de inschrijving"],
            rows,
            [27 * mm, LANDSCAPE_TEXT_WIDTH - 203 * mm, 38 * mm, 38 * mm, 100 * mm],
        ),
    ]


def _evaluator_letters(data: AwardReportData) -> list[str]:
    """The letters of the members who gave an individual score, in committee order."""
    assert data.proceedings is not None
    scored = {item.evaluator for item in data.proceedings.individual}
    return [member.letter for member in data.committee if member.letter in scored]


def _spreads(
    data: AwardReportData,
) -> dict[tuple[str, str], tuple[dict[str, IndividualScore], int | None]]:
    """Per (bid, criterion): the individual scores by letter and the spread (highest
    minus lowest counted score; None with fewer than two counted scores)."""
    assert data.proceedings is not None
    found: dict[tuple[str, str], dict[str, IndividualScore]] = {}
    for item in data.proceedings.individual:
        found.setdefault((item.bid, item.criterion), {})[item.evaluator] = item
    spreads = {}
    for key, by_letter in found.items():
        counted = [s.score for s in by_letter.values() if s.set_aside_at is None]
        spreads[key] = (by_letter, max(counted) - min(counted) if len(counted) > 1 else None)
    return spreads


def _individual_table(
    bids: Sequence[ReportBid],
    codes: list[str],
    letters: list[str],
    spreads: dict[tuple[str, str], tuple[dict[str, IndividualScore], int | None]],
    flag: int,
) -> Table:
    group = len(letters) + 1
    first = _CODE_COLUMN
    column = min(_SCORE_COLUMN_MAX, (LANDSCAPE_TEXT_WIDTH - first) / (group * len(codes)))
    # The score cells are plain strings, not paragraphs: a report of hundreds of bids
    # has tens of thousands of them, and they never wrap.
    second_header: list[Any] = [""]
    for _code in codes:
        second_header += [*letters, "spr."]
    rows: list[list[Any]] = [second_header]
    wide: list[tuple[int, int]] = []
    for bid in bids:
        row: list[Any] = [_p(bid.blind_code)]
        for code in codes:
            by_letter, spread = spreads.get((bid.blind_code, code), ({}, None))
            for letter in letters:
                item = by_letter.get(letter)
                if item is None:
                    row.append(_NONE)
                elif item.set_aside_at is not None:
                    row.append(f"({item.score})")
                else:
                    row.append(str(item.score))
            if spread is None:
                row.append(_NONE)
            elif spread >= flag:
                wide.append((len(row), len(rows) + 1))
                row.append(f"{spread}{_WIDE}")
            else:
                row.append(str(spread))
        rows.append(row)
    header = ["Inschrijving"]
    for code in codes:
        header += [code] + [""] * (group - 1)
    table = grid_table(header, rows, [first, *([column] * (group * len(codes)))])
    table.repeatRows = 2
    commands: list[tuple[Any, ...]] = [
        ("FONT", (1, 1), (-1, -1), FONT, TABLE_TEXT.fontSize, TABLE_TEXT.leading),
        ("FONT", (1, 1), (-1, 1), FONT_BOLD, TABLE_TEXT.fontSize, TABLE_TEXT.leading),
        ("BACKGROUND", (0, 1), (-1, 1), PALE_BLUE),
        ("LINEBELOW", (0, 1), (-1, 1), 0.8, HOUSE_BLUE),
        ("SPAN", (0, 0), (0, 1)),
    ]
    commands += [
        ("FONT", cell, cell, FONT_BOLD, TABLE_TEXT.fontSize, TABLE_TEXT.leading) for cell in wide
    ]
    for index in range(len(codes)):
        start = 1 + index * group
        commands.append(("SPAN", (start, 0), (start + group - 1, 0)))
        commands.append(("LINEBEFORE", (start, 0), (start, -1), 0.8, HOUSE_BLUE))
    table.setStyle(commands)
    return table


def _individual(data: AwardReportData, number: int) -> list[Flowable]:
    story = _heading(number, "Individuele scores per beoordelaar en spreiding")
    proceedings = data.proceedings
    if proceedings is None:
        return [
            *story,
            Paragraph(
                f"Individuele scores per beoordelaar en hun spreiding: {NOT_RECORDED}.", BODY
            ),
        ]
    flag = proceedings.spread_flag
    letters = _evaluator_letters(data)
    spreads = _spreads(data)
    codes = [criterion.code for criterion in data.criteria]
    excluded = [bid.blind_code for bid in data.bids if bid.failed_requirements]
    story.append(
        Paragraph(
            "Per inschrijving en criterium de score van iedere beoordelaar (onder zijn letter, "
            "zie hoofdstuk 2) en de spreiding (spr.): de hoogste min de laagste meetellende "
            f"score. Een spreiding van {flag} of meer (de signaalwaarde van deze aanbesteding) "
            f"is vet en gemarkeerd met {_WIDE}. {_NONE}: geen score (de beoordelaar heeft deze "
            "inschrijving niet beoordeeld, bijvoorbeeld wegens een gemelde band). Een score "
            "tussen haakjes is terzijde gelegd en telt nergens mee; de reden staat onder de "
            "tabel. Alleen de consensusscore (hoofdstuk 6) telt voor de gunning."
            + (
                f" Niet beoordeeld, want uitgesloten op de eisen: {dutch_list(excluded)}."
                if excluded
                else ""
            ),
            BODY,
        )
    )
    if not letters:
        story.append(Paragraph("Er zijn geen individuele scores vastgelegd.", BODY))
        return story
    available = LANDSCAPE_TEXT_WIDTH - _CODE_COLUMN
    per_table = max(1, int(available // (_SCORE_COLUMN_MIN * (len(letters) + 1))))
    assessed_bids = [bid for bid in data.bids if not bid.failed_requirements]
    for start in range(0, len(codes), per_table):
        story += [
            _individual_table(
                assessed_bids[first : first + _ROWS_PER_TABLE],
                codes[start : start + per_table],
                letters,
                spreads,
                flag,
            )
            for first in range(0, len(assessed_bids), _ROWS_PER_TABLE)
        ]
        story.append(Spacer(1, 3 * mm))
    wide = [
        f"{bid} {code} ({spread})"
        for (bid, code), (_, spread) in spreads.items()
        if spread is not None and spread >= flag
    ]
    assessed = sum(1 for _, spread in spreads.values() if spread is not None)
    if wide:
        story.append(
            Paragraph(
                markup(
                    f"Spreiding van {flag} of meer bij {len(wide)} van {assessed} "
                    f"beoordelingen: {', '.join(wide)}."
                ),
                BODY,
            )
        )
    else:
        story.append(
            Paragraph(
                f"Bij geen van de {assessed} beoordelingen is de spreiding {flag} of meer.", BODY
            )
        )
    aside = [item for item in proceedings.individual if item.set_aside_at is not None]
    story += _subheading("Terzijde gelegde scores")
    if not aside:
        story.append(Paragraph("Geen individuele score is terzijde gelegd.", BODY))
        return story
    story.append(
        grid_table(
            ["Inschrijving", "Criterium", "Beoordelaar", "Score", "Terzijde gelegd", "Reden"],
            [
                [
                    _p(item.bid),
                    _p(item.criterion),
                    _p(f"Beoordelaar {item.evaluator}"),
                    _p(str(item.score)),
                    _p(format_datetime(item.set_aside_at) if item.set_aside_at else _NONE),
                    _p(item.set_aside_reason or _NONE),
                ]
                for item in aside
            ],
            [27 * mm, 22 * mm, 30 * mm, 16 * mm, 32 * mm, LANDSCAPE_TEXT_WIDTH - 127 * mm],
        )
    )
    return story


def _score_grid(data: AwardReportData) -> list[Flowable]:
    return [
        _score_table(data, data.bids[start : start + _ROWS_PER_TABLE])
        for start in range(0, max(len(data.bids), 1), _ROWS_PER_TABLE)
    ]


def _score_table(data: AwardReportData, bids: Sequence[ReportBid]) -> Table:
    """Consensus scores and totals of ``bids``, under a row with the minimums."""
    minimums = {c.code: c.minimum for c in data.criteria}
    codes = list(minimums)
    score_column = min(20 * mm, (LANDSCAPE_TEXT_WIDTH - 27 * mm - 70 * mm - 28 * mm) / len(codes))
    name_column = LANDSCAPE_TEXT_WIDTH - 27 * mm - score_column * len(codes) - 28 * mm
    header_row = [_p("Minimum", TABLE_HEADER), _p("")]
    header_row += [_p(format_number(minimums[code]), TABLE_HEADER) for code in codes]
    header_row.append(
        _p(format_total(data.minimum_total) if data.minimum_total > 0 else _NONE, TABLE_HEADER)
    )
    rows: list[list[Any]] = [header_row]
    spans = []
    for bid in bids:
        row: list[Any] = [_p(bid.blind_code), _bid_cell(bid)]
        if bid.failed_requirements:
            # Not assessed on quality (scoring.evaluate): no scores, as in its letter.
            row.append(_p("uitgesloten op eisen, niet op kwaliteit beoordeeld"))
            row += [""] * (len(codes) - 1)
            spans.append(len(rows) + 1)
        else:
            # Plain strings, as in the individual scores: many, short, never wrapping.
            scores = dict(bid.scores)
            row += [
                (f"{scores[code]}{_BELOW}" if scores[code] < minimums[code] else str(scores[code]))
                if code in scores
                else _NONE
                for code in codes
            ]
        row.append(
            format_total(bid.total)
            if bid.total is not None and not bid.failed_requirements
            else _NONE
        )
        rows.append(row)
    table = grid_table(
        ["Inschrijving", "Inschrijver", *codes, "Totaal"],
        rows,
        [27 * mm, name_column, *([score_column] * len(codes)), 28 * mm],
    )
    size, leading = TABLE_TEXT.fontSize, TABLE_TEXT.leading
    commands: list[tuple[Any, ...]] = [
        ("FONT", (2, 2), (-1, -1), FONT, size, leading),
        ("FONT", (-1, 2), (-1, -1), FONT_BOLD, size, leading),
        ("BACKGROUND", (0, 1), (-1, 1), colors.whitesmoke),
    ]
    commands += [("SPAN", (2, row), (1 + len(codes), row)) for row in spans]
    table.setStyle(commands)
    return table


def _motivations(data: AwardReportData) -> list[Flowable]:
    proceedings = data.proceedings
    recorded = {(r.bid, r.criterion): r for r in proceedings.consensus} if proceedings else {}

    def who(bid: str, code: str) -> str:
        if proceedings is None:
            return f"vastgelegd door: {NOT_RECORDED}"
        record = recorded.get((bid, code))
        if record is None:
            return "vastgelegd door: onbekend"
        return f"vastgelegd door {record.recorded_by} op {format_datetime(record.recorded_at)}"

    rows = []
    for bid in data.bids:
        if bid.failed_requirements or not bid.scores:
            continue
        motivations = dict(bid.motivations)
        recorders = {who(bid.blind_code, code) for code, _ in bid.scores}
        # One line for the whole bid when one person recorded every score at one moment.
        shared = len(recorders) == 1
        cell: list[Flowable] = [
            Paragraph(
                f"<b>{markup(code)}: {score}</b> – "
                f"{markup(motivations.get(code, '').strip() or NOT_RECORDED)}"
                + ("" if shared else f" <i>({markup(who(bid.blind_code, code))})</i>"),
                TABLE_TEXT,
            )
            for code, score in bid.scores
        ]
        if shared:
            cell.append(Paragraph(f"<i>Alle scores {markup(recorders.pop())}.</i>", _KVK))
        rows.append([_p(bid.blind_code), cell])
    return _long_table(
        ["Inschrijving", "Consensusscore en motivering per criterium, met wie haar vastlegde"],
        rows,
        [27 * mm, LANDSCAPE_TEXT_WIDTH - 27 * mm],
        # The motivations of one bid can be longer than a page.
        split_rows=True,
    )


def _reopenings(data: AwardReportData) -> list[Flowable]:
    proceedings = data.proceedings
    if proceedings is None:
        return [Paragraph(f"Heropende consensusscores: {NOT_RECORDED}.", BODY)]
    if not proceedings.reopenings:
        return [Paragraph("Geen consensusscore is heropend.", BODY)]
    rows = [
        [
            _p(item.bid),
            _p(item.criterion),
            _p(str(item.score) if item.score is not None else _NONE),
            _p(f"{item.reopened_by}, {format_datetime(item.reopened_at)}"),
            _p(item.reason or _NONE),
        ]
        for item in proceedings.reopenings
    ]
    return [
        Paragraph(
            "Een heropende consensusscore telde niet meer; de commissie heeft daarna opnieuw "
            "een consensusscore vastgelegd (hierboven).",
            BODY,
        ),
        grid_table(
            ["Inschrijving", "Criterium", "Score toen", "Heropend door, op", "Reden"],
            rows,
            [27 * mm, 22 * mm, 22 * mm, 70 * mm, LANDSCAPE_TEXT_WIDTH - 141 * mm],
        ),
    ]


def _consensus(data: AwardReportData, number: int) -> list[Flowable]:
    return [
        *_heading(number, "Consensusscores met motivering"),
        Paragraph(
            f"Consensusscores op een schaal van {data.scale_min} tot en met {data.scale_max}: "
            "de scores waarover de commissie het eens werd, de enige die tellen. De "
            "totaalscore is de naar weging gewogen som van de scores, omgerekend naar 0 tot "
            "100 en naar beneden afgerond op twee decimalen. Een score met "
            f"{_BELOW} is lager dan het minimum van het criterium.",
            BODY,
        ),
        _criteria(data),
        Spacer(1, 4 * mm),
        *_score_grid(data),
        *_subheading("Motivering en vastlegging"),
        *_motivations(data),
        *_subheading("Heropende consensusscores"),
        *_reopenings(data),
    ]


def _bid_reasons(bid: ReportBid) -> tuple[list[str], list[tuple[str, str]]]:
    """The reasons that apply to the bid as a whole, each once, and per lot the
    reasons that only that lot adds (a lot reason the bid already has is left out)."""
    if bid.failed_requirements:
        codes = dutch_list([failure.code for failure in bid.failed_requirements])
        whole = [f"Uitgesloten: voldoet niet aan {codes} (zie hoofdstuk 4)"]
        return whole, []
    whole: list[str] = []
    for reason in bid.reasons:
        if reason not in whole:
            whole.append(reason)
    rejected = [result for result in bid.results if not result.awarded]
    if len(rejected) == len(bid.results) and len(bid.results) > 1:
        for reason in rejected[0].reasons:
            if reason not in whole and all(reason in other.reasons for other in rejected):
                whole.append(reason)
    per_lot: list[tuple[str, str]] = []
    for result in bid.results:
        for reason in result.reasons:
            if reason not in whole and (result.lot, reason) not in per_lot:
                per_lot.append((result.lot, reason))
    return whole, per_lot


def _lot_ranking(data: AwardReportData, lot: ReportLot) -> list[Flowable]:
    entries = [
        (bid, result) for bid in data.bids for result in bid.results if result.lot == lot.code
    ]

    def order(entry: tuple[ReportBid, LotOutcome]) -> tuple[Any, ...]:
        bid, result = entry
        total = bid.total if bid.total is not None and not bid.failed_requirements else None
        return (
            result.rank is None,
            result.rank or 0,
            not result.awarded,  # within a drawn rank, the bids the draw favoured first
            total is None,
            -(total or 0),
            bid.blind_code,
        )

    rows = []
    for bid, result in sorted(entries, key=order):
        if bid.failed_requirements:
            outcome = "uitgesloten op eisen"
        elif result.awarded:
            outcome = "gegund"
        elif result.rank is None:
            outcome = "niet gegund: voldoet niet aan de minimumscores"
        else:
            outcome = "niet gegund"
        rows.append(
            [
                _p(str(result.rank) if result.rank is not None else _NONE),
                _p(bid.blind_code),
                _bid_cell(bid),
                _p(
                    format_total(bid.total)
                    if bid.total is not None and not bid.failed_requirements
                    else _NONE
                ),
                Paragraph(markup(outcome), TABLE_HEADER if result.awarded else TABLE_TEXT),
            ]
        )
    return _long_table(
        ["Rang", "Inschrijving", "Inschrijver", "Totaal", "Uitkomst"],
        rows,
        [16 * mm, 27 * mm, LANDSCAPE_TEXT_WIDTH - 171 * mm, 28 * mm, 100 * mm],
    )


def _totals(data: AwardReportData, number: int) -> list[Flowable]:
    if data.award_mode == "ranked":
        rule = (
            "Per perceel worden de inschrijvingen met de hoogste totaalscore gegund, tot het "
            "aantal van het perceel; bij een gelijke stand op de grens beslist de loting "
            "(hoofdstuk 8)."
        )
    else:
        rule = (
            "Iedere inschrijving die aan alle eisen voldoet en op elk criterium ten minste de "
            "minimumscore haalt, wordt gegund voor elk perceel waarop zij inschreef; de rang "
            "is ter informatie."
        )
    story: list[Flowable] = [
        *_heading(number, "Totaalscores en rangorde per perceel"),
        Paragraph(
            f"{rule} Eerst de uitkomst per inschrijving met de redenen van afwijzing: een "
            "reden die voor de hele inschrijving geldt staat er één keer, een reden die "
            "alleen voor een perceel geldt met dat perceel erbij. Daarna per perceel de "
            "totaalscores en de rangorde.",
            BODY,
        ),
        *_subheading("Uitkomst per inschrijving"),
        *_outcomes(data),
    ]
    for lot in data.lots:
        story += [
            *_subheading(f"Perceel {lot.code} – {lot.name}"),
            *_lot_ranking(data, lot),
        ]
    return story


def _decision(data: AwardReportData, number: int) -> list[Flowable]:
    t = data.timeline
    rows: list[tuple[str, str]] = [
        ("Gunningsbeslissing", f"{format_datetime(t.decided_at)} door {t.decided_by}"),
        *([("Besluit", _decision_text(data.decision))] if data.decision is not None else []),
        *(
            [("Ondertekening", f"{data.signatory.name}, {data.signatory.function}")]
            if data.signatory is not None
            else []
        ),
    ]
    story: list[Flowable] = [
        *_heading(number, "Besluit en verloop van het besluit"),
        facts_table(rows, label_width=45 * mm),
        Spacer(1, 3 * mm),
    ]
    if not data.history:
        return [
            *story,
            Paragraph("Van dit besluit is (nog) geen versie vastgelegd: dit is een concept.", BODY),
        ]
    withdrawn = [v.version for v in data.history if v.withdrawn_at is not None]
    current = [v.version for v in data.history if v.withdrawn_at is None]
    summary = f"Het besluit kent {_count(len(data.history), 'versie', 'versies')}."
    if withdrawn:
        numbers = dutch_list([str(version) for version in withdrawn])
        summary += (
            f" {'Versie' if len(withdrawn) == 1 else 'Versies'} {numbers} "
            f"{'is' if len(withdrawn) == 1 else 'zijn'} ingetrokken."
        )
    if current:
        summary += f" Dit advies hoort bij versie {current[-1]}."
    story += _subheading("Verloop van het besluit")
    story.append(
        Paragraph(
            "Per versie van het besluit: wie het gunningsadvies opstelde, wie het goedkeurde "
            "of terugstuurde en waarom, wie besloot, wanneer de brieven zijn verzonden en of "
            f"het besluit is ingetrokken. {summary}",
            BODY,
        )
    )
    for version in data.history:
        # One version's record stays on one page.
        story.append(
            KeepTogether(
                [
                    *_subheading(f"Versie {version.version}"),
                    facts_table(version_rows(version), label_width=40 * mm),
                ]
            )
        )
    return story


def _audit_head(data: AwardReportData, number: int) -> list[Flowable]:
    """The last section, kept on one page with the closing note: the report never
    ends on a page that holds only a footnote."""
    decided = format_datetime(data.timeline.decided_at)
    proceedings = data.proceedings
    if proceedings is None:
        head = f"De stand van de auditketen bij het vastleggen van de beslissing: {NOT_RECORDED}."
    elif proceedings.audit_head is None:
        head = "De auditketen was bij het vastleggen van de beslissing nog leeg."
    else:
        anchor = proceedings.audit_head
        head = (
            "Bij het vastleggen van de scores, uitkomsten en dekking voor deze beslissing "
            f"({format_datetime_seconds(proceedings.frozen_at)}) was de laatste gebeurtenis "
            f"in de auditketen nummer {anchor.seq} met hash "
            f'<font name="Courier">{markup(anchor.hash)}</font>. Wie de auditketen '
            "controleert, vindt die gebeurtenis met precies die hash terug; wat daarna is "
            "vastgelegd, staat niet in dit advies."
        )
    return [
        CondPageBreak(_SUBHEADING_ROOM),
        KeepTogether(
            [
                Paragraph(f"{number}. Auditketen", HEADING),
                Paragraph(head, BODY),
                Paragraph(
                    f"Dit gunningsadvies is opgesteld uit de gunningsbeslissing van {decided}, "
                    "waarin scores, uitkomsten en dekking op dat moment zijn vastgelegd. Het "
                    "bevat geen inhoud uit de plannen van de inschrijvers.",
                    CLOSING,
                ),
            ]
        ),
    ]


def outcome_chapters(data: AwardReportData) -> list[Flowable]:
    """The report's chapters on the outcome alone, for landscape pages: the consensus
    scores and totals (without motivations), the outcome and ranking per lot with the
    reasons, the draws and the coverage with the gap decisions.

    They keep the report's numbers (6 to 9), so that their references to other
    chapters (the requirement check in 4, the draws in 8) read the same as in the
    report; the evaluation dossier shows them so.
    """
    return [
        *_heading(6, "Consensusscores en totaalscores"),
        Paragraph(
            f"Consensusscores op een schaal van {data.scale_min} tot en met {data.scale_max}: "
            "de enige scores die tellen. De totaalscore is de naar weging gewogen som van de "
            "scores, omgerekend naar 0 tot 100 en naar beneden afgerond op twee decimalen. "
            f"Een score met {_BELOW} is lager dan het minimum van het criterium.",
            BODY,
        ),
        _criteria(data),
        Spacer(1, 4 * mm),
        *_score_grid(data),
        *_totals(data, 7),
        *_draws(data, 8),
        *_coverage(data, 9),
    ]
