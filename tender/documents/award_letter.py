"""Gunningsbeslissing: the award decision letter to one bidder (voornemen tot gunning).

Aw 2012 art. 2.130 (DOMAIN.md 5.4) decides what it states: the bidder's result per
lot and why (awarded, not awarded, or after a draw); its consensus score and full
motivation per criterion and its total; every reason it is not awarded; the
characteristics and relative advantages of the awarded bids (never their plan
content); the names of the parties to the framework agreements; the last day of the
standstill as a calendar date with the rule it follows from; how and where to object
(kort geding before the standstill ends) and whom to ask; and who signs.

The characteristics depend on the award mode. Ranked: the winners' scores per
criterion and totals per lot, and per winner a text in words on what distinguishes
it, drafted from its consensus motivations and reviewed by the inkoper
(``AwardedParty.strengths``). Threshold: the award does not depend on relative
advantage, so per lot and criterion the threshold and the range of the awarded
scores, never a row per winner, and the parties once per lot in a compact annex:
a letter stays a few pages whatever the number of bidders.

The data holds no plan text of any bid, so none can leak into a letter. A bid
excluded on requirements was not assessed on quality (``scoring.evaluate``): its
letter gives its requirement reasons and no scores of its own.

Optional facts of the decision procedure (issue 11): the body that took the
decision, when and under which mandate (``DecisionFacts``); the person who signs
(``Signatory``); the earlier decision this one replaces after it was withdrawn
(``EarlierDecision``), which starts a new standstill; and, per lot, a place that
was decided by lot among bids with equal scores (``DrawFacts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from tender.audit import AuditAnchor
from tender.award.standstill import standstill_end
from tender.documents.pdf import (
    BODY,
    CLOSING,
    HEADING,
    NOTICE,
    TABLE_HEADER,
    TABLE_TEXT,
    TEXT_WIDTH,
    TITLE,
    Paragraph,
    append_pages,
    audit_footer,
    bullet_list,
    concept,
    dutch_list,
    facts_table,
    grid_table,
    markup,
    page_count,
    render,
    rendering_context,
    section_heading,
    signature_status,
    user_paragraphs,
)
from tender.scoring import format_total
from tender.timefmt import format_date, format_long_date, format_number, to_local

DOCUMENT_TITLE = "Gunningsbeslissing"
AWARDED = "gegund"
NOT_AWARDED = "niet gegund"
AWARD_MODES = ("threshold", "ranked")

_ADDRESS = ParagraphStyle("LetterAddress", parent=BODY, spaceAfter=0)
_OWN_ROW = ParagraphStyle("OwnRow", parent=TABLE_TEXT, fontName="Vera-Bold")
_REASON = ParagraphStyle("WithdrawalReason", parent=BODY, leftIndent=6 * mm)
_SCORE_COLUMN = 14 * mm
_TOTAL_COLUMN = 22 * mm
_ANNEX_NAME = ParagraphStyle("AnnexName", parent=TABLE_TEXT, fontSize=7.5, leading=9)
_ANNEX_COLUMNS = 3
ANNEX_TITLE = "Bijlage: partijen bij de raamovereenkomst, per perceel"


@dataclass(frozen=True)
class AwardCriterion:
    """A published award criterion; ``minimum`` is the lowest consensus score that passes."""

    code: str
    title: str
    weight: Decimal
    minimum: int


@dataclass(frozen=True)
class AwardedParty:
    """An awarded bid in one lot, by the name of its organisation.

    ``scores`` pairs each criterion code with its consensus score, for every
    criterion of the tender. ``strengths`` says in words what distinguishes the
    bid (ranked mode), as the inkoper reviewed it: no confidential plan content.
    """

    organisation_name: str
    scores: tuple[tuple[str, int], ...]
    total: Decimal
    strengths: str = ""


@dataclass(frozen=True)
class LotAward:
    """One lot of the tender and the parties to its framework agreement.

    ``places`` is the number of awards in ranked mode (``max_awards``), 0 in
    threshold mode.
    """

    code: str
    name: str
    places: int
    parties: tuple[AwardedParty, ...]


@dataclass(frozen=True)
class LetterTender:
    """The tender as every letter states it; ``lots`` are all lots of the tender.

    ``court`` is the court named in the criteria file for a kort geding;
    ``minimum_total`` is 0 when the tender sets none.
    """

    reference: str
    title: str
    contracting_authority: str
    region: str
    court: str
    standstill_days: int
    award_mode: str  # one of AWARD_MODES
    scale_max: int
    minimum_total: Decimal
    criteria: tuple[AwardCriterion, ...]
    lots: tuple[LotAward, ...]
    scale_min: int = 0  # the lowest score on the published scale (e.g. 1 for a 1-5 scale)


@dataclass(frozen=True)
class Recipient:
    """The bidder the letter is addressed to; ``address`` is its postal address in lines."""

    organisation_name: str
    kvk_number: str
    address: tuple[str, ...]
    contact_person: str


@dataclass(frozen=True)
class CriterionScore:
    """The bid's consensus score and the committee's motivation on one criterion."""

    code: str
    score: int
    motivation: str


@dataclass(frozen=True)
class DrawFacts:
    """A place in a lot decided by lot among ``tied`` bids with equal scores.

    ``place`` is this bid's place in the drawn order (1: drawn first, the highest
    of the tied places); ``method`` says how it was drawn, e.g. 'genummerde
    briefjes, getrokken door A. Jansen in aanwezigheid van B. de Vries'.
    """

    place: int
    tied: int
    drawn_on: date
    method: str

    def __post_init__(self) -> None:
        if self.tied < 2:
            raise ValueError("a draw is among at least two tied bids")
        if not 1 <= self.place <= self.tied:
            raise ValueError(f"drawn place {self.place} is not among the {self.tied} tied bids")


@dataclass(frozen=True)
class LotResult:
    """The bid's result in one lot it bid on.

    ``reasons`` are the reasons that concern this lot only (the rank reason in
    ranked mode); reasons that concern the whole bid are on ``AwardLetterData``.
    ``draw`` is set when the bid's place in this lot was decided by lot.
    """

    code: str
    name: str
    awarded: bool
    reasons: tuple[str, ...] = ()
    draw: DrawFacts | None = None


@dataclass(frozen=True)
class Signatory:
    """The person who signs for the contracting authority, and in what function."""

    name: str
    function: str


@dataclass(frozen=True)
class DecisionFacts:
    """Who took the award decision, when, and under which mandate.

    ``body`` is the deciding body as it follows 'Het', e.g. 'college van B&W van
    Houten'; ``mandate`` the capacity it decided in, e.g. 'namens de regio
    Lekstroom' ('' when it decided in its own right).
    """

    decided_on: date
    body: str
    mandate: str


@dataclass(frozen=True)
class EarlierDecision:
    """A decision sent earlier and withdrawn, which the new decision replaces."""

    sent_on: date
    withdrawn_on: date
    reason: str

    def __post_init__(self) -> None:
        if self.withdrawn_on < self.sent_on:
            raise ValueError("a decision cannot be withdrawn before it was sent")


@dataclass(frozen=True)
class AwardLetterData:
    """Everything one bidder's award letter states.

    ``sent_at`` (aware) is the moment the letters are sent: the letter's date, and
    the standstill starts the next day. ``requirement_reasons`` are the scoring
    engine's texts for failed requirements: non-empty means the bid is excluded,
    and then ``scores`` and ``total`` are not printed (they are normally empty and
    None). ``assessment_reasons`` are the texts for criteria and the total below
    their minimum. ``sender_name`` and ``sender_function`` sign the letter unless a
    ``signatory`` is given. ``decision`` states who decided, when and under which
    mandate; ``replaces`` the withdrawn decision this one replaces.
    """

    tender: LetterTender
    recipient: Recipient
    sent_at: datetime
    results: tuple[LotResult, ...]
    requirement_reasons: tuple[str, ...]
    assessment_reasons: tuple[str, ...]
    scores: tuple[CriterionScore, ...]
    total: Decimal | None
    sender_name: str
    sender_function: str
    signatory: Signatory | None = None
    decision: DecisionFacts | None = None
    replaces: EarlierDecision | None = None

    def __post_init__(self) -> None:
        tender = self.tender
        if tender.award_mode not in AWARD_MODES:
            raise ValueError(f"unknown award mode {tender.award_mode!r}")
        codes = [criterion.code for criterion in tender.criteria]
        for lot in tender.lots:
            for party in lot.parties:
                if [code for code, _ in party.scores] != codes:
                    raise ValueError(f"{party.organisation_name}: scores do not match criteria")
        if not self.results:
            raise ValueError("a letter needs the result of at least one lot")
        assessed = [score.code for score in self.scores] == codes and self.total is not None
        if not self.excluded and not assessed:
            raise ValueError("an assessed bid needs a score per criterion and a total")
        for result in self.results:
            own = self.requirement_reasons + self.assessment_reasons
            if result.awarded and own:
                raise ValueError(f"lot {result.code}: awarded despite reasons against the bid")
            if not result.awarded and not own and not result.reasons:
                # Art. 2.130: every rejection states its reasons.
                raise ValueError(f"lot {result.code}: not awarded without a reason")
            if result.draw is not None and result.draw.drawn_on > self.sent_on:
                raise ValueError(f"lot {result.code}: drawn after the letter's date")
        if self.decision is not None and self.decision.decided_on > self.sent_on:
            raise ValueError("the decision is dated after the letter")
        if self.replaces is not None and self.replaces.withdrawn_on > self.sent_on:
            raise ValueError("the earlier decision is withdrawn after the new letter's date")

    @property
    def sent_on(self) -> date:
        """The letter's date in Europe/Amsterdam."""
        return to_local(self.sent_at).date()

    @property
    def standstill_end(self) -> date:
        """The last day of the standstill (Algemene termijnenwet applied)."""
        return standstill_end(self.sent_on, self.tender.standstill_days)

    @property
    def excluded(self) -> bool:
        """Excluded on requirements, so not assessed on the award criteria."""
        return bool(self.requirement_reasons)


