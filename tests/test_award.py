"""The award decision, its snapshot, the standstill, objections and the definitive award."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import award_steps
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import demo
from tender.accounts.models import User
from tender.award import gaps as gap_service
from tender.award import service as award
from tender.award import steps
from tender.award.outcome import tender_outcome
from tender.errors import DomainError
from tender.tenders.models import Lot, Municipality, TargetGroup, TenderState
from tender.timefmt import AMSTERDAM


def decide_all_gaps(session: Session, tender, officer: User, now: datetime) -> int:  # type: ignore[no-untyped-def]
    """Record a decision for every coverage gap, as the inkoper does on the coverage page."""
    found = gap_service.undecided_gaps(session, tender)
    for gap in found:
        gap_service.record_gap_decision(
            session,
            tender=tender,
            lot=session.scalar(select(Lot).where(Lot.tender_id == tender.id, Lot.code == gap.lot)),
            municipality=session.scalar(
                select(Municipality).where(
                    Municipality.tender_id == tender.id, Municipality.code == gap.municipality
                )
            ),
            target_group=session.scalar(
                select(TargetGroup).where(
                    TargetGroup.tender_id == tender.id, TargetGroup.code == gap.target_group
                )
            )
            if gap.target_group
            else None,
            decision="Aanvullende contractering door de RBL.",
            actor=officer,
            now=now,
        )
    return len(found)


@pytest.fixture
def scored(app: Flask, session: Session, now: datetime):  # type: ignore[no-untyped-def]
    result = demo.build(
        session, criteria_path=None, bids=8, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    return result.tender, officer


def test_decision_waits_for_gap_decisions_then_freezes_the_outcome(
    session: Session,
    scored,
    now: datetime,  # type: ignore[no-untyped-def]
) -> None:
    tender, officer = scored
    with pytest.raises(award.AwardError, match="tekort"):
        steps.prepare_advice(session, tender=tender, actor=officer, now=now)
    assert decide_all_gaps(session, tender, officer, now) > 0
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    snapshot = decision.snapshot
    live = tender_outcome(session, tender).outcome
    assert {b["bid_id"] for b in snapshot["bids"]} == {b.bid_id for b in live.bids}
    assert snapshot["awarded"]["IB"] == sorted(
        b.bid_id for b in live.bids if "IB" in b.awarded_lots
    )
    rejected = next(b for b in snapshot["bids"] if not b["awarded_lots"])
    assert rejected["reasons"] and rejected["organisation"]["name"].endswith("(demo)")
    assert snapshot["gap_decisions"] and snapshot["coverage"]["tender"] == tender.reference
    with pytest.raises(award.AwardError, match="al een gunningsbeslissing in behandeling"):
        steps.prepare_advice(session, tender=tender, actor=officer, now=now)
    lot = tender.lots[0]
    with pytest.raises(gap_service.GapDecisionError):
        gap_service.record_gap_decision(
            session,
            tender=tender,
            lot=lot,
            municipality=lot.municipalities[0],
            target_group=None,
            decision="Te laat voor een besluit.",
            actor=officer,
            now=now,
        )


def _released(session: Session, scored, sent: datetime):  # type: ignore[no-untyped-def]
    tender, officer = scored
    decide_all_gaps(session, tender, officer, sent)
    decision = award_steps.decide(session, tender, preparer=officer, now=sent)
    return award_steps.send(session, decision, now=sent)


def test_standstill_and_definitive_award_to_the_second(session: Session, scored) -> None:  # type: ignore[no-untyped-def]
    tender, officer = scored
    # Sent on Friday 4 December 2026: 20 days later is Thursday 24 December, the last day.
    sent = datetime(2026, 12, 4, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)
    decision = _released(session, scored, sent)
    assert tender.state == TenderState.PROVISIONALLY_AWARDED
    assert decision.standstill_end.isoformat() == "2026-12-24"
    last_second = datetime(2026, 12, 24, 23, 59, 59, tzinfo=AMSTERDAM).astimezone(UTC)
    with pytest.raises(award.AwardError, match="tot en met 24-12-2026"):
        award.make_definitive(session, tender=tender, actor=officer, now=last_second)
    award.make_definitive(
        session, tender=tender, actor=officer, now=last_second + timedelta(seconds=1)
    )
    assert tender.state == TenderState.AWARDED


def test_standstill_over_christmas_moves_to_the_next_working_day(session: Session, scored) -> None:  # type: ignore[no-untyped-def]
    # Sent Saturday 5 December 2026: day 20 is Friday 25 December (Kerstdag), then
    # 26 December (Tweede Kerstdag, a Saturday) and Sunday: the last day is Monday 28.
    sent = datetime(2026, 12, 5, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)
    decision = _released(session, scored, sent)
    assert decision.standstill_end.isoformat() == "2026-12-28"


def test_pending_objection_blocks_the_definitive_award(session: Session, scored) -> None:  # type: ignore[no-untyped-def]
    tender, officer = scored
    sent = datetime(2026, 12, 4, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC)
    _released(session, scored, sent)
    later = sent + timedelta(days=40)
    award.set_objection(
        session, tender=tender, pending=True, note="Kort geding aangekondigd door inschrijver.",
        actor=officer, now=sent,
    )  # fmt: skip
    with pytest.raises(award.AwardError, match="bezwaar"):
        award.make_definitive(session, tender=tender, actor=officer, now=later)
    award.set_objection(
        session, tender=tender, pending=False, note="Kort geding ingetrokken op 10-12.",
        actor=officer, now=sent,
    )  # fmt: skip
    award.make_definitive(session, tender=tender, actor=officer, now=later)
    assert tender.state == TenderState.AWARDED


def test_letters_wait_for_the_approvers_preview_and_a_matching_confirmation(
    session: Session, scored, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    tender, officer = scored
    decide_all_gaps(session, tender, officer, now)
    decision = award_steps.decide(session, tender, preparer=officer, now=now)
    end = steps.sending_standstill_end(decision, now).isoformat()
    count = steps.letter_count(decision)
    with pytest.raises(award.AwardError, match="eerst bekijken"):
        steps.confirm_sending(decision, letters=count, standstill=end, now=now)
    # Only the approver's look counts as the preview.
    assert not steps.record_preview(session, decision=decision, actor=officer, now=now)
    approver = session.get(User, decision.approved_by_id)
    assert steps.record_preview(session, decision=decision, actor=approver, now=now)
    with pytest.raises(award.AwardError, match="klopt niet"):
        steps.confirm_sending(decision, letters=count - 1, standstill=end, now=now)
    with pytest.raises(award.AwardError, match="klopt niet"):
        steps.confirm_sending(decision, letters=count, standstill="2099-01-01", now=now)
    steps.confirm_sending(decision, letters=count, standstill=end, now=now)
    assert tender.state == TenderState.EVALUATED


def test_a_job_whose_worker_died_shows_stalled_and_is_resumed_not_restarted(
    session: Session,
    scored,
    now: datetime,  # type: ignore[no-untyped-def]
) -> None:
    from tender.award import jobs

    tender, officer = scored
    first = jobs.create_job(
        session, tender_id=tender.id, kind="award_letters", total=3, actor_id=officer.id, now=now
    )
    with pytest.raises(DomainError, match="al gemaakt"):
        jobs.create_job(
            session,
            tender_id=tender.id,
            kind="award_letters",
            total=3,
            actor_id=officer.id,
            now=now + timedelta(seconds=30),
        )
    assert jobs.shown_status(first, now + timedelta(seconds=59)) == jobs.RUNNING
    later = now + jobs.STALE_AFTER + timedelta(seconds=1)
    assert jobs.shown_status(first, later) == jobs.STALLED
    with pytest.raises(DomainError, match="vastgelopen"):
        jobs.create_job(
            session, tender_id=tender.id, kind="award_letters", total=3, actor_id=officer.id,
            now=later,
        )  # fmt: skip
    jobs.claim_for_resume(session, first, now=later)
    assert first.status == jobs.RUNNING and first.heartbeat_at == later
    with pytest.raises(DomainError, match="nog gemaakt"):
        jobs.claim_for_resume(session, first, now=later)
