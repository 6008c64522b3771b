"""The award report as proces-verbaal (issue 12), read back from the PDF with pypdf.

Each region of ``regions.REGIONS`` is taken through the evaluation by the demo and
then given what a real procedure has: one consensus reopened (the inkoper's
revision) with the individual scores far apart, one evaluator's scores on that bid
set aside (a band reported later) and the consensus recorded anew. The report of the
decision must then state every element of the proces-verbaal, in order.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import award_steps
import pytest
from factories import login
from flask import Flask
from markupsafe import escape
from pypdf import PdfReader
from regions import REGIONS
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import audit, demo
from tender.accounts.models import User
from tender.award import documents as award_documents
from tender.award import draws
from tender.award.outcome import tender_outcome
from tender.documents import award_report as report
from tender.documents import service as documents
from tender.documents.models import Document
from tender.evaluation import service as evaluation
from tender.evaluation.models import ConsensusScore, Score
from tender.scoring import format_total
from tender.timefmt import AMSTERDAM, format_datetime

SECTIONS = (
    "1. Procedure en data",
    "2. Beoordelingscommissie en belangenconflicten",
    "3. Opening en ontvangen inschrijvingen",
    "4. Toetsing aan de eisen",
    "5. Individuele scores per beoordelaar en spreiding",
    "6. Consensusscores met motivering",
    "7. Totaalscores en rangorde per perceel",
    "8. Loting",
    "9. Dekkend aanbod, kwetsbaarheid en besluiten over tekorten",
    "10. Besluit en verloop van het besluit",
    "11. Auditketen",
)
SENT_AT = datetime(2026, 11, 25, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)
REVISION_REASON = "Herbeoordeling: de motivering sloot niet aan op de score."
LATE_BAND = "Mijn broer werkt sinds kort als teamleider bij deze organisatie."
MOTIVATION = (
    "Consensus na heropening: het plan is op dit punt concreet uitgewerkt en sluit aan op "
    "de vraag van de regio."
)


@dataclass(frozen=True)
class Built:
    """One region's decided tender: its snapshot, report PDF and the facts to find."""

    snapshot: dict[str, Any]
    pdf: bytes
    opening_sha256: str
    revised_code: str  # the bid whose consensus was reopened
    criterion: str  # ... on this criterion
    set_aside_letter: str
    chair: str
    scores: dict[
        tuple[str, str], dict[str, tuple[int, bool]]
    ]  # (bid, crit) -> letter -> (score, set aside)
    recorded: dict[tuple[str, str], tuple[str, datetime]]
    head_in_chain: bool


