"""Dossier folders 05 (outcome, draws, coverage) and 06 (decision history).

One ranked tender with three lots is taken through two versions of the decision:
version 1 is sent back and withdrawn, version 2 is sent. Canary strings are planted
in every bid's consensus motivations and requirement-check reasons and in the
witnesses of a draw that bid A was not in; bid A is a bidder awarded nowhere.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import demo
from tender.accounts.models import User
from tender.audit import AuditAnchor, AuditEvent
from tender.award import steps, strengths, versions
from tender.award.models import AwardDecision, TieDraw
from tender.award.outcome import tender_outcome
from tender.config import DEFAULTS
from tender.documents import pdf
from tender.dossier import history, outcome
from tender.dossier.parts import DECISION, OUTCOME, DossierFile, Scope
from tender.evaluation.models import ConsensusScore, RequirementCheck
from tender.tenders.models import Tender

ROOT = Path(__file__).resolve().parent.parent
THREE_LOTS = ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"
OTHER_WITNESS = "KANARIEGETUIGE7Q4X"


def motivation_canary(bid_id: int) -> str:
    return f"KANARIEMOTIVERING{bid_id}Q4X"


def reason_canary(bid_id: int) -> str:
    return f"KANARIEREDEN{bid_id}Q4X"


def strengths_text(bid_id: int) -> str:
    return f"Onderscheidt zich door de wijkaanpak: PUBLIEKSTERK{bid_id}Q4X"


def scope_of(session: Session, tender: Tender, bid_id: int | None) -> Scope:
    last = session.scalars(
        select(AuditEvent).where(AuditEvent.tender_id == tender.id).order_by(AuditEvent.id.desc())
    ).first()
    assert last is not None
    return Scope(
        tender_id=tender.id,
        bid_id=bid_id,
        audit_seq=last.id,
        audit_hash=last.hash,
        as_of=last.occurred_at,
        interim=versions.sent_decision(session, tender) is None,
    )


def build(session: Session, scope: Scope, section) -> list[DossierFile]:  # type: ignore[no-untyped-def]
    """A section as the assembler renders it."""
    with (
        pdf.generated_at(scope.as_of),
        pdf.audit_footer(AuditAnchor(scope.audit_seq, scope.audit_hash)),
    ):
        return section(session, scope)


def text_of(file: DossierFile) -> str:
    """A file's text with whitespace collapsed (names may wrap over lines)."""
    if file.name.endswith(".pdf"):
        raw = " ".join(
            page.extract_text() or "" for page in PdfReader(io.BytesIO(file.content)).pages
        )
    else:
        raw = file.content.decode("utf-8")
    return " ".join(raw.split())


@dataclass
class Ranked:
    tender: Tender
    bid_a: int  # passed, awarded in no lot
    others: list[int]  # every other bid
    winners: list[int]  # awarded in some lot
    own_draw_lot: str
    other_draw_lot: str


def ranked_tender(app: Flask, session: Session, now: datetime) -> Ranked:
    """Scored, canaries planted, two draws recorded; no decision yet."""
    tender = demo.build(
        session, criteria_path=THREE_LOTS, bids=6, now=now, instance_path=app.instance_path,
        phase="scored",
    ).tender  # fmt: skip
    for score in session.scalars(select(ConsensusScore)):
        score.motivation += f" {motivation_canary(score.bid_id)}"
    for check in session.scalars(
        select(RequirementCheck).where(RequirementCheck.complies.is_(False))
    ):
        check.reason += f" {reason_canary(check.bid_id)}"
    session.flush()
    data = tender_outcome(session, tender)
    winners = sorted(b.bid_id for b in data.bids if data.outcome.for_bid(b.bid_id).awarded_lots)
    bid_a = next(
        b.bid_id
        for b in data.bids
        if data.outcome.for_bid(b.bid_id).evaluation.passed
        and not data.outcome.for_bid(b.bid_id).awarded_lots
    )
    a_bid = data.bid(bid_a)
    own_lot = sorted(a_bid.lots)[0]
    partner = next(w for w in winners if own_lot in data.bid(w).lots)
    other_lot = next(lot.code for lot in tender.lots if lot.code not in a_bid.lots)
    pair = [
        w for w in (b.bid_id for b in data.bids) if w != bid_a and other_lot in data.bid(w).lots
    ][:2]
    assert len(pair) == 2
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    assert officer is not None
    for lot, order, witnesses in (
        (own_lot, [partner, bid_a], ["Getuige Een"]),
        (other_lot, pair, [OTHER_WITNESS]),
    ):
        session.add(
            TieDraw(
                tender_id=tender.id,
                lot_code=lot,
                drawn_order=order,
                note="",
                method="Loten uit een doos",
                drawn_by="Notaris Trekker",
                witnesses=witnesses,
                drawn_at=now - timedelta(hours=2),
                recorded_by_id=officer.id,
                recorded_at=now - timedelta(hours=2),
            )
        )
    session.commit()
    return Ranked(
        tender=tender,
        bid_a=bid_a,
        others=[b.bid_id for b in data.bids if b.bid_id != bid_a],
        winners=winners,
        own_draw_lot=own_lot,
        other_draw_lot=other_lot,
    )


def advise_twice(session: Session, tender: Tender, now: datetime) -> None:
    """Version 1 is sent back and withdrawn; version 2 is advised (not yet sent)."""
    staff = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
    first = demo._advise(session, tender, staff, now)
    steps.review_advice(
        session,
        decision=first,
        approve=False,
        reason="Terug: RETOURREDEN1Q4X",
        actor=staff["inkoper2"],
        now=now,
    )
    steps.withdraw_decision(
        session,
        decision=first,
        reason="Ingetrokken: INTREKREDEN1Q4X",
        actor=staff["inkoper"],
        now=now,
    )
    steps.prepare_advice(session, tender=tender, actor=staff["inkoper"], now=now)
    session.commit()


