"""The stored outcome (tender.award.outcome_cache) is never served after what it was
computed from has changed (issue 16).

Each test builds the scored demo tender, lets a page store its outcome, changes one
thing the outcome depends on, and checks that the page then shows exactly what a
fresh computation (no stored outcome at all) shows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import factories
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from statements import scaled_tender

from tender.accounts.models import User
from tender.award.models import TieDraw
from tender.award.outcome import tender_outcome
from tender.award.outcome_cache import OutcomeCache
from tender.bids.models import Bid, BidStatus
from tender.evaluation.models import ConsensusScore, RequirementCheck
from tender.tenders.models import Lot, Tender

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
RESULT_CSV = "/aanbestedingen/{tender}/export/uitslag"


@pytest.fixture
def tender(app: Flask, session: Session) -> Tender:
    return scaled_tender(app, session, NOW, bids=6, phase="scored")


@pytest.fixture
def inkoper(app: Flask, session: Session, tender: Tender) -> FlaskClient:
    client = app.test_client()
    user = session.scalars(select(User).where(User.email == "inkoper@demo.example")).one()
    factories.login(client, user)
    return client


def _row(session: Session, tender: Tender) -> OutcomeCache:
    session.expire_all()
    return session.get(OutcomeCache, tender.id)  # type: ignore[return-value]


def _page(client: FlaskClient, tender: Tender) -> str:
    response = client.get(RESULT_CSV.format(tender=tender.id))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _fresh_page(client: FlaskClient, session: Session, tender: Tender) -> str:
    """The page as computed without any stored outcome."""
    session.execute(
        update(OutcomeCache)
        .where(OutcomeCache.tender_id == tender.id)
        .values(cached_version=None, payload=None)
    )
    session.commit()
    return _page(client, tender)


def _stored(client: FlaskClient, session: Session, tender: Tender) -> str:
    """The page, after making sure it was served from the stored outcome."""
    first = _page(client, tender)
    row = _row(session, tender)
    assert row.cached_version == row.version and row.payload
    assert _page(client, tender) == first  # the second request reads the row
    return first


def _scored_consensus(session: Session, tender: Tender) -> ConsensusScore:
    return session.scalars(
        select(ConsensusScore)
        .join(ConsensusScore.bid)
        .where(Bid.tender_id == tender.id, ConsensusScore.reopened_at.is_(None))
        .order_by(ConsensusScore.id)
    ).first()  # type: ignore[return-value]


def test_a_changed_consensus_score_is_shown_not_the_stored_outcome(
    session: Session, tender: Tender, inkoper: FlaskClient
) -> None:
    before = _stored(inkoper, session, tender)
    version = _row(session, tender).version
    consensus = _scored_consensus(session, tender)
    consensus.score = 1 if consensus.score != 1 else tender.scale_max
    session.commit()

    assert _row(session, tender).version == version + 1
    after = _page(inkoper, tender)
    assert after != before
    assert after == _fresh_page(inkoper, session, tender)


def test_a_change_that_is_rolled_back_leaves_the_stored_outcome_valid(
    session: Session, tender: Tender, inkoper: FlaskClient
) -> None:
    before = _stored(inkoper, session, tender)
    consensus = _scored_consensus(session, tender)
    consensus.score = 1 if consensus.score != 1 else tender.scale_max
    session.flush()
    changed = tender_outcome(session, tender)  # computed from the unsaved change ...
    assert changed.results[consensus.bid_id].scores  # (it was computed)
    session.rollback()  # ... which is never stored under any version

    row = _row(session, tender)
    assert row.cached_version == row.version
    assert _page(inkoper, tender) == before == _fresh_page(inkoper, session, tender)


@pytest.mark.parametrize(
    "change", ["requirement check", "withdrawal", "bulk update", "reopened consensus"]
)
def test_every_kind_of_change_invalidates(
    session: Session, tender: Tender, inkoper: FlaskClient, change: str
) -> None:
    before = _stored(inkoper, session, tender)
    version = _row(session, tender).version
    if change == "requirement check":
        check = session.scalars(
            select(RequirementCheck)
            .join(RequirementCheck.bid)
            .where(Bid.tender_id == tender.id, RequirementCheck.complies.is_(True))
            .order_by(RequirementCheck.id)
        ).first()
        assert check is not None
        check.complies = False
        check.reason = "Bewijs ontbreekt bij nader inzien."
    elif change == "withdrawal":
        bid = session.scalars(
            select(Bid).where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
        ).first()
        assert bid is not None
        bid.status = BidStatus.WITHDRAWN
        bid.withdrawn_at = NOW
    elif change == "bulk update":
        session.execute(
            update(ConsensusScore)
            .where(ConsensusScore.id == _scored_consensus(session, tender).id)
            .values(score=ConsensusScore.score % tender.scale_max + 1)
        )
    else:
        _scored_consensus(session, tender).reopened_at = NOW
    session.commit()

    assert _row(session, tender).version > version
    after = _page(inkoper, tender)
    assert after != before
    assert after == _fresh_page(inkoper, session, tender)


def test_a_recorded_draw_invalidates(session: Session, tender: Tender, app: Flask) -> None:
    tender_outcome(session, tender)
    session.commit()
    row = _row(session, tender)
    assert row.cached_version == row.version
    version = row.version
    lot = session.scalars(select(Lot).where(Lot.tender_id == tender.id)).first()
    inkoper = session.scalars(select(User).where(User.email == "inkoper@demo.example")).one()
    session.add(
        TieDraw(
            tender_id=tender.id, lot_code=lot.code, drawn_order=[], note="test",  # type: ignore[union-attr]
            drawn_at=NOW, recorded_by_id=inkoper.id, recorded_at=NOW,
        )
    )  # fmt: skip
    session.commit()
    assert _row(session, tender).version == version + 1


def test_an_unchanged_tender_is_served_from_the_stored_outcome(
    session: Session, tender: Tender
) -> None:
    computed = tender_outcome(session, tender)
    session.commit()
    stored = tender_outcome(session, tender)
    assert stored.bids == computed.bids
    assert stored.results == computed.results
    assert stored.outcome == computed.outcome


def test_a_change_and_an_audit_event_in_two_transactions_never_deadlock(
    app: Flask, session: Session, tender: Tender
) -> None:
    """Writer A changes a score first (raising the stored outcome's version) and records
    its event after; writer B records its event first and changes a score after. If A
    held the version row while B held the audit chain, each would wait for the other
    (PostgreSQL aborts one: a deadlock). Both lock the chain first, so both commit."""
    import threading

    from tender import audit

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second writer waits or fails, never both")

    scores = session.scalars(
        select(ConsensusScore.id)
        .join(ConsensusScore.bid)
        .where(Bid.tender_id == tender.id, ConsensusScore.reopened_at.is_(None))
        .order_by(ConsensusScore.id)
        .limit(2)
    ).all()
    session.commit()
    make = app.extensions["tender.sessionmaker"]
    a_changed, b_waiting = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def change(writer: Session, score_id: int) -> None:
        score = writer.get(ConsensusScore, score_id)
        assert score is not None
        score.score = score.score % tender.scale_max + 1
        writer.flush()

    def event(writer: Session, action: str) -> None:
        audit.record(writer, actor=None, action=action, object_type="tender",
                     object_id=tender.id, now=NOW, tender_id=tender.id)  # fmt: skip

    def writer_a() -> None:
        with make() as writer:
            try:
                change(writer, scores[0])
                a_changed.set()
                b_waiting.wait(3)  # B holds the chain now, or waits for it (then: 3 s)
                event(writer, "test.a")
                writer.commit()
            except BaseException as error:  # reported to the test below
                errors.append(error)
                a_changed.set()

    def writer_b() -> None:
        a_changed.wait(5)
        with make() as writer:
            try:
                event(writer, "test.b")  # with the fix it waits here until A commits
                b_waiting.set()
                change(writer, scores[1])
                writer.commit()
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    session.expire_all()
    actions = session.scalars(
        select(audit.AuditEvent.action).where(audit.AuditEvent.action.like("test.%"))
    ).all()
    assert sorted(actions) == ["test.a", "test.b"]