_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def _weekday_date(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {format_long_date(day)}"


def _lot_label(code: str, name: str) -> str:
    return f"perceel {code} ({name})"


def strengths_label(organisation_name: str, lot_codes: list[str]) -> str:
    """The bold line above a winner's strengths text (the review page shows the same)."""
    lots = "perceel" if len(lot_codes) == 1 else "percelen"
    return f"{organisation_name} (gegund voor {lots} {dutch_list(lot_codes)})"


def _address_block(recipient: Recipient) -> list[Flowable]:
    lines = [
        f"<b>{markup(recipient.organisation_name)}</b>",
        *([f"t.a.v. {markup(recipient.contact_person)}"] if recipient.contact_person else []),
        *(markup(line) for line in recipient.address),
    ]
    return [Paragraph(line, _ADDRESS) for line in lines]


def _result_label(result: LotResult) -> str:
    label = AWARDED if result.awarded else NOT_AWARDED
    return f"{label} na loting" if result.draw is not None else label


def _result_reason(data: AwardLetterData, result: LotResult) -> str:
    """Why this lot was (not) awarded to the bidder, in one plain sentence."""
    tender = data.tender
    if result.awarded:
        if result.draw is not None:
            return (
                f"Uw inschrijving stond gelijk met {_count_others(result.draw.tied - 1)}; bij "
                f"de loting kreeg zij plaats {result.draw.place} van {result.draw.tied}, binnen "
                "de te gunnen plaatsen."
            )
        if tender.award_mode == "ranked":
            lot = next((lot for lot in tender.lots if lot.code == result.code), None)
            places = f"{lot.places} " if lot is not None and lot.places else ""
            return (
                f"Uw inschrijving hoort bij de {places}hoogst gerangschikte inschrijvingen die "
                "aan alle eisen en minimumscores voldoen."
            )
        return "Uw inschrijving voldoet aan alle eisen en haalt alle drempels."
    if data.excluded:
        return "Uw inschrijving voldoet niet aan alle eisen (zie hieronder)."
    return "; ".join([*data.assessment_reasons, *result.reasons]) + "."


def _opening(data: AwardLetterData) -> list[Flowable]:
    awarded = [_lot_label(r.code, r.name) for r in data.results if r.awarded]
    rejected = [_lot_label(r.code, r.name) for r in data.results if not r.awarded]
    tender = data.tender
    text = (
        f"U heeft ingeschreven op de aanbesteding {markup(tender.title)} (kenmerk "
        f"{markup(tender.reference)}). In deze brief leest u welke beslissing over uw "
        "inschrijving is genomen en waarom."
    )
    if data.decision is not None:
        text += f" {_decision_sentence(data.decision)}"
    contracts = "de raamovereenkomst" if len(awarded) == 1 else "de raamovereenkomsten"
    if awarded and not rejected:
        decision = (
            f"Wij zijn voornemens {contracts} voor {markup(dutch_list(awarded))} aan u te gunnen."
        )
    elif awarded:
        decision = (
            f"Wij zijn voornemens {contracts} voor {markup(dutch_list(awarded))} aan u te "
            f"gunnen, en niet voor {markup(dutch_list(rejected))}."
        )
    else:
        decision = "Wij zijn niet voornemens een raamovereenkomst aan u te gunnen."
    story: list[Flowable] = [
        Paragraph("Geachte heer, mevrouw,", BODY),
        Paragraph(text, BODY),
        *_replacement(data),
        Paragraph(decision, NOTICE),
        Paragraph("Per perceel waarop u heeft ingeschreven is dit het resultaat:", BODY),
        grid_table(
            ["Perceel", "Resultaat", "Waarom"],
            [
                [
                    Paragraph(markup(f"{r.code} – {r.name}"), TABLE_TEXT),
                    Paragraph(_result_label(r), TABLE_HEADER),
                    Paragraph(markup(_result_reason(data, r)), TABLE_TEXT),
                ]
                for r in data.results
            ],
            [45 * mm, 32 * mm, TEXT_WIDTH - 77 * mm],
        ),
        Spacer(1, 3 * mm),
    ]
    if awarded:
        story.append(
            Paragraph(
                "Dit is een voornemen: de raamovereenkomst wordt pas gesloten na afloop van "
                "de opschortende termijn die hieronder staat. U ontvangt de raamovereenkomst "
                "dan ter ondertekening.",
                BODY,
            )
        )
    return story


def body_without_article(body: str) -> str:
    """The deciding body as typed, without a leading 'het' (typed with or without it),
    so that the documents can write 'Het college …' and 'door het college …'."""
    return re.sub(r"^het\s+", "", body.strip(), flags=re.IGNORECASE)


def _decision_sentence(decision: DecisionFacts) -> str:
    mandate = f" ({markup(decision.mandate)})" if decision.mandate.strip() else ""
    body = body_without_article(decision.body)
    return (
        f"Het {markup(body)} heeft op {format_long_date(decision.decided_on)} "
        f"besloten{mandate} over de gunning van deze aanbesteding."
    )


def _replacement(data: AwardLetterData) -> list[Flowable]:
    earlier = data.replaces
    if earlier is None:
        return []
    return [
        Paragraph(
            "<b>Deze beslissing vervangt de gunningsbeslissing die wij u op "
            f"{format_long_date(earlier.sent_on)} hebben gestuurd.</b> Die beslissing is op "
            f"{format_long_date(earlier.withdrawn_on)} ingetrokken, om de volgende reden:",
            BODY,
        ),
        *user_paragraphs(earlier.reason, _REASON),
        Paragraph(
            "Met deze brief begint een nieuwe opschortende termijn; de termijn van de "
            "ingetrokken beslissing geldt niet meer.",
            BODY,
        ),
    ]


def _exclusion(data: AwardLetterData) -> list[Flowable]:
    return [
        *section_heading("Uw inschrijving voldoet niet aan de eisen"),
        Paragraph(
            "Uw inschrijving voldoet niet aan een of meer eisen (knock-outcriteria) uit de "
            "aanbestedingsdocumenten. Een inschrijving die niet aan alle eisen voldoet, wordt "
            "uitgesloten. Uw plannen zijn daarom niet beoordeeld op de gunningscriteria, en "
            "deze brief vermeldt geen scores voor uw inschrijving. Het gaat om de volgende "
            "eisen:",
            BODY,
        ),
        *bullet_list(data.requirement_reasons),
    ]


def _criterion_cells(criterion: AwardCriterion) -> list[Paragraph]:
    """Code, title, weight and minimum: the first columns of every criteria table."""
    return [
        Paragraph(markup(criterion.code), TABLE_TEXT),
        Paragraph(markup(criterion.title), TABLE_TEXT),
        Paragraph(format_number(criterion.weight), TABLE_TEXT),
        Paragraph(format_number(criterion.minimum), TABLE_TEXT),
    ]


def _total_cells(tender: LetterTender) -> list[Paragraph]:
    """The same four columns for the total row: its label and the minimum total."""
    minimum = format_total(tender.minimum_total) if tender.minimum_total > 0 else "—"
    return [
        Paragraph("", TABLE_TEXT),
        Paragraph("<b>Totaalscore</b> (van 100)", TABLE_TEXT),
        Paragraph("", TABLE_TEXT),
        Paragraph(minimum, TABLE_TEXT),
    ]


def _assessment(data: AwardLetterData) -> list[Flowable]:
    tender = data.tender
    scores = {score.code: score for score in data.scores}
    assert data.total is not None
    rows = [
        [
            *_criterion_cells(c),
            Paragraph(f"<b>{format_number(scores[c.code].score)}</b>", TABLE_TEXT),
        ]
        for c in tender.criteria
    ]
    rows.append(
        [*_total_cells(tender), Paragraph(f"<b>{format_total(data.total)}</b>", TABLE_TEXT)]
    )
    story: list[Flowable] = [
        *section_heading("De beoordeling van uw inschrijving"),
        Paragraph(
            "De beoordelingscommissie heeft uw plannen beoordeeld op de gepubliceerde "
            "gunningscriteria, op een schaal van "
            f"{tender.scale_min} tot en met {tender.scale_max}. Hieronder staan per criterium "
            "de consensusscore van de commissie, het gewicht en de "
            "minimale score. De totaalscore is de naar gewicht gewogen som van de scores, "
            "omgerekend naar een schaal van 0 tot 100 en naar beneden afgerond op twee "
            "decimalen.",
            BODY,
        ),
        grid_table(
            ["Code", "Gunningscriterium", "Gewicht", "Minimum", "Uw score"],
            rows,
            [16 * mm, TEXT_WIDTH - 76 * mm, 20 * mm, 20 * mm, 20 * mm],
        ),
        *section_heading("Motivering per criterium"),
    ]
    for c in tender.criteria:
        score = scores[c.code]
        label = (
            f"{c.code} – {c.title}: score {format_number(score.score)} van {tender.scale_max} "
            f"(minimum {format_number(c.minimum)})"
        )
        story += user_paragraphs(score.motivation, label=label)
    return story


def _reasons(data: AwardLetterData) -> list[Flowable]:
    lot_reasons = [reason for r in data.results if not r.awarded for reason in r.reasons]
    reasons = [*data.assessment_reasons, *lot_reasons]
    if not reasons:
        return []
    return [
        *section_heading("Redenen van afwijzing"),
        Paragraph("Uw inschrijving wordt om de volgende redenen niet gegund:", BODY),
        *bullet_list(reasons),
    ]


def _draws(data: AwardLetterData) -> list[Flowable]:
    drawn = [result for result in data.results if result.draw is not None]
    if not drawn:
        return []
    story: list[Flowable] = [*section_heading("Loting")]
    for result in drawn:
        draw = result.draw
        assert draw is not None
        story += [
            Paragraph(
                f"In {markup(_lot_label(result.code, result.name))} had uw inschrijving "
                f"dezelfde scores als {_count_others(draw.tied - 1)}. De volgorde van deze "
                f"{draw.tied} inschrijvingen is daarom op {format_long_date(draw.drawn_on)} "
                f"door loting bepaald. Bij de loting kreeg uw inschrijving <b>plaats "
                f"{draw.place} van {draw.tied}</b>.",
                BODY,
            ),
            *user_paragraphs(draw.method, _REASON, label="Zo is geloot:"),
        ]
    return story


def _count_others(number: int) -> str:
    return "één andere inschrijving" if number == 1 else f"{number} andere inschrijvingen"


def _criteria_table(tender: LetterTender) -> list[Flowable]:
    rows = [_criterion_cells(c) for c in tender.criteria]
    return [
        grid_table(
            ["Code", "Gunningscriterium", "Gewicht", "Minimum"],
            rows,
            [16 * mm, TEXT_WIDTH - 56 * mm, 20 * mm, 20 * mm],
        ),
        Spacer(1, 3 * mm),
    ]


def _party_row(
    name: str, scores: list[int], total: Decimal, style: ParagraphStyle
) -> list[Flowable]:
    return [
        Paragraph(markup(name), style),
        *(Paragraph(format_number(score), style) for score in scores),
        Paragraph(format_total(total), style),
    ]


def _lot_heading(lot: LotAward, places: str = "") -> Paragraph:
    return Paragraph(f"<b>Perceel {markup(lot.code)} – {markup(lot.name)}</b>{places}", BODY)


def _ranked_lot(data: AwardLetterData, lot: LotAward) -> list[Flowable]:
    tender = data.tender
    places = (
        f". Er {'wordt' if lot.places == 1 else 'worden'} in dit perceel {lot.places} "
        f"raamovereenkomst{'' if lot.places == 1 else 'en'} gegund."
    )
    heading = _lot_heading(lot, places)
    if not lot.parties:
        return [
            KeepTogether([heading, Paragraph("In dit perceel is geen inschrijving gegund.", BODY)])
        ]
    codes = [c.code for c in tender.criteria]
    column = min(_SCORE_COLUMN, (TEXT_WIDTH - 50 * mm - _TOTAL_COLUMN) / len(codes))
    name_column = TEXT_WIDTH - column * len(codes) - _TOTAL_COLUMN
    rows = [
        _party_row(
            party.organisation_name,
            [score for _, score in party.scores],
            party.total,
            _OWN_ROW if party.organisation_name == data.recipient.organisation_name else TABLE_TEXT,
        )
        for party in sorted(lot.parties, key=lambda p: (-p.total, p.organisation_name))
    ]
    own = next((r for r in data.results if r.code == lot.code), None)
    if own is not None and not own.awarded and not data.excluded and data.total is not None:
        rows.append(
            _party_row(
                "Uw inschrijving (niet gegund)",
                [score.score for score in data.scores],
                data.total,
                _OWN_ROW,
            )
        )
    table = grid_table(
        ["Gegunde partij", *codes, "Totaal"],
        rows,
        [name_column, *([column] * len(codes)), _TOTAL_COLUMN],
    )
    # A lot's table starts on the page of its heading (a long one may still split).
    return [KeepTogether([heading, table]), Spacer(1, 3 * mm)]


def strengths_section(data: AwardLetterData) -> list[Flowable]:
    """Each winner once, with the lots it won and the reviewed text on what distinguishes it."""
    winners: dict[str, tuple[AwardedParty, list[str]]] = {}
    for lot in data.tender.lots:
        for party in sorted(lot.parties, key=lambda p: (-p.total, p.organisation_name)):
            winners.setdefault(party.organisation_name, (party, []))[1].append(lot.code)
    if not any(party.strengths.strip() for party, _ in winners.values()):
        return []
    story: list[Flowable] = [
        CondPageBreak(30 * mm),
        Paragraph("<b>Wat de gegunde inschrijvingen onderscheidt</b>", BODY),
        Paragraph(
            "Per gegunde inschrijving staat hieronder in woorden waarin zij zich onderscheidt, "
            "samengevat uit de consensusmotiveringen van de beoordelingscommissie. "
            "Vertrouwelijke inhoud van de plannen staat er niet in.",
            BODY,
        ),
    ]
    for name, (party, lots) in winners.items():
        if party.strengths.strip():
            story += user_paragraphs(party.strengths, _REASON, label=strengths_label(name, lots))
    return story


def _ranked_winners(data: AwardLetterData) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(
            "In deze aanbesteding wordt per perceel een vast aantal raamovereenkomsten gegund, "
            "aan de inschrijvingen met de hoogste totaalscore die aan alle eisen voldoen en op "
            "elk gunningscriterium ten minste de minimale score halen. Het voordeel van de "
            "gegunde inschrijvingen is hun hogere totaalscore; de scores per criterium laten "
            "zien waar dat verschil zit.",
            BODY,
        ),
        *_criteria_table(data.tender),
        Paragraph(
            "Per perceel staan hieronder de gegunde inschrijvingen met hun consensusscores "
            "per criterium en hun totaalscore.",
            BODY,
        ),
    ]
    for lot in data.tender.lots:
        story += _ranked_lot(data, lot)
    return story + strengths_section(data)


