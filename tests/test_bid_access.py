"""Sealed bids: before opening, no one but the writing provider reaches bid content.

Every route of the bids blueprint is tried by every role and by another
provider guessing ids; each refusal is counted, and audited (an anonymous address
only once an hour: tender.refused_hits).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from factories import login, make_complete_bid, make_published_tender, make_user
from flask import Flask, url_for
from sqlalchemy import func, select

from tender import clock
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.bids import service as bids
from tender.bids.uploads import uploads_dir
from tender.refused_hits import RefusedHit
from tender.tenders.models import TenderState

# (endpoint, method) -> which URL arguments it takes besides bid_id
BID_ROUTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("bids.overview", "GET"): (),
    ("bids.log", "GET"): (),
    ("bids.organisation", "GET"): (),
    ("bids.organisation", "POST"): (),
    ("bids.lots", "GET"): (),
    ("bids.lots", "POST"): (),
    ("bids.requirements", "GET"): (),
    ("bids.requirements", "POST"): (),
    ("bids.coverage", "GET"): (),
    ("bids.coverage", "POST"): (),
    ("bids.network", "GET"): (),
    ("bids.network", "POST"): (),
    ("bids.subcontractors", "GET"): (),
    ("bids.subcontractors", "POST"): (),
    ("bids.plan", "GET"): ("criterion_id",),
    ("bids.plan", "POST"): ("criterion_id",),
    ("bids.receipt", "GET"): ("number",),
    ("bids.receipt_pdf", "GET"): ("number",),
    ("bids.attachment", "GET"): ("attachment_id",),
    ("bids.submit", "POST"): (),
    ("bids.withdraw", "POST"): (),
    ("bids.remove_partner", "POST"): ("partner_id",),
    ("bids.remove_subcontractor", "POST"): ("subcontractor_id",),
}
OUTSIDERS = ["inkoper", "beoordelaar", "adviesraad", "beheerder", "other provider"]


def test_every_bid_route_is_covered(app: Flask) -> None:
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("bids.") and "bid_id" in rule.arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(BID_ROUTES)


@pytest.fixture
def sealed(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    """A submitted bid on a published tender, plus one user per outsider role."""
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    owner = make_user(db, Role.PROVIDER, now=now)
    bid = make_complete_bid(
        db, tender=tender, provider=owner, now=now, storage_dir=uploads_dir(app.instance_path)
    )
    bids.add_subcontractor(
        db, bid=bid, name="Hulp BV", kvk_number="87654321", activities="x", actor=owner, now=now
    )
    bids.submit(db, bid=bid, actor=owner, now=now)
    users = {role.value: make_user(db, role, now=now) for role in Role if role != Role.PROVIDER}
    users["other provider"] = make_user(db, Role.PROVIDER, now=now)
    users["owner"] = owner
    db.commit()
    attachment = next(d.evidence for d in bid.requirement_declarations if d.evidence)
    args = {
        "criterion_id": tender.criteria[0].id,
        "number": 1,
        "attachment_id": attachment.id,
        "partner_id": bid.network_partners[0].id,
        "subcontractor_id": bid.subcontractors[0].id,
    }
    with app.test_request_context():
        urls = {
            (endpoint, method): url_for(
                endpoint, bid_id=bid.id, **{name: args[name] for name in names}
            )
            for (endpoint, method), names in BID_ROUTES.items()
        }
    result = {
        "db": db,
        "tender_id": tender.id,
        "bid_id": bid.id,
        "users": {k: u.id for k, u in users.items()},
        "urls": urls,
    }
    clock.set_clock(lambda: now)
    yield result
    db.close()


def _refusals(db) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "bid.access_refused")
    )


def _counted(db) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.coalesce(func.sum(RefusedHit.count), 0)))


@pytest.mark.parametrize("state", [TenderState.PUBLISHED, TenderState.CLOSED])
def test_no_outsider_reaches_bid_content_before_opening(app: Flask, sealed, state) -> None:  # type: ignore[no-untyped-def]
    db = sealed["db"]
    if state == TenderState.CLOSED:
        from tender.tenders.models import Tender

        db.get(Tender, sealed["tender_id"]).state = state
        db.commit()
    failures = []
    for who in [*OUTSIDERS, "anonymous"]:
        for (endpoint, method), url in sealed["urls"].items():
            client = app.test_client()
            if who != "anonymous":
                login(client, db.get(User, sealed["users"][who]))
            before, counted = _refusals(db), _counted(db)
            response = client.open(url, method=method)
            expected = 302 if who == "anonymous" else 403
            if response.status_code != expected:
                failures.append((who, endpoint, response.status_code))
            if who == "anonymous":
                assert "/inloggen" in response.headers["Location"]
            # An anonymous address's first refusal of the hour is audited, the rest counted.
            audited = who != "anonymous" or (endpoint, method) == next(iter(sealed["urls"]))
            if _refusals(db) != before + audited:
                failures.append((who, endpoint, "audit events"))
            if _counted(db) != counted + 1:
                failures.append((who, endpoint, "not counted"))
            if b"Wij bieden begeleiding" in response.data:
                failures.append((who, endpoint, "plan text leaked"))
    assert failures == []


def test_owner_reaches_its_own_bid(app: Flask, sealed) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, sealed["db"].get(User, sealed["users"]["owner"]))
    for (endpoint, method), url in sealed["urls"].items():
        if method == "GET":
            assert client.get(url).status_code == 200, endpoint
    views = sealed["db"].scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "bid.view")
    )
    assert views == sum(1 for _endpoint, method in sealed["urls"] if method == "GET")


def test_guessed_ids_of_missing_bids_answer_404_and_are_audited(app: Flask, sealed) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, sealed["db"].get(User, sealed["users"]["other provider"]))
    before = _refusals(sealed["db"])
    for guess in range(sealed["bid_id"] + 1, sealed["bid_id"] + 4):
        assert client.get(f"/inschrijvingen/{guess}").status_code == 404
    assert _refusals(sealed["db"]) == before + 3


def test_owner_cannot_reach_another_bids_attachment_through_its_own_bid(
    app: Flask,
    sealed,
    now: datetime,  # type: ignore[no-untyped-def]
) -> None:
    db = sealed["db"]
    other = db.get(User, sealed["users"]["other provider"])
    from tender.tenders.models import Tender

    tender = db.get(Tender, sealed["tender_id"])
    other_bid = make_complete_bid(
        db, tender=tender, provider=other, now=now, storage_dir=uploads_dir(app.instance_path)
    )
    db.commit()
    other_attachment = next(d.evidence for d in other_bid.requirement_declarations if d.evidence)
    client = app.test_client()
    login(client, db.get(User, sealed["users"]["owner"]))
    url = f"/inschrijvingen/{sealed['bid_id']}/bijlagen/{other_attachment.id}"
    assert client.get(url).status_code == 404
    criterion = tender.criteria[0].id
    assert client.get(f"/inschrijvingen/{other_bid.id}/plannen/{criterion}").status_code == 403
    partner = other_bid.network_partners[0].id
    response = client.post(f"/inschrijvingen/{sealed['bid_id']}/netwerk/{partner}/verwijderen")
    assert response.status_code == 404
    assert len(other_bid.network_partners) == 2


def test_officer_sees_only_the_count_before_opening(app: Flask, sealed) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, sealed["db"].get(User, sealed["users"]["inkoper"]))
    html = client.get(f"/aanbestedingen/{sealed['tender_id']}").get_data(as_text=True)
    assert "Ontvangen inschrijvingen" in html and "verzegeld tot de opening" in html
    assert "Wij bieden begeleiding" not in html