_BUILT: dict[tuple[str, Path], Built] = {}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pages(content: bytes) -> list[str]:
    return [_flat(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def _text(content: bytes) -> str:
    return " ".join(_pages(content))


def _revise(session: Session, tender, officer: User, now: datetime) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """Reopen one consensus, score it far apart, set one member's scores on that bid
    aside and record the consensus anew; returns (bid code, criterion, set-aside letter)."""
    excluded = evaluation.excluded_bid_ids(session, tender)
    members = evaluation.committee(session, tender)
    chair, second, third = members
    bid = next(
        b
        for b in sorted(evaluation.received_bids(session, tender), key=lambda b: b.id)
        if b.id not in excluded
        and session.scalar(
            select(Score.id).where(Score.bid_id == b.id, Score.evaluator_id == third.user_id)
        )
    )
    criterion = tender.criteria[0]
    evaluation.reopen_for_revision(
        session,
        tender=tender,
        bid_ids=[bid.id],
        criterion_codes=[criterion.code],
        reason=REVISION_REASON,
        actor=officer,
        now=now,
    )
    levels = sorted(level.score for level in tender.scale_levels)
    for member, score in ((chair, levels[-1]), (third, levels[0])):
        evaluation.save_score(
            session,
            member=member,
            bid=bid,
            criterion=criterion,
            score=score,
            motivation=f"Herbeoordeling met score {score}: " + "toelichting " * 6,
            minimum_motivation=50,
            excluded=excluded,
            now=now + timedelta(minutes=5),
        )
    evaluation.declare_conflict_later(
        session,
        member=second,
        kvk_number=bid.organisation.kvk_number,
        explanation=LATE_BAND,
        now=now + timedelta(minutes=10),
    )
    row = session.scalar(
        select(ConsensusScore).where(
            ConsensusScore.bid_id == bid.id, ConsensusScore.criterion_id == criterion.id
        )
    )
    assert row is not None
    evaluation.record_consensus(
        session,
        member=chair,
        bid=bid,
        criterion=criterion,
        score=levels[len(levels) // 2],
        motivation=MOTIVATION,
        expected_version=row.version,
        minimum_motivation=50,
        excluded=excluded | evaluation.excluded_bid_ids(session, tender),
        is_open=True,
        now=now + timedelta(minutes=20),
    )
    evaluation.complete_evaluation(
        session, tender=tender, actor=officer, now=now + timedelta(minutes=30)
    )
    assert bid.blind_code is not None
    return bid.blind_code, criterion.code, "B"


def _draw_ties(session: Session, tender, officer: User, now: datetime) -> None:  # type: ignore[no-untyped-def]
    for lot_code, tied in tender_outcome(session, tender).outcome.unresolved_ties.items():
        draws.record_draw(
            session,
            tender=tender,
            lot_code=lot_code,
            places={bid_id: place for place, bid_id in enumerate(sorted(tied), start=1)},
            method="Genummerde loten in een gesloten doos",
            drawn_by="notaris mr. P. Lot",
            witnesses=["I. Inkoper"],
            drawn_at=now - timedelta(minutes=30),
            note="",
            actor=officer,
            now=now,
        )


def _build(app: Flask, session: Session, now: datetime, path: Path) -> Built:
    result = demo.build(
        session, criteria_path=path, bids=10, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    tender = result.tender
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    assert officer is not None
    code, criterion, letter = _revise(session, tender, officer, now)
    decided_at = now + timedelta(hours=1)
    decide_all_gaps(session, tender, officer, decided_at)
    _draw_ties(session, tender, officer, decided_at)
    decision = award_steps.decide(session, tender, preparer=officer, now=decided_at)
    session.commit()
    snapshot = award_documents.documented(session, decision)
    pdf = award_documents.report_pdf(snapshot, sent_at=SENT_AT)
    members = evaluation.committee(session, tender, with_removed=True)
    letters = {m.user_id: "ABC"[index] for index, m in enumerate(members)}
    codes = {b.id: b.blind_code for b in evaluation.received_bids(session, tender)}
    criteria = {c.id: c.code for c in tender.criteria}
    scores: dict[tuple[str, str], dict[str, tuple[int, bool]]] = {}
    for score in session.scalars(select(Score).where(Score.bid_id.in_(list(codes)))):
        key = (str(codes[score.bid_id]), criteria[score.criterion_id])
        scores.setdefault(key, {})[letters[score.evaluator_id]] = (
            score.score,
            score.set_aside_at is not None,
        )
    recorded = {}
    for row in session.scalars(
        select(ConsensusScore).where(ConsensusScore.bid_id.in_(list(codes)))
    ):
        recorder = session.get(User, row.recorded_by_id)
        assert recorder is not None
        recorded[(str(codes[row.bid_id]), criteria[row.criterion_id])] = (
            f"{recorder.name} ({recorder.email})",
            row.recorded_at,
        )
    opening = session.scalar(
        select(Document).where(
            Document.tender_id == tender.id, Document.kind == documents.OPENING_RECORD
        )
    )
    assert opening is not None
    head = snapshot["proceedings"]["audit_head"]
    event = session.get(audit.AuditEvent, head["seq"])
    return Built(
        snapshot=snapshot,
        pdf=pdf,
        opening_sha256=opening.sha256,
        revised_code=code,
        criterion=criterion,
        set_aside_letter=letter,
        chair=members[0].user.name,
        scores=scores,
        recorded=recorded,
        head_in_chain=event is not None and event.hash == head["hash"],
    )


@pytest.fixture
def built(
    request: pytest.FixtureRequest, app: Flask, session: Session, now: datetime, database_url: str
) -> Built:
    """The region's decided tender and report, made once per database and region."""
    path = request.param
    key = (database_url, path)
    if key not in _BUILT:
        _BUILT[key] = _build(app, session, now, path)
    return _BUILT[key]


def _section(text: str, number: int) -> str:
    start = text.index(SECTIONS[number - 1])
    end = text.index(SECTIONS[number]) if number < len(SECTIONS) else len(text)
    return text[start:end]


regions = pytest.mark.parametrize("built", REGIONS, indirect=True)


@regions
def test_sections_come_in_the_order_of_the_proces_verbaal(built: Built) -> None:
    text = _text(built.pdf)
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert all(text.count(heading) == 1 for heading in SECTIONS)


@regions
def test_procedure_and_dates(built: Built) -> None:
    section = _section(_text(built.pdf), 1)
    timeline = built.snapshot["tender"]["timeline"]
    published = datetime.fromisoformat(timeline["published_at"])
    assert f"Publicatie {format_datetime(published)}" in section
    assert "Uiterste inschrijfdatum" in section
    assert f"Verzending gunningsbeslissingen {format_datetime(SENT_AT)}" in section
    assert "Einde opschortende termijn tot en met" in section


@regions
def test_committee_names_each_evaluator_once_with_its_letter_and_declarations(
    built: Built,
) -> None:
    text = _text(built.pdf)
    section = _section(text, 2)
    assert f"Beoordelaar A {built.chair} voorzitter" in section
    for member, letter in zip(built.snapshot["committee"], "ABC", strict=True):
        assert f"Beoordelaar {letter} {member['name']}" in section
        # The score tables name the evaluators by letter only.
        assert member["name"] not in _section(text, 5)
    assert LATE_BAND in section
    assert "DEMO: mijn zus is teamleider bij deze organisatie." in section
    assert "later gemeld" in section


@regions
def test_opening_states_who_opened_and_every_digest(built: Built) -> None:
    section = _section(_text(built.pdf), 3)
    timeline = built.snapshot["tender"]["timeline"]
    assert f"gestart door {timeline['opening_started_by']}" in section
    assert f"bevestigd door {timeline['opened_by']}" in section
    assert f"SHA-256 {built.opening_sha256}" in section
    for entry in built.snapshot["bids"]:
        assert entry["digest"] in section
        assert entry["organisation"]["name"] in section


@regions
def test_requirement_check_per_bid_with_reasons(built: Built) -> None:
    section = _section(_text(built.pdf), 4)
    excluded = [e for e in built.snapshot["bids"] if e["requirement_failures"]]
    assert excluded, "the demo excludes one bid in every nine"
    for entry in excluded:
        failure = entry["requirement_failures"][0]
        assert f"Voldoet niet aan: {failure['code']} ({failure['title']}): " in section
        assert failure["reason"] in section
    passing = len(built.snapshot["bids"]) - len(excluded)
    assert section.count("Voldoet aan alle eisen") == passing


@regions
def test_individual_scores_per_evaluator_with_spreads(built: Built) -> None:
    section = _section(_text(built.pdf), 5)
    flag = built.snapshot["proceedings"]["spread_flag"]
    assert "A B C spr." in section
    for entry in built.snapshot["bids"]:
        if entry["requirement_failures"]:
            continue
        code = entry["blind_code"]
        by_letter = built.scores[(code, built.snapshot["tender"]["criteria"][0]["code"])]
        cells = []
        for letter in "ABC":
            score, aside = by_letter.get(letter, (None, False))
            cells.append("—" if score is None else f"({score})" if aside else str(score))
        counted = [s for s, aside in by_letter.values() if not aside]
        spread = max(counted) - min(counted) if len(counted) > 1 else None
        cells.append("—" if spread is None else f"{spread}!" if spread >= flag else str(spread))
        assert f"{code} {' '.join(cells)}" in section
    # The revised bid: scored far apart, one evaluator's score set aside.
    revised = built.scores[(built.revised_code, built.criterion)]
    assert revised[built.set_aside_letter][1] is True
    counted = [s for s, aside in revised.values() if not aside]
    assert max(counted) - min(counted) >= flag
    wide = sum(
        1
        for by_letter in built.scores.values()
        if len(c := [s for s, aside in by_letter.values() if not aside]) > 1
        and max(c) - min(c) >= flag
    )
    assert f"Spreiding van {flag} of meer bij {wide} van" in section
    assert f"{built.revised_code} {built.criterion} (" in section
    assert "Terzijde gelegde scores" in section
    assert f"{built.revised_code} {built.criterion} Beoordelaar {built.set_aside_letter}" in section
    assert f"band met de inschrijver later gemeld: {LATE_BAND}" in section


@regions
def test_consensus_with_motivation_recorder_and_time(built: Built) -> None:
    section = _section(_text(built.pdf), 6)
    for entry in built.snapshot["bids"]:
        for item in entry["scores"]:
            assert _flat(item["motivation"]) in section
    who, when = built.recorded[(built.revised_code, built.criterion)]
    assert f"{MOTIVATION} ({_flat(f'vastgelegd door {who} op {format_datetime(when)}')})" in section
    # The others of that bid were recorded earlier, by the same chair.
    assert "vastgelegd door" in section and "Alle scores vastgelegd door" in section
    assert "Heropende consensusscores" in section
    assert f"{built.revised_code} {built.criterion}" in section
    assert REVISION_REASON in section


@regions
def test_totals_and_ranks_per_lot(built: Built) -> None:
    section = _section(_text(built.pdf), 7)
    tender = built.snapshot["tender"]
    for lot in tender["lots"]:
        assert f"Perceel {lot['code']} – {lot['name']}" in section
    for entry in built.snapshot["bids"]:
        if entry["total"] is not None and not entry["requirement_failures"]:
            total = format_total(Decimal(entry["total"]))
            assert "," in total
            # The total in the table of each lot the bid is in.
            assert section.count(total) >= len(entry["lot_results"])
    if tender["award_mode"] == "ranked":
        ranked = [
            (r["rank"], e["blind_code"])
            for e in built.snapshot["bids"]
            for r in e["lot_results"]
            if r["rank"] is not None
        ]
        assert ranked
        for rank, code in ranked:
            assert f"(rang {rank})" in section
            assert re.search(rf"\b{rank} {code}\b", section)


@regions
def test_rejection_reasons_are_printed_once_per_bid(built: Built) -> None:
    section = _section(_text(built.pdf), 7)
    outcome = section[: section.index("Perceel ", section.index("Uitkomst per inschrijving"))]
    expected: Counter[str] = Counter()
    for entry in built.snapshot["bids"]:
        if entry["requirement_failures"]:
            continue
        whole = {r["text"] for r in entry["reasons"]}
        expected.update(whole)
        expected.update(
            {r["text"] for result in entry["lot_results"] for r in result["reasons"]} - whole
        )
    assert expected or built.snapshot["tender"]["award_mode"] == "threshold"
    for reason, count in expected.items():
        assert _flat(outcome).count(reason) == count, reason
    # Separate items, never run together.
    assert ". •" not in outcome and "gegund•" not in outcome


@regions
def test_draws_are_recorded(built: Built) -> None:
    section = _section(_text(built.pdf), 8)
    if built.snapshot["draws"]:
        for draw in built.snapshot["draws"]:
            assert f"Getrokken volgorde 1. {draw['order'][0]}" in section
        assert "Methode Genummerde loten in een gesloten doos" in section
        assert "Getrokken door notaris mr. P. Lot" in section
    else:
        assert "Er is niet geloot" in section


@regions
def test_coverage_with_fragility_and_gap_decisions(built: Built) -> None:
    section = _section(_text(built.pdf), 9)
    for number, lot in enumerate(built.snapshot["tender"]["lots"], start=1):
        assert f"9.{number} Perceel {lot['code']}" in section
    assert "Kwetsbare cellen" in section and "Lokale netwerken per gemeente" in section
    if built.snapshot["gaps"]:
        assert "TEKORT" in section
        assert "Aanvullende contractering door de RBL." in section
        assert "GEEN BESLUIT" not in section


@regions
def test_decision_and_its_history(built: Built) -> None:
    section = _section(_text(built.pdf), 10)
    # BODY is typed with its article: the report neither doubles nor drops it.
    assert f"door {award_steps.BODY} ({award_steps.MANDATE})" in section
    assert "het het" not in section
    assert "Het besluit kent 1 versie. Dit advies hoort bij versie 1." in section
    assert "Versie 1 Gunningsadvies opgesteld door" in section


@regions
def test_the_audit_chain_head_ends_the_report(built: Built) -> None:
    pages = _pages(built.pdf)
    head = built.snapshot["proceedings"]["audit_head"]
    assert built.head_in_chain
    assert f"in de auditketen nummer {head['seq']} met hash {head['hash']}" in pages[-1]
    assert "11. Auditketen" in pages[-1]


@regions
def test_numbers_are_dutch(built: Built) -> None:
    text = _text(built.pdf)
    # Article numbers of the law and sub-section numbers (9.1 Perceel ...) are the
    # only dotted numbers in the report.
    plain = re.sub(r"\b9\.\d+ Perceel", "", text.replace("2.38", "").replace("2.39", ""))
    assert not re.search(r"\b\d+\.\d+\b", plain), re.search(r".{40}\b\d+\.\d+\b.{20}", plain)
    section = _section(text, 6)
    for criterion in built.snapshot["tender"]["criteria"]:
        weight = Decimal(criterion["weight"])
        shown = f"{weight.normalize():f}".replace(".", ",")
        assert f"{criterion['code']} {_flat(criterion['title'])} {shown} " in section


@regions
def test_no_page_holds_only_a_footer(built: Built) -> None:
    pages = _pages(built.pdf)
    tender = built.snapshot["tender"]
    footer = [
        tender["contracting_authority"],
        tender["region"],
        f"Gunningsadvies · kenmerk {tender['reference']}",
    ]
    for number, page in enumerate(pages, start=1):
        body = page.replace(f"pagina {number} van {len(pages)}", "")
        for line in footer:
            body = body.replace(line, "")
        assert len(body.strip()) > 200, f"page {number} holds almost nothing: {body!r}"


@pytest.mark.parametrize("built", REGIONS[-1:], indirect=True)
def test_a_snapshot_from_before_the_proceedings_still_renders(built: Built) -> None:
    old = {key: value for key, value in built.snapshot.items() if key != "proceedings"}
    old["bids"] = [{k: v for k, v in entry.items() if k != "digest"} for entry in old["bids"]]
    text = _text(award_documents.report_pdf(old, sent_at=SENT_AT))
    positions = [text.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert "Beoordelaar A" not in text
    assert f"Individuele scores per beoordelaar en hun spreiding: {report.NOT_RECORDED}" in text
    assert f"vastgelegd door: {report.NOT_RECORDED}" in text
    assert f"auditketen bij het vastleggen van de beslissing: {report.NOT_RECORDED}" in text
    assert f"proces-verbaal van opening en zijn SHA-256: {report.NOT_RECORDED}" in text


def test_a_reason_of_the_whole_bid_is_not_repeated_per_lot() -> None:
    reason = "Criterium G3: score 4 is lager dan het minimum 6"
    bid = report.ReportBid(
        blind_code="Inschrijving 07",
        organisation_name="Zorg aan de Lek",
        kvk_number="12345678",
        received_at=SENT_AT - timedelta(days=30),
        failed_requirements=(),
        scores=(("G1", 6), ("G3", 4)),
        total=Decimal("50.00"),
        results=tuple(
            report.LotOutcome(lot=lot, awarded=False, rank=None, reasons=(reason,))
            for lot in ("A", "B", "C")
        ),
        reasons=(reason,),
    )
    whole, per_lot = report._bid_reasons(bid)
    assert whole == [reason] and per_lot == []
    # Without the bid's own reasons given, a reason every lot shares counts once too.
    whole, per_lot = report._bid_reasons(replace(bid, reasons=()))
    assert whole == [reason] and per_lot == []


def _visible(html: str) -> str:
    return _flat(re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(script|style)\b.*?</\1>", "", html)))


@pytest.mark.parametrize("path", REGIONS)
def test_award_pages_print_dutch_numbers_and_one_reason_per_item(
    app: Flask, session: Session, now: datetime, path: Path
) -> None:
    result = demo.build(
        session, criteria_path=path, bids=10, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    tender = result.tender
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    assert officer is not None
    decide_all_gaps(session, tender, officer, now)
    _draw_ties(session, tender, officer, now)
    session.commit()
    client = app.test_client()
    login(client, officer)
    base = f"/aanbestedingen/{tender.id}/gunning"

    def page(path: str) -> tuple[str, str]:
        response = client.get(base + path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        text = _visible(html)
        assert not re.search(r"\b\d+\.\d+\b", text), (path, re.search(r".{40}\b\d+\.\d+\b", text))
        return html, text

    html, text = page("/advies")
    session.expire_all()  # the outcome as the page computed it: from the database
    outcome = tender_outcome(session, tender).outcome
    reasons = [reason.text for bid in outcome.bids for reason in bid.evaluation.reasons]
    assert reasons
    for reason in reasons:
        assert f"<li>{escape(reason)}</li>" in html
    totals = [bid.evaluation.total for bid in outcome.bids if bid.evaluation.total]
    assert totals and all(format_total(total) in text for total in totals)
    # The concept report, made from a snapshot of this moment, is the proces-verbaal too.
    concept = client.get(base + "/concept/rapport.pdf")
    assert concept.status_code == 200
    concept_text = _text(concept.data)
    assert all(heading in concept_text for heading in SECTIONS)
    assert "Beoordelaar A" in concept_text and "A B C spr." in concept_text
    award_steps.decide(session, tender, preparer=officer, now=now)
    session.commit()
    for path in ("", "/goedkeuring"):
        page(path)