def _score_range(values: list[int]) -> str:
    low, high = min(values), max(values)
    return format_number(low) if low == high else f"{format_number(low)}–{format_number(high)}"


def _total_range(values: list[Decimal]) -> str:
    low, high = min(values), max(values)
    return format_total(low) if low == high else f"{format_total(low)}–{format_total(high)}"


def _threshold_lot(data: AwardLetterData, lot: LotAward) -> list[Flowable]:
    """One lot in threshold mode: per criterion the threshold and the range of the
    awarded scores, never a row per awarded bid."""
    tender = data.tender
    count = len(lot.parties)
    heading = _lot_heading(
        lot, f": {count} gegunde inschrijving{'' if count == 1 else 'en'}." if count else ""
    )
    if not lot.parties:
        return [
            KeepTogether([heading, Paragraph("In dit perceel is geen inschrijving gegund.", BODY)])
        ]
    own = not data.excluded and data.total is not None
    scores = {score.code: score.score for score in data.scores}
    rows = []
    for index, criterion in enumerate(tender.criteria):
        awarded = [party.scores[index][1] for party in lot.parties]
        rows.append(
            [
                *_criterion_cells(criterion),
                Paragraph(_score_range(awarded), TABLE_TEXT),
                *(
                    [Paragraph(f"<b>{format_number(scores[criterion.code])}</b>", TABLE_TEXT)]
                    if own
                    else []
                ),
            ]
        )
    rows.append(
        [
            *_total_cells(tender),
            Paragraph(_total_range([party.total for party in lot.parties]), TABLE_TEXT),
            *([Paragraph(f"<b>{format_total(data.total)}</b>", TABLE_TEXT)] if own else []),
        ]
    )
    own_width = 20 * mm if own else 0
    table = grid_table(
        [
            "Code",
            "Gunningscriterium",
            "Gewicht",
            "Drempel",
            "Gegunde scores",
            *(["Uw score"] if own else []),
        ],
        rows,
        [
            14 * mm,
            TEXT_WIDTH - 14 * mm - 20 * mm - 20 * mm - 28 * mm - own_width,
            20 * mm,
            20 * mm,
            28 * mm,
            *([own_width] if own else []),
        ],
    )
    return [KeepTogether([heading, table]), Spacer(1, 3 * mm)]


