"""Folder 05 of the dossier: the outcome per lot, the draws and the coverage.

The complete file shows the outcome of the award decision as it was frozen in the
decision's snapshot (the one the letters, the report and the contracts are made
from); before any decision it shows the outcome computed now from the consensus
scores, as an interim result. Its chapters are the award report's own.

A bidder's inzage dossier shows this folder only once the letters of a decision
were sent to it: its own result per lot (outcome, rank, total, reasons), the draws
it took part in (its own place only), and of the awarded bids what its letter
shows of them (DOMAIN 5.4): their scores per criterion, totals and the published
strengths. Nothing else about other bids: no motivations, no names of bidders not
awarded, no coverage, no other draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer
from sqlalchemy.orm import Session

from tender import scoring
from tender.award import documents as award_documents
from tender.award import service as award_service
from tender.award import versions
from tender.award.models import AwardDecision
from tender.award.outcome import tender_outcome
from tender.documents import award_letter, award_report, pdf
from tender.dossier.parts import OUTCOME, DossierFile, Scope
from tender.evaluation import exports
from tender.permissions import bids_sealed
from tender.tenders.models import Tender
from tender.timefmt import format_date, format_datetime, format_number

FULL_NAME = "uitslag-loting-dekking.pdf"
TABLE_NAME = "uitslag-per-perceel.csv"
OWN_NAME = "uitslag-eigen-inschrijving.pdf"
FULL_TITLE = "Uitslag, loting en dekking"
OWN_TITLE = "Uw uitslag en de gegunde inschrijvingen"
_CENT = Decimal("0.01")
_NONE = "—"


def outcome(session: Session, scope: Scope) -> list[DossierFile]:
    """The files of folder 05 for ``scope``."""
    tender = session.get(Tender, scope.tender_id)
    if tender is None or bids_sealed(tender):
        return []
    if scope.full:
        return _complete(session, tender, scope)
    return _inzage(session, tender, scope.bid_id)


# The complete file.


def _complete(session: Session, tender: Tender, scope: Scope) -> list[DossierFile]:
    decision = versions.open_decision(session, tender)
    if decision is not None:
        snapshot = award_documents.documented(session, decision)
        basis = (
            f"De uitslag van de gunningsbeslissing, versie {decision.version} (status "
            f"{decision.status}), zoals vastgelegd bij het gunningsadvies op "
            f"{format_datetime(decision.prepared_at)}: dezelfde gegevens waaruit de brieven, "
            "het gunningsadvies en de raamovereenkomsten zijn gemaakt."
        )
        sent_at = decision.letters_sent_at
    else:
        # No decision yet: the outcome as the scoring engine computes it at the
        # dossier's moment, in the same form as a decision freezes it.
        snapshot = award_service.build_snapshot(
            session, tender_outcome(session, tender), now=scope.as_of
        )
        basis = (
            "TUSSENSTAND: er is (nog) geen gunningsbeslissing. Dit is de uitkomst zoals die "
            f"op {format_datetime(scope.as_of)} volgt uit de vastgelegde consensusscores, "
            "toetsing en lotingen; zij kan nog veranderen."
        )
        sent_at = None
    data = award_documents.report_data(snapshot, sent_at=sent_at)
    story: list[Flowable] = [
        Paragraph(FULL_TITLE, pdf.TITLE),
        Paragraph(pdf.markup(f"{tender.title} – kenmerk {tender.reference}"), pdf.SUBTITLE),
        Paragraph(pdf.markup(basis), pdf.NOTICE if decision is None else pdf.BODY),
        pdf.facts_table(
            [
                (
                    "Gunningswijze",
                    "rangorde per perceel"
                    if data.award_mode == "ranked"
                    else "drempels (iedere inschrijving die voldoet)",
                ),
                ("Percelen", "\n".join(f"{lot.code} – {lot.name}" for lot in data.lots)),
                ("Ontvangen inschrijvingen", str(len(data.bids))),
            ]
        ),
        Paragraph(
            "De hoofdstukken zijn genummerd als in het gunningsadvies. Hoofdstuk 4 daarvan, "
            "de toetsing aan de eisen, staat in map 03 van dit dossier; de consensusscores "
            "met hun motivering staan in map 04.",
            pdf.BODY,
        ),
        *pdf.landscape_pages(),
        *award_report.outcome_chapters(data),
    ]
    content = pdf.render(
        story,
        title=FULL_TITLE,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
    )
    codes = [criterion["code"] for criterion in snapshot["tender"]["criteria"]]
    table = exports.to_csv(exports.result_header(codes), result_rows(snapshot))
    return [
        DossierFile(OUTCOME, FULL_NAME, FULL_TITLE, content),
        DossierFile(
            OUTCOME,
            TABLE_NAME,
            "Uitslag per perceel (tabel: consensusscores, totaal, rang, uitkomst, redenen)",
            table,
        ),
    ]


def result_rows(snapshot: Mapping[str, Any]) -> list[list[exports.Value]]:
    """The result table of ``exports.result_rows`` (the same columns and order), from
    a snapshot: one row per bid and lot it bid on, by lot and rank, unranked last."""
    codes = [criterion["code"] for criterion in snapshot["tender"]["criteria"]]
    rows: list[tuple[tuple[str, int, int], list[exports.Value]]] = []
    for order, entry in enumerate(snapshot["bids"]):
        excluded = bool(entry["requirement_failures"])
        scores = {item["code"]: item["score"] for item in entry["scores"]}
        total = (
            Decimal(entry["total"]).quantize(_CENT, rounding=ROUND_DOWN)
            if entry["total"] is not None
            else None
        )
        for result in entry["lot_results"]:
            reasons = [reason["text"] for reason in entry["reasons"]]
            reasons += [r["text"] for r in result["reasons"] if r["text"] not in reasons]
            status = scoring.LotStatus(result["status"])
            row: list[exports.Value] = [
                result["lot"],
                entry["blind_code"],
                entry["organisation"]["name"],
                entry["organisation"]["kvk"],
                *(scores.get(code) for code in codes),
                total,
                result["rank"],
                exports.EXCLUDED if excluded else exports.OUTCOME_LABELS[status],
                "; ".join(reasons),
            ]
            rows.append(((result["lot"], result["rank"] or 1_000_000, order), row))
    return [row for _, row in sorted(rows, key=lambda item: item[0])]


# The inzage dossier of one bidder.


def letters_sent_to(session: Session, tender: Tender, bid_id: int) -> AwardDecision | None:
    """The newest decision whose letters went out to the bid (withdrawn since or not)."""
    sent = [
        decision
        for decision in versions.versions(session, tender)
        if decision.letters_sent_at is not None
        and any(entry["bid_id"] == bid_id for entry in decision.snapshot["bids"])
    ]
    return sent[-1] if sent else None


def _inzage(session: Session, tender: Tender, bid_id: int | None) -> list[DossierFile]:
    assert bid_id is not None
    decision = letters_sent_to(session, tender, bid_id)
    if decision is None or decision.letters_sent_at is None:
        return []
    snapshot = award_documents.documented(session, decision)
    entry = next(entry for entry in snapshot["bids"] if entry["bid_id"] == bid_id)
    letter = award_documents.letter_data(snapshot, entry, sent_at=decision.letters_sent_at)
    sent = f"verzonden op {format_datetime(decision.letters_sent_at)}"
    if decision.withdrawn_at is not None:
        sent += f", ingetrokken op {format_datetime(decision.withdrawn_at)}"
    story: list[Flowable] = [
        Paragraph(OWN_TITLE, pdf.TITLE),
        Paragraph(pdf.markup(f"{tender.title} – kenmerk {tender.reference}"), pdf.SUBTITLE),
        pdf.facts_table(
            [
                ("Inschrijving", entry["blind_code"]),
                ("Inschrijver", entry["organisation"]["name"]),
                ("Gunningsbeslissing", f"versie {decision.version}, {sent}"),
            ]
        ),
        *_own_result(snapshot, entry),
        *_own_draws(letter),
        *_winners(letter),
    ]
    content = pdf.render(
        story,
        title=OWN_TITLE,
        authority=tender.contracting_authority,
        region=tender.region,
        reference=tender.reference,
    )
    return [DossierFile(OUTCOME, OWN_NAME, OWN_TITLE, content)]


def _cell(text: str) -> Paragraph:
    return Paragraph(pdf.markup(text), pdf.TABLE_TEXT)


def _own_result(snapshot: Mapping[str, Any], entry: Mapping[str, Any]) -> list[Flowable]:
    names = {lot["code"]: lot["name"] for lot in snapshot["tender"]["lots"]}
    excluded = bool(entry["requirement_failures"])
    rows = []
    for result in entry["lot_results"]:
        status = scoring.LotStatus(result["status"])
        reasons = [reason["text"] for reason in entry["reasons"]]
        reasons += [r["text"] for r in result["reasons"] if r["text"] not in reasons]
        rows.append(
            [
                _cell(f"{result['lot']} – {names[result['lot']]}"),
                _cell(exports.EXCLUDED if excluded else exports.OUTCOME_LABELS[status]),
                _cell(str(result["rank"]) if result["rank"] is not None else _NONE),
                _cell("\n".join(reasons) or _NONE),
            ]
        )
    total = award_service.total_of(dict(entry))
    criteria = {c["code"]: c for c in snapshot["tender"]["criteria"]}
    scores = [
        (item["code"], criteria[item["code"]]["title"], item["score"]) for item in entry["scores"]
    ]
    story: list[Flowable] = [
        *pdf.section_heading("Uw uitslag per perceel"),
        pdf.grid_table(
            ["Perceel", "Uitkomst", "Rang", "Redenen"],
            rows,
            [45 * mm, 25 * mm, 14 * mm, pdf.TEXT_WIDTH - 84 * mm],
        ),
    ]
    if excluded:
        story.append(
            Paragraph(
                "Uw inschrijving voldoet niet aan alle eisen en is daarom niet op de "
                "gunningscriteria beoordeeld.",
                pdf.BODY,
            )
        )
        return story
    story += [
        *pdf.section_heading("Uw consensusscores en totaalscore"),
        Paragraph(
            "De motivering van elke score staat in map 04 van dit dossier en in uw brief.",
            pdf.BODY,
        ),
        pdf.grid_table(
            ["Criterium", "Omschrijving", "Score"],
            [
                [_cell(code), _cell(title), _cell(format_number(score))]
                for code, title, score in scores
            ]
            + [
                [
                    _cell("Totaal"),
                    _cell(""),
                    _cell(scoring.format_total(total) if total is not None else _NONE),
                ]
            ],
            [25 * mm, pdf.TEXT_WIDTH - 50 * mm, 25 * mm],
        ),
    ]
    return story


def _own_draws(letter: award_letter.AwardLetterData) -> list[Flowable]:
    drawn = [result for result in letter.results if result.draw is not None]
    if not drawn:
        return []
    rows = [
        [
            _cell(f"{result.code} – {result.name}"),
            _cell(f"{result.draw.place} van {result.draw.tied}"),
            _cell(format_date(result.draw.drawn_on)),
            _cell(result.draw.method),
        ]
        for result in drawn
    ]
    return [
        *pdf.section_heading("Loting"),
        Paragraph(
            "Uw inschrijving eindigde in deze percelen gelijk met een of meer andere; de "
            "volgorde is door loting bepaald. Hieronder uw plaats in de getrokken volgorde.",
            pdf.BODY,
        ),
        pdf.grid_table(
            ["Perceel", "Uw plaats", "Getrokken op", "Methode"],
            rows,
            [45 * mm, 25 * mm, 28 * mm, pdf.TEXT_WIDTH - 98 * mm],
        ),
    ]


def _winners(letter: award_letter.AwardLetterData) -> list[Flowable]:
    tender = letter.tender
    codes = [criterion.code for criterion in tender.criteria]
    story: list[Flowable] = [
        *pdf.section_heading("De gegunde inschrijvingen"),
        Paragraph(
            "Per perceel de inschrijvingen waaraan is gegund, met hun consensusscore per "
            "criterium en hun totaalscore, en de kenmerken en relatieve voordelen zoals de "
            "gunningsbeslissing die vermeldt.",
            pdf.BODY,
        ),
    ]
    score_width = min(18 * mm, (pdf.TEXT_WIDTH - 70 * mm) / (len(codes) + 1))
    for lot in tender.lots:
        story.append(
            Paragraph(f"<b>Perceel {pdf.markup(lot.code)} – {pdf.markup(lot.name)}</b>", pdf.BODY)
        )
        if not lot.parties:
            story.append(Paragraph("Geen gunning in dit perceel.", pdf.BODY))
            continue
        rows = [
            [
                _cell(party.organisation_name),
                *(_cell(format_number(score)) for _code, score in party.scores),
                _cell(scoring.format_total(party.total)),
            ]
            for party in lot.parties
        ]
        story.append(
            pdf.grid_table(
                ["Inschrijver", *codes, "Totaal"],
                rows,
                [
                    pdf.TEXT_WIDTH - score_width * (len(codes) + 1),
                    *([score_width] * (len(codes) + 1)),
                ],
            )
        )
        story.append(Spacer(1, 3 * mm))
    # Each winner once, with the lots it won, as in the letters.
    return story + award_letter.strengths_section(letter)
