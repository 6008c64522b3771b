"""What a provider reads about its bid (issue 14 item 5): a withdrawn bid says
'ingetrokken' and never '(telt)'; a bid never submitted reads 'niet ingediend' after
the deadline, not 'concept'; the countdown shows minutes in the last 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import login, make_complete_bid, make_published_tender, make_user
from flask import Flask

from tender import clock
from tender.accounts.models import Role
from tender.bids import service as bids
from tender.bids.uploads import uploads_dir
from tender.timefmt import time_left

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "left,shown",
    [
        (timedelta(days=3, hours=4, minutes=5), "nog 3 dagen en 4 uur"),
        (timedelta(days=1), "nog 1 dag"),
        (timedelta(hours=23, minutes=59, seconds=59), "nog 23 uur en 59 minuten"),
        (timedelta(hours=5, minutes=1), "nog 5 uur en 1 minuut"),
        (timedelta(minutes=12, seconds=40), "nog 12 minuten"),
        (timedelta(seconds=30), "nog minder dan een minuut"),
        (timedelta(0), "de termijn is verstreken"),
    ],
)
def test_countdown_shows_minutes_in_the_last_24_hours(left: timedelta, shown: str) -> None:
    assert time_left(NOW + left, NOW) == shown


@pytest.fixture
def provider_bid(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    provider = make_user(db, Role.PROVIDER, now=now)
    bid = make_complete_bid(
        db, tender=tender, provider=provider, now=now, storage_dir=uploads_dir(app.instance_path)
    )
    db.commit()
    client = app.test_client()
    login(client, provider)
    yield {"db": db, "client": client, "tender": tender, "provider": provider, "bid": bid}
    db.close()
    clock.set_clock(None)


def test_a_withdrawn_bid_says_ingetrokken_and_never_telt(provider_bid, now: datetime) -> None:  # type: ignore[no-untyped-def]
    db, bid, provider = provider_bid["db"], provider_bid["bid"], provider_bid["provider"]
    bids.submit(db, bid=bid, actor=provider, now=now)
    bids.withdraw(db, bid=bid, actor=provider, now=now)
    db.commit()
    clock.set_clock(lambda: now)
    page = provider_bid["client"].get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert '<span class="state">ingetrokken</span>' in page
    assert "(telt)" not in page
    portal = provider_bid["client"].get("/aanbieder").get_data(as_text=True)
    assert "ingetrokken" in portal


def test_a_submitted_bid_counts(provider_bid, now: datetime) -> None:  # type: ignore[no-untyped-def]
    db, bid, provider = provider_bid["db"], provider_bid["bid"], provider_bid["provider"]
    bids.submit(db, bid=bid, actor=provider, now=now)
    db.commit()
    clock.set_clock(lambda: now)
    page = provider_bid["client"].get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert "1 (telt)" in page


def test_a_bid_never_submitted_reads_niet_ingediend_after_the_deadline(provider_bid) -> None:  # type: ignore[no-untyped-def]
    tender, bid = provider_bid["tender"], provider_bid["bid"]
    clock.set_clock(lambda: tender.submission_deadline - timedelta(hours=2, minutes=30))
    before = provider_bid["client"].get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert '<span class="state">concept</span>' in before
    assert "(nog 2 uur en 30 minuten)" in before
    clock.set_clock(lambda: tender.submission_deadline + timedelta(minutes=1))
    after = provider_bid["client"].get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert '<span class="state">niet ingediend</span>' in after
    assert '<span class="state">concept</span>' not in after