def send(app: Flask, session: Session, tender: Tender, now: datetime) -> AwardDecision:
    """The inkoper confirms reviewed strengths, the decision is taken and sent."""
    decision = versions.open_decision(session, tender)
    assert decision is not None
    staff = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
    strengths.edit(
        session,
        decision=decision,
        edited={key: strengths_text(int(key)) for key in decision.strengths},
        confirm=True,
        actor=staff["inkoper"],
        now=now,
    )
    tender.signatory_name = "Mr. A. Tekenaar"
    tender.signatory_function = "directeur inkoop"
    demo._send(
        session, decision, staff, now=now, instance_path=app.instance_path, mail_config=DEFAULTS
    )
    session.commit()
    return decision


def test_outcome_and_history_complete_and_inzage(
    app: Flask, session: Session, now: datetime
) -> None:
    ranked = ranked_tender(app, session, now)
    tender = ranked.tender
    # Before any decision: the outcome computed now, marked as interim.
    (interim, _table) = build(session, scope_of(session, tender, None), outcome.outcome)
    assert "TUSSENSTAND" in text_of(interim) and OTHER_WITNESS in text_of(interim)
    assert build(session, scope_of(session, tender, None), history.decision_history) == []
    assert build(session, scope_of(session, tender, ranked.bid_a), outcome.outcome) == []
    advise_twice(session, tender, now)
    # Before the letters: the inzage dossier has no folder 05; the complete file has
    # the advice's outcome.
    assert build(session, scope_of(session, tender, ranked.bid_a), outcome.outcome) == []
    advised = build(session, scope_of(session, tender, None), outcome.outcome)
    assert [f.name for f in advised] == [outcome.FULL_NAME, outcome.TABLE_NAME]

    decision = send(app, session, tender, now)
    snapshot = decision.snapshot
    full_scope = scope_of(session, tender, None)
    files = build(session, full_scope, outcome.outcome)
    assert all(f.folder == OUTCOME for f in files)
    report = text_of(files[0])
    # Every bid and lot in the table, with its rank and outcome as frozen.
    rows = list(csv.reader(io.StringIO(files[1].content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    found = {
        (row[0], row[1]): (row[header.index("Rang")], row[header.index("Uitkomst")]) for row in body
    }
    expected = {
        (result["lot"], entry["blind_code"]): (
            str(result["rank"] or ""),
            "uitgesloten" if entry["requirement_failures"] else
            {"awarded": "gegund", "not_awarded": "niet gegund"}[result["status"]],
        )
        for entry in snapshot["bids"]
        for result in entry["lot_results"]
    }  # fmt: skip
    assert found == expected
    assert any(row[header.index("Uitkomst")] == "uitgesloten" for row in body)
    for entry in snapshot["bids"]:
        assert entry["organisation"]["name"] in report
    # The draws: who drew, the witnesses; the gap decisions.
    assert "Notaris Trekker" in report and OTHER_WITNESS in report and "Getuige Een" in report
    assert snapshot["gap_decisions"]
    assert "DEMO: aanvullende contractering door de regio." in report
    assert "TUSSENSTAND" not in report

    # Decision history: both versions, the return and the withdrawal with their reasons.
    (record,) = build(session, full_scope, history.decision_history)
    assert record.folder == DECISION
    course = text_of(record)
    for expected_text in (
        "Versie 1", "RETOURREDEN1Q4X", "INTREKREDEN1Q4X", "Versie 2", "verzonden",
        "Mr. A. Tekenaar", "DEMO",
    ):  # fmt: skip
        assert expected_text in course, expected_text
    assert build(session, scope_of(session, tender, ranked.bid_a), history.decision_history) == []

    # Inzage of bid A: its own result, the draw it was in, the winners' scores and
    # published strengths; nothing else of any other bid.
    scope_a = scope_of(session, tender, ranked.bid_a)
    (own,) = build(session, scope_a, outcome.outcome)
    seen = text_of(own)
    entry_a = next(e for e in snapshot["bids"] if e["bid_id"] == ranked.bid_a)
    assert entry_a["blind_code"] in seen
    for result in entry_a["lot_results"]:
        for reason in result["reasons"]:
            assert " ".join(reason["text"].split()) in seen
    assert "Notaris" not in seen and OTHER_WITNESS not in seen  # its own place only
    assert f"Perceel {ranked.own_draw_lot}" in seen or ranked.own_draw_lot in seen
    awarded = {bid_id for ids in snapshot["awarded"].values() for bid_id in ids}
    for entry in snapshot["bids"]:
        if entry["bid_id"] in awarded:
            assert entry["organisation"]["name"] in seen
            assert strengths_text(entry["bid_id"]) in seen
        elif entry["bid_id"] != ranked.bid_a:
            assert entry["organisation"]["name"] not in seen
            assert entry["blind_code"] not in seen
    for other in ranked.others:
        assert motivation_canary(other) not in seen
        assert reason_canary(other) not in seen
    assert motivation_canary(ranked.bid_a) not in seen  # motivations are in folder 04

    # Same state, same bytes.
    assert build(session, full_scope, outcome.outcome) == files
    assert build(session, full_scope, history.decision_history) == [record]
    assert build(session, scope_a, outcome.outcome) == [own]


def test_sealed_and_interim(app: Flask, session: Session, now: datetime) -> None:
    sealed = demo.build(
        session, criteria_path=None, bids=2, now=now, instance_path=app.instance_path
    ).tender
    session.commit()
    assert build(session, scope_of(session, sealed, None), outcome.outcome) == []
    assert build(session, scope_of(session, sealed, None), history.decision_history) == []