def _threshold_winners(data: AwardLetterData) -> list[Flowable]:
    tender = data.tender
    minimum_total = (
        f" en een totaalscore van ten minste {format_total(tender.minimum_total)}"
        if tender.minimum_total > 0
        else ""
    )
    story: list[Flowable] = [
        Paragraph(
            "In deze aanbesteding wordt de raamovereenkomst gegund aan iedere inschrijving "
            "die aan alle eisen voldoet en op elk gunningscriterium ten minste de "
            f"minimale score haalt{minimum_total}. Dat zijn de drempels die iedere "
            "inschrijving moest halen; de gegunde inschrijvingen halen ze alle.",
            BODY,
        ),
        Paragraph(
            "De gunning hangt daarom niet af van een vergelijking van de inschrijvingen "
            "onderling: een hogere score geeft geen voorrang, en een gegunde inschrijving "
            "heeft geen relatief voordeel boven een andere inschrijving die de drempels "
            "haalt. Het kenmerk van de gegunde inschrijvingen is dat zij alle drempels halen. "
            "Per perceel staan hieronder per criterium de drempel en de laagste en de hoogste "
            "score van de gegunde inschrijvingen (gegunde scores: laagste–hoogste)"
            + (", naast uw eigen score." if not data.excluded else ".")
            + " De partijen bij de raamovereenkomst staan per perceel in de bijlage bij deze "
            "brief.",
            BODY,
        ),
    ]
    for lot in tender.lots:
        story += _threshold_lot(data, lot)
    return story


