"""Refused hits on bid URLs are counted per address and hour, not one audit row each
(issue 13 item 8): an anonymous flood writes one audit event, a logged-in one a bounded
number, and the Logboek shows the counts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import login, make_complete_bid, make_published_tender, make_user
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.bids import service as bids
from tender.bids.models import Bid
from tender.bids.uploads import uploads_dir
from tender.refused_hits import (
    ANONYMOUS,
    AUDITED_PER_ACCOUNT,
    COUNTED_NOTE,
    RefusedHit,
    account_visitor,
    count_refusal,
    counted_address,
)


@pytest.fixture
def sealed_bid(app: Flask, session: Session, now: datetime) -> Bid:
    tender = make_published_tender(session, now=now)
    owner = make_user(session, Role.PROVIDER, now=now)
    bid = make_complete_bid(
        session, tender=tender, provider=owner, now=now, storage_dir=uploads_dir(app.instance_path)
    )
    bids.submit(session, bid=bid, actor=owner, now=now)
    session.commit()
    clock.set_clock(lambda: now)
    return bid


def refusal_events(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "bid.access_refused")
            .order_by(AuditEvent.id)
        )
    )


def counters(session: Session) -> dict[tuple[str, str], int]:
    session.expire_all()
    return {(hit.address, hit.visitor): hit.count for hit in session.scalars(select(RefusedHit))}


def test_an_anonymous_flood_writes_one_audit_event_and_a_count(
    app: Flask, session: Session, sealed_bid: Bid, now: datetime
) -> None:
    client = app.test_client()
    url = f"/inschrijvingen/{sealed_bid.id}"
    for _ in range(1000):
        response = client.get(url, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    events = refusal_events(session)
    assert len(events) == 1
    assert events[0].actor_label == "anoniem (198.51.100.7)"
    assert events[0].details["let op"] == COUNTED_NOTE
    assert counters(session) == {("198.51.100.7", ANONYMOUS): 1000}
    assert session.scalar(select(func.count(RefusedHit.id))) == 1

    # Another address is its own counter with its own first event; so is the next hour.
    client.get(url, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    clock.set_clock(lambda: now + timedelta(hours=1))
    client.get(url, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert len(refusal_events(session)) == 3
    assert sorted(hit.count for hit in session.scalars(select(RefusedHit))) == [1, 1, 1000]


def test_logged_in_refusals_are_audited_up_to_the_bound_and_counted_beyond(
    app: Flask, session: Session, sealed_bid: Bid, now: datetime
) -> None:
    """A logged-in user is identified: each refusal is its own audit event, up to
    AUDITED_PER_ACCOUNT an hour; the last of those says the rest is only counted."""
    intruder = make_user(session, Role.PROVIDER, now=now)
    colleague = make_user(session, Role.PROVIDER, now=now)
    session.commit()
    client = app.test_client()
    login(client, intruder)
    url = f"/inschrijvingen/{sealed_bid.id}"
    for _ in range(AUDITED_PER_ACCOUNT + 10):
        assert client.get(url).status_code == 403
    events = refusal_events(session)
    assert len(events) == AUDITED_PER_ACCOUNT
    assert {event.actor_id for event in events} == {intruder.id}
    assert [event.details.get("let op") for event in events[-2:]] == [None, COUNTED_NOTE]
    address = counted_address("127.0.0.1")
    assert counters(session) == {(address, account_visitor(intruder.id)): AUDITED_PER_ACCOUNT + 10}

    # Another account from the same address (an office behind one address) is still audited.
    other = app.test_client()
    login(other, colleague)
    assert other.get(url).status_code == 403
    assert refusal_events(session)[-1].actor_id == colleague.id


def test_the_owner_is_not_refused_nor_counted(
    app: Flask, session: Session, sealed_bid: Bid
) -> None:
    client = app.test_client()
    owner = session.scalars(
        select(User).where(User.organisation_id == sealed_bid.organisation_id)
    ).first()
    assert owner is not None
    login(client, owner)
    assert client.get(f"/inschrijvingen/{sealed_bid.id}").status_code == 200
    assert refusal_events(session) == [] and counters(session) == {}


def test_the_logboek_shows_the_counts(
    app: Flask, session: Session, sealed_bid: Bid, now: datetime
) -> None:
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    anonymous = app.test_client()
    for _ in range(7):
        anonymous.get(
            f"/inschrijvingen/{sealed_bid.id}", environ_base={"REMOTE_ADDR": "2001:db8::1"}
        )
    client = app.test_client()
    login(client, officer)
    page = client.get(f"/aanbestedingen/{sealed_bid.tender_id}/logboek").get_data(as_text=True)
    section = page[page.index("Geweigerde verzoeken om inschrijvingen") :]
    assert "<code>2001:db8::/64</code>" in section and "niet ingelogd" in section
    assert '<td class="num">7</td>' in section
    # Older than a week: no longer shown.
    clock.set_clock(lambda: now + timedelta(days=8))
    page = client.get(f"/aanbestedingen/{sealed_bid.tender_id}/logboek").get_data(as_text=True)
    assert "Geen geweigerde verzoeken." in page and "2001:db8::/64" not in page


def test_count_refusal_upserts_one_row_per_visitor_and_hour(
    session: Session, now: datetime
) -> None:
    member = make_user(session, Role.EVALUATOR, now=now)
    session.commit()
    visitor = account_visitor(member.id)
    later = now.replace(minute=59)
    assert count_refusal(session, address="192.0.2.1", visitor=visitor, now=now) == 1
    assert count_refusal(session, address="192.0.2.1", visitor=visitor, now=later) == 2
    assert count_refusal(session, address="192.0.2.1", visitor=ANONYMOUS, now=later) == 1
    next_hour = now.replace(minute=0) + timedelta(hours=1)
    assert count_refusal(session, address="192.0.2.1", visitor=visitor, now=next_hour) == 1
    session.commit()
    row = session.scalars(
        select(RefusedHit).where(RefusedHit.visitor == visitor).order_by(RefusedHit.id)
    ).first()
    assert row is not None
    assert (row.first_at, row.last_at, row.window_start) == (now, later, now.replace(minute=0))


@pytest.mark.parametrize(
    ("remote", "counted"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        (None, "onbekend"),
        ("niet-een-adres", "niet-een-adres"),
    ],
)
def test_counted_address(remote: str | None, counted: str) -> None:
    assert counted_address(remote) == counted
