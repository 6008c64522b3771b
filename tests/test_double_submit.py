"""Two submits of one bid at the same moment both get a proper answer (issue 13 item 6).

A double click or two open tabs send the same submit twice. Each request counts the
submissions so far and takes the next number; without serialising, both take the
same number and the second fails on the unique (bid, number) constraint with a 500.
The submit locks the bid's row first (``tender.bids.service._lock_for_submission``),
so the second request waits for the first, sees its submission and records a
resubmission (number 2, the same digest), as a resubmission before the deadline does.

Both requests run in their own thread with their own database connection; a barrier
holds each one after it has loaded the bid (and its submissions) until the other has
too, so that the race is not left to chance.
"""

from __future__ import annotations

import threading

import pytest
from factories import login
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tender.audit import AuditEvent
from tender.bids import service as bids
from tender.bids import views as bid_views
from tender.bids.models import Bid, BidStatus, BidSubmission


def _submit_twice_at_once(
    app: Flask, monkeypatch: pytest.MonkeyPatch, bid_id: int, provider
) -> list[object]:  # type: ignore[no-untyped-def]
    """Both requests load the bid and its submissions, then submit together."""
    barrier = threading.Barrier(2, timeout=30)
    original = bid_views.load_bid

    def load_then_wait(loaded_id: int, permission):  # type: ignore[no-untyped-def]
        bid = original(loaded_id, permission)
        len(bid.submissions)  # what a request without the lock would number from
        barrier.wait()
        return bid

    monkeypatch.setattr(bid_views, "load_bid", load_then_wait)
    answers: list[object] = [None, None]

    def post(index: int) -> None:
        client = app.test_client()
        login(client, provider)
        try:
            url = f"/inschrijvingen/{bid_id}/indienen"
            answers[index] = client.post(url, data={"understood": "y"})
        except Exception as error:  # TESTING propagates what would be a 500
            answers[index] = error

    threads = [threading.Thread(target=post, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return answers


def test_two_simultaneous_submits_are_numbered_one_and_two(
    app: Flask, monkeypatch: pytest.MonkeyPatch, submittable_bid
) -> None:  # type: ignore[no-untyped-def]
    bid_id, provider = submittable_bid
    answers = _submit_twice_at_once(app, monkeypatch, bid_id, provider)
    for answer in answers:
        assert not isinstance(answer, Exception), repr(answer)
        assert answer.status_code == 302, answer.get_data(as_text=True)[-2000:]  # type: ignore[attr-defined]
    receipts = sorted(answer.headers["Location"] for answer in answers)  # type: ignore[attr-defined]
    assert receipts == [
        f"/inschrijvingen/{bid_id}/ontvangstbevestiging/1",
        f"/inschrijvingen/{bid_id}/ontvangstbevestiging/2",
    ]
    with app.extensions["tender.sessionmaker"]() as db:
        submissions = db.scalars(
            select(BidSubmission)
            .where(BidSubmission.bid_id == bid_id)
            .order_by(BidSubmission.number)
        ).all()
        assert [s.number for s in submissions] == [1, 2]
        assert submissions[0].digest == submissions[1].digest
        bid = db.get(Bid, bid_id)
        assert bid is not None and bid.status == BidStatus.SUBMITTED
        logged = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "bid.submit").order_by(AuditEvent.id)
        ).all()
        assert [event.details["indiening"] for event in logged] == [1, 2]


def test_without_the_lock_the_race_is_real(
    app: Flask, monkeypatch: pytest.MonkeyPatch, submittable_bid
) -> None:  # type: ignore[no-untyped-def]
    """The barrier does reproduce the race: with the lock taken out, one request fails."""
    bid_id, provider = submittable_bid
    monkeypatch.setattr(bids, "_lock_for_submission", lambda session, bid, actor: None)
    answers = _submit_twice_at_once(app, monkeypatch, bid_id, provider)
    # The unique (bid, number) constraint, not an error of the test's own making.
    assert any(isinstance(answer, IntegrityError) for answer in answers), answers
