"""Irreversible steps need the box "Ik begrijp dat ..." that names the consequence
(issue 14 item 5): publish a tender, submit or withdraw a bid, withdraw a tender, open
the bids (sending the award letters has its own box, see test_signing/test_award_steps).
The server checks the box, so this holds without JavaScript; without it nothing changes
and the user reads in Dutch why."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import (
    login,
    make_complete_bid,
    make_published_tender,
    make_tender,
    make_user,
    schedule,
)
from flask import Flask

from tender import clock
from tender.accounts.models import Role
from tender.bids import service as bids
from tender.bids.models import Bid, BidStatus
from tender.bids.uploads import uploads_dir
from tender.evaluation import service as evaluation
from tender.forms import NOT_UNDERSTOOD
from tender.tenders import service as tenders
from tender.tenders.models import Tender, TenderState


@pytest.fixture
def world(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    provider = make_user(db, Role.PROVIDER, now=now)
    officers = [make_user(db, Role.PROCUREMENT_OFFICER, now=now) for _ in range(2)]
    bid = make_complete_bid(
        db, tender=tender, provider=provider, now=now, storage_dir=uploads_dir(app.instance_path)
    )
    db.commit()
    clock.set_clock(lambda: now)
    yield {"db": db, "app": app, "tender": tender, "provider": provider, "bid": bid,
           "officers": officers}  # fmt: skip
    clock.set_clock(None)
    db.close()


def _client(app: Flask, user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, user)
    return client


def test_the_overview_names_the_consequence_of_submitting_and_withdrawing(world) -> None:  # type: ignore[no-untyped-def]
    db, bid = world["db"], world["bid"]
    client = _client(world["app"], world["provider"])
    page = client.get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert 'name="understood"' in page
    assert "Ik begrijp dat deze versie mijn inschrijving is zodra de uiterste" in page
    bids.submit(db, bid=bid, actor=world["provider"], now=clock.now())
    db.commit()
    page = client.get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert "Ik begrijp dat mijn inschrijving dan niet meer meedoet" in page


def test_submitting_without_the_box_is_refused_and_submits_nothing(world) -> None:  # type: ignore[no-untyped-def]
    bid = world["bid"]
    client = _client(world["app"], world["provider"])
    refused = client.post(f"/inschrijvingen/{bid.id}/indienen", follow_redirects=True)
    assert NOT_UNDERSTOOD in refused.get_data(as_text=True)
    world["db"].expire_all()
    kept = world["db"].get(Bid, bid.id)
    assert kept.status == BidStatus.DRAFT and kept.submissions == []
    done = client.post(f"/inschrijvingen/{bid.id}/indienen", data={"understood": "y"})
    assert "/ontvangstbevestiging/1" in done.headers["Location"]


def test_withdrawing_a_bid_without_the_box_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    db, bid = world["db"], world["bid"]
    bids.submit(db, bid=bid, actor=world["provider"], now=clock.now())
    db.commit()
    client = _client(world["app"], world["provider"])
    refused = client.post(f"/inschrijvingen/{bid.id}/intrekken", follow_redirects=True)
    assert NOT_UNDERSTOOD in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Bid, bid.id).status == BidStatus.SUBMITTED
    client.post(f"/inschrijvingen/{bid.id}/intrekken", data={"understood": "y"})
    db.expire_all()
    assert db.get(Bid, bid.id).status == BidStatus.WITHDRAWN


def test_publishing_without_the_box_is_refused(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    tender = make_tender(db, now=now)
    schedule(db, tender, now=now)
    officer = make_user(db, Role.PROCUREMENT_OFFICER, now=now)
    db.commit()
    clock.set_clock(lambda: now)
    client = _client(app, officer)
    page = client.get(f"/aanbestedingen/{tender.id}").get_data(as_text=True)
    assert "Ik begrijp dat alle aanbieders de aanbesteding dan zien" in page
    refused = client.post(f"/aanbestedingen/{tender.id}/publiceren", follow_redirects=True)
    assert NOT_UNDERSTOOD in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Tender, tender.id).state == TenderState.CONCEPT
    clock.set_clock(None)
    db.close()


def test_withdrawing_a_tender_without_the_box_keeps_the_reason_and_says_why(world) -> None:  # type: ignore[no-untyped-def]
    db, tender = world["db"], world["tender"]
    client = _client(world["app"], world["officers"][0])
    reason = "Het budget is niet toegekend door de gemeenteraad."
    refused = client.post(f"/aanbestedingen/{tender.id}/intrekken", data={"reason": reason})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert NOT_UNDERSTOOD in page and reason in page
    assert "Ik begrijp dat de aanbesteding dan voor alle aanbieders stopt" in page
    db.expire_all()
    assert db.get(Tender, tender.id).state == TenderState.PUBLISHED


def test_confirming_the_opening_without_the_box_opens_nothing(world) -> None:  # type: ignore[no-untyped-def]
    db, tender, first, second = (world["db"], world["tender"], *world["officers"])
    bids.submit(db, bid=world["bid"], actor=world["provider"], now=clock.now())
    after = tender.submission_deadline + timedelta(hours=1)
    tenders.close_if_due(db, tender=tender, now=after)
    evaluation.start_opening(db, tender=tender, actor=first, now=after)
    db.commit()
    clock.set_clock(lambda: after)
    client = _client(world["app"], second)
    page = client.get(f"/aanbestedingen/{tender.id}/opening").get_data(as_text=True)
    assert "Ik begrijp dat de inschrijvingen dan worden geopend" in page
    url = f"/aanbestedingen/{tender.id}/opening/bevestigen"
    refused = client.post(url, follow_redirects=True)
    assert NOT_UNDERSTOOD in refused.get_data(as_text=True)
    db.expire_all()
    assert db.get(Tender, tender.id).state != TenderState.OPENED
    client.post(url, data={"understood": "y"})
    db.expire_all()
    assert db.get(Tender, tender.id).state == TenderState.OPENED