def _winners(data: AwardLetterData) -> list[Flowable]:
    story: list[Flowable] = [
        *section_heading("Kenmerken en relatieve voordelen van de gegunde inschrijvingen"),
    ]
    if data.tender.award_mode == "threshold":
        story += _threshold_winners(data)
    else:
        story += _ranked_winners(data)
    story.append(
        Paragraph(
            "De inhoud van de plannen van andere inschrijvers is vertrouwelijk en staat daarom "
            "niet in deze brief.",
            BODY,
        )
    )
    return story


def _lot_names(lot: LotAward) -> list[str]:
    return sorted(party.organisation_name for party in lot.parties)


def _parties(data: AwardLetterData) -> list[Flowable]:
    """Ranked mode: the few parties per lot, in the letter itself."""
    story: list[Flowable] = [
        *section_heading("Partijen bij de raamovereenkomsten"),
        Paragraph(
            "Het voornemen is om per perceel een raamovereenkomst te sluiten met de volgende "
            "partijen:",
            BODY,
        ),
    ]
    for lot in data.tender.lots:
        names = _lot_names(lot)
        story.append(
            Paragraph(
                f"<b>Perceel {markup(lot.code)} – {markup(lot.name)}:</b> "
                f"{markup('; '.join(names)) if names else 'geen'}",
                BODY,
            )
        )
    return story


