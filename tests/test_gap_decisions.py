"""Decisions on coverage gaps (DOMAIN.md 5.5): recorded per gap before the award decision."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import make_opened_tender, make_published_tender, make_user
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tender import demo
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.award import gaps
from tender.award.coverage_data import provider_coverage, tender_coverage
from tender.award.models import AwardDecision, GapDecision
from tender.award.outcome import tender_outcome
from tender.coverage import GapKind
from tender.tenders import lifecycle
from tender.tenders.models import Lot, Municipality, TargetGroup, Tender, TenderState


def _opened(session: Session, app: Flask, now: datetime, bids: int = 2) -> tuple[Tender, User]:
    tender, _providers, officers, _opened_at = make_opened_tender(
        session, now=now, bids=bids, instance_path=app.instance_path
    )
    session.commit()
    return tender, officers[0]


def _cell(
    tender: Tender, municipality: str, group: str | None
) -> tuple[Lot, Municipality, TargetGroup | None]:
    lot = tender.lots[0]
    m = next(m for m in lot.municipalities if m.code == municipality)
    g = next(g for g in lot.target_groups if g.code == group) if group else None
    return lot, m, g


def _record(
    session: Session,
    tender: Tender,
    actor: User,
    now: datetime,
    municipality: str,
    group: str | None,
    decision: str = "Aanvullende contractering door de RBL.",
) -> GapDecision:
    lot, m, g = _cell(tender, municipality, group)
    return gaps.record_gap_decision(
        session,
        tender=tender,
        lot=lot,
        municipality=m,
        target_group=g,
        decision=decision,
        actor=actor,
        now=now,
    )


def test_every_cell_and_network_is_a_gap_while_no_bid_is_awarded(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, _officer = _opened(session, app, now)
    found = gaps.undecided_gaps(session, tender)
    cells = [g for g in found if g.kind == GapKind.CELL]
    networks = [g for g in found if g.kind == GapKind.NETWORK]
    assert (len(cells), len(networks)) == (25, 5)  # Lekstroom: 5 municipalities x 5 groups


def test_recording_a_decision_closes_the_gap_and_is_audited(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer = _opened(session, app, now)
    before = gaps.undecided_gaps(session, tender)
    recorded = _record(session, tender, officer, now, "0321", "PG")
    session.commit()
    assert (recorded.decision, recorded.decided_by_id, recorded.decided_at) == (
        "Aanvullende contractering door de RBL.",
        officer.id,
        now,
    )
    after = gaps.undecided_gaps(session, tender)
    assert [g.key for g in before if g not in after] == [("IB", "0321", "PG")]
    assert set(gaps.gap_decisions(session, tender)) == {("IB", "0321", "PG")}
    event_ = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "coverage.gap_decision")
    ).one()
    assert event_.details == {
        "perceel": "IB",
        "gemeente": "0321",
        "doelgroep": "PG",
        "besluit": "Aanvullende contractering door de RBL.",
    }
    assert event_.actor_id == officer.id and event_.tender_id == tender.id


def test_changing_a_decision_keeps_one_row_and_audits_the_previous_text(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer = _opened(session, app, now)
    _record(session, tender, officer, now, "0321", "PG")
    later = now + timedelta(hours=1)
    _record(session, tender, officer, later, "0321", "PG", "Geaccepteerd omdat de vraag klein is.")
    session.commit()
    rows = session.scalars(select(GapDecision)).all()
    assert [(r.decision, r.decided_at) for r in rows] == [
        ("Geaccepteerd omdat de vraag klein is.", later)
    ]
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None and last.details["vorig_besluit"] == (
        "Aanvullende contractering door de RBL."
    )


def test_a_network_gap_has_one_decision_without_target_group(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer = _opened(session, app, now)
    _record(session, tender, officer, now, "0331", None)
    # Twice: NULL target groups are not unique in PostgreSQL; the service updates the row.
    _record(session, tender, officer, now, "0331", None, "Geaccepteerd: netwerk via de RBL.")
    session.commit()
    rows = session.scalars(select(GapDecision)).all()
    assert [(r.target_group_id, r.decision) for r in rows] == [
        (None, "Geaccepteerd: netwerk via de RBL.")
    ]
    assert ("IB", "0331", None) not in {g.key for g in gaps.undecided_gaps(session, tender)}


@pytest.mark.parametrize("text", ["", "   ", "te kort", " 123456789 "])
def test_a_decision_needs_at_least_ten_characters(
    app: Flask, session: Session, now: datetime, text: str
) -> None:
    tender, officer = _opened(session, app, now)
    with pytest.raises(gaps.GapDecisionError, match="minstens 10 tekens"):
        _record(session, tender, officer, now, "0321", "PG", text)


@pytest.mark.parametrize(
    "path",
    [
        (TenderState.PROVISIONALLY_AWARDED,),
        (TenderState.PROVISIONALLY_AWARDED, TenderState.AWARDED),
        (TenderState.WITHDRAWN,),
    ],
    ids=["voorlopig gegund", "definitief gegund", "ingetrokken"],
)
def test_refused_once_the_tender_is_awarded_or_withdrawn(
    app: Flask, session: Session, now: datetime, path: tuple[TenderState, ...]
) -> None:
    tender, officer = _opened(session, app, now)
    for state in path:
        lifecycle.transition(session, tender, state, actor=officer, now=now)
    with pytest.raises(gaps.GapDecisionError, match=f"status '{path[-1].value}'"):
        _record(session, tender, officer, now, "0321", "PG")
    assert gaps.decision_refusal(session, tender) is not None


def test_refused_once_the_award_decision_is_taken(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, officer = _opened(session, app, now)
    session.add(
        AwardDecision(tender=tender, prepared_at=now, prepared_by_id=officer.id, snapshot={})
    )
    session.flush()
    with pytest.raises(gaps.GapDecisionError, match=r"gunningsadvies .* is vastgelegd"):
        _record(session, tender, officer, now, "0321", "PG")


def test_refused_before_the_opening(app: Flask, session: Session, now: datetime) -> None:
    tender = make_published_tender(session, now=now)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    with pytest.raises(gaps.GapDecisionError, match="pas na de opening"):
        _record(session, tender, officer, now, "0321", "PG")


def test_no_decision_where_there_is_no_gap_and_none_left_once_all_are_decided(
    app: Flask, session: Session, now: datetime
) -> None:
    result = demo.build(
        session,
        criteria_path=None,
        bids=6,
        now=now,
        instance_path=app.instance_path,
        phase="scored",
    )
    session.commit()
    tender = result.tender
    officer = session.scalars(select(User).where(User.email == "inkoper@demo.example")).one()
    report = tender_coverage(session, tender).report
    covered = next(cell for cell in report.lot("IB").cells if cell.ok)
    with pytest.raises(gaps.GapDecisionError, match="geen tekort"):
        _record(session, tender, officer, now, covered.municipality, covered.target_group)
    open_gaps = gaps.undecided_gaps(session, tender)
    assert open_gaps
    for gap in open_gaps:
        _record(session, tender, officer, now, gap.municipality, gap.target_group)
    session.commit()
    assert gaps.undecided_gaps(session, tender) == []


def test_coverage_inputs_load_in_a_fixed_number_of_queries(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, _officer = _opened(session, app, now, bids=6)
    data = tender_outcome(session, tender)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        providers = provider_coverage(data)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(providers) == 6
    # Bids, their coverage, their network partners, and the tender's lots, municipalities
    # and target groups: never one query per bid.
    assert len(statements) <= 6, statements


def test_database_refuses_a_second_network_decision(
    app: Flask, session: Session, now: datetime
) -> None:
    from sqlalchemy.exc import IntegrityError

    tender = make_published_tender(session, now=now)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    lot = tender.lots[0]
    for text in ("Eerste besluit over het netwerk.", "Tweede besluit, tegelijk verstuurd."):
        session.add(
            GapDecision(
                tender_id=tender.id,
                lot_id=lot.id,
                municipality_id=lot.municipalities[0].id,
                target_group_id=None,
                decision=text,
                decided_by_id=officer.id,
                decided_at=now,
            )
        )
    with pytest.raises(IntegrityError):
        session.flush()