def _annex(tender: LetterTender) -> list[Flowable]:
    """Threshold mode: every party once per lot, several names to a line, so that
    hundreds of parties take a few pages at the end and not one row each.

    The annex is the same in every letter of a decision and starts on a page of its
    own: it is laid out once (``_annex_pdf``) and its pages are added to each letter.
    """
    story: list[Flowable] = [
        Paragraph(ANNEX_TITLE, HEADING),
        Paragraph(
            "Het voornemen is om per perceel een raamovereenkomst te sluiten met de volgende "
            "partijen (in alfabetische volgorde).",
            BODY,
        ),
    ]
    width = TEXT_WIDTH / _ANNEX_COLUMNS
    for lot in tender.lots:
        names = _lot_names(lot)
        story.append(_lot_heading(lot, f" ({len(names)} partij{'' if len(names) == 1 else 'en'})"))
        if not names:
            story.append(Paragraph("geen", BODY))
            continue
        rows = [
            [Paragraph(markup(name), _ANNEX_NAME) for name in names[start : start + _ANNEX_COLUMNS]]
            for start in range(0, len(names), _ANNEX_COLUMNS)
        ]
        rows[-1] += [Paragraph("", _ANNEX_NAME)] * (_ANNEX_COLUMNS - len(rows[-1]))
        table = Table(rows, colWidths=[width] * _ANNEX_COLUMNS, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        story += [table, Spacer(1, 3 * mm)]
    return story


def _standstill(data: AwardLetterData) -> list[Flowable]:
    tender = data.tender
    end = format_date(data.standstill_end)
    first_free = format_date(data.standstill_end + timedelta(days=1))
    nominal = data.sent_on + timedelta(days=tender.standstill_days)
    new = "nieuwe " if data.replaces is not None else ""
    story: list[Flowable] = [
        *section_heading("Opschortende termijn"),
        Paragraph(
            f"De {new}opschortende termijn eindigt {tender.standstill_days} kalenderdagen na "
            f"de dag van verzending van deze brief. Deze brief is verzonden op "
            f"{_weekday_date(data.sent_on)} ({format_date(data.sent_on)}); de termijn loopt "
            f"dus <b>tot en met {end}</b> ({_weekday_date(data.standstill_end)}).",
            BODY,
        ),
    ]
    if nominal != data.standstill_end:
        story.append(
            Paragraph(
                f"De laatste dag van de termijn, {format_date(nominal)}, valt op een zaterdag, "
                "zondag of algemeen erkende feestdag. Volgens de Algemene termijnenwet loopt de "
                f"termijn daarom door tot en met {end}.",
                BODY,
            )
        )
    story.append(
        Paragraph(
            "De raamovereenkomsten worden niet gesloten vóór het einde van deze termijn, dus "
            f"niet eerder dan op {first_free}.",
            BODY,
        )
    )
    return story


def _signatory_of(data: AwardLetterData) -> Signatory:
    return data.signatory or Signatory(data.sender_name, data.sender_function)


def _remedy(data: AwardLetterData) -> list[Flowable]:
    tender = data.tender
    end = format_date(data.standstill_end)
    signatory = _signatory_of(data)
    return [
        *section_heading("Bent u het niet eens met deze beslissing?"),
        Paragraph(
            "Dan kunt u een kort geding aanhangig maken bij de voorzieningenrechter van de "
            f"{markup(tender.court)}. De dagvaarding moet vóór het einde van de opschortende "
            f"termijn, dus <b>uiterlijk op {end}</b>, aan "
            f"{markup(tender.contracting_authority)} zijn betekend.",
            BODY,
        ),
        Paragraph(
            "Is binnen de termijn een kort geding aanhangig gemaakt, dan sluiten wij de "
            "raamovereenkomsten niet voordat de voorzieningenrechter uitspraak heeft gedaan. "
            "Is binnen de termijn geen kort geding aanhangig gemaakt, dan gaan wij ervan uit "
            "dat u zich bij deze beslissing neerlegt, en kunt u er later niet meer tegen "
            "opkomen.",
            BODY,
        ),
        Paragraph(
            "Heeft u vragen over deze beslissing, neem dan contact op met "
            f"{markup(signatory.name)} ({markup(signatory.function)}) en vermeld het kenmerk "
            f"{markup(tender.reference)}. Een vraag of een verzoek om toelichting verlengt de "
            "opschortende termijn niet.",
            BODY,
        ),
    ]


def _closing(data: AwardLetterData) -> list[Flowable]:
    signatory = _signatory_of(data)
    return [
        Spacer(1, 4 * mm),
        Paragraph("Met vriendelijke groet,", _ADDRESS),
        Paragraph(f"namens {markup(data.tender.contracting_authority)},", _ADDRESS),
        Spacer(1, 8 * mm),
        Paragraph(markup(signatory.name), _ADDRESS),
        Paragraph(markup(signatory.function), _ADDRESS),
        Paragraph(
            "Deze brief is opgesteld uit de vastgelegde gunningsbeslissing. Iedere inschrijver "
            "ontvangt zijn eigen brief op hetzelfde moment.",
            CLOSING,
        ),
    ]


def letter_story(data: AwardLetterData) -> list[Flowable]:
    """The letter up to its signature: everything but the annex (threshold mode)."""
    tender = data.tender
    story: list[Flowable] = [
        *_address_block(data.recipient),
        Spacer(1, 12 * mm),
        Paragraph(DOCUMENT_TITLE, TITLE),
        facts_table(
            [
                ("Datum", format_date(data.sent_on)),
                ("Kenmerk", tender.reference),
                ("Onderwerp", f"Voornemen tot gunning – {tender.title}"),
                *(
                    [
                        (
                            "Vervangt",
                            f"de gunningsbeslissing van {format_date(data.replaces.sent_on)}, "
                            f"ingetrokken op {format_date(data.replaces.withdrawn_on)}",
                        )
                    ]
                    if data.replaces is not None
                    else []
                ),
                ("Uw KvK-nummer", data.recipient.kvk_number),
            ],
            label_width=40 * mm,
        ),
        Spacer(1, 6 * mm),
        *_opening(data),
    ]
    if data.excluded:
        story += _exclusion(data)
    else:
        story += _assessment(data)
    story += _reasons(data)
    story += _draws(data)
    story += _winners(data)
    threshold = tender.award_mode == "threshold"
    if not threshold:
        story += _parties(data)
    story += _standstill(data)
    story += _remedy(data)
    story += _closing(data)
    return story


def annex_story(tender: LetterTender) -> list[Flowable]:
    """The annex of a threshold-mode letter, as it follows the letter on a new page."""
    return [PageBreak(), *_annex(tender)]


def build_award_letter(data: AwardLetterData) -> bytes:
    """One bidder's award decision letter as a PDF; the same data at the same
    ``pdf.generated_at`` moment gives the same bytes.

    In threshold mode the annex is laid out apart, once for all letters of the same
    tender data, and its pages are joined to the letter's (the footers count the
    whole): the PDF reads page for page as ``letter_story`` followed by
    ``annex_story`` laid out in one pass."""
    tender = data.tender
    # In threshold mode the annex follows on pages of its own, laid out once for all
    # letters alike: the letter's footers count its pages too.
    context = rendering_context() if tender.award_mode == "threshold" else None
    annex_pages = 0 if context is None else page_count(_annex_pdf(tender, context, first_page=1))
    letter = render(
        letter_story(data),
        title=DOCUMENT_TITLE,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
        subject=f"{tender.title} – {data.recipient.organisation_name}",
        pages_after=annex_pages,
    )
    if context is None:
        return letter
    annex = _annex_pdf(tender, context, first_page=page_count(letter) + 1)
    return append_pages(letter, annex)


@lru_cache(maxsize=16)
def _annex_pdf(
    tender: LetterTender,
    context: tuple[AuditAnchor | None, bool, bool | None],
    *,
    first_page: int,
) -> bytes:
    """The annex's pages as the last pages of a letter whose annex starts on page
    ``first_page``, with the page template's ``context`` (``pdf.rendering_context``).

    Every letter of a decision has the same annex; only the number of the letter's
    own pages varies (by a page or two), so a batch of letters lays it out a few
    times, not once per letter. The result is immutable bytes, safe to share."""
    anchor, concept_mark, signed = context
    with audit_footer(anchor), signature_status(signed), _concept_mark(concept_mark):
        return render(
            _annex(tender),
            title=DOCUMENT_TITLE,
            authority=tender.contracting_authority,
            region=tender.region,
            reference=tender.reference,
            first_page=first_page,
        )


@contextmanager
def _concept_mark(marked: bool) -> Iterator[None]:
    if marked:
        with concept():
            yield
    else:
        yield
