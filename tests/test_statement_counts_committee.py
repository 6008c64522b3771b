"""Statements per committee and award page do not grow with the number of bids (issue 16).

Each page is requested at 5 and at 50 bids of the scored demo tender; the counts must be
equal and stay under the page's budget. The same holds for the award decision's snapshot.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from sqlalchemy import select

from tender.accounts.models import User
from tender.award.outcome import tender_outcome
from tender.award.service import build_snapshot, decision_problems
from tender.bids.models import Bid, BidStatus
from tender.tenders.models import Tender
from tests import factories
from tests.conftest import _empty_all_tables
from tests.statements import counted, scaled_tender

ORDINARY = 15
LISTS_EVERY_BID = 25


def _user(session, local_part: str) -> User:  # type: ignore[no-untyped-def]
    return session.scalars(select(User).where(User.email.startswith(f"{local_part}@"))).one()


def _page_counts(app: Flask, now: datetime, bids: int) -> dict[str, int]:
    session = app.extensions["tender.sessionmaker"]()
    try:
        tender = scaled_tender(app, session, now, bids=bids, phase="scored")
        first = session.scalars(
            select(Bid)
            .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
            .order_by(Bid.id)  # the first bid passes its requirement check (demo)
        ).first()
        assert first is not None
        pages = {
            "inkoper": {
                "opening": f"/aanbestedingen/{tender.id}/opening",
                "requirement check": f"/aanbestedingen/{tender.id}/eisen/{first.id}",
                "award": f"/aanbestedingen/{tender.id}/gunning",
                "award advice": f"/aanbestedingen/{tender.id}/gunning/advies",
            },
            "beoordelaar1": {
                "committee home": f"/beoordelen/{tender.id}/",
                "scoring": f"/beoordelen/{tender.id}/inschrijving/{first.blind_number}",
                "consensus": f"/beoordelen/{tender.id}/consensus/{first.blind_number}",
            },
        }
        users = {name: _user(session, name) for name in pages}
        tender_id = tender.id
    finally:
        session.close()
    counts: dict[str, int] = {}
    for name, urls in pages.items():
        client = app.test_client()
        factories.login(client, users[name])
        for page, url in urls.items():
            client.get(url)  # warm-up: first-request caches do not count
            with counted(app) as statements:
                response = client.get(url)
            assert response.status_code == 200, (page, response.status_code)
            counts[page] = len(statements)
    session = app.extensions["tender.sessionmaker"]()
    try:
        tender = session.get(Tender, tender_id)
        assert tender is not None
        with counted(app) as statements:
            # What preparing the advice computes before it freezes the snapshot.
            data = tender_outcome(session, tender)
            decision_problems(session, tender, data)
            snapshot = build_snapshot(session, data, now=now)
        assert len(snapshot["bids"]) == bids
        counts["snapshot"] = len(statements)
    finally:
        session.close()
    return counts


def test_committee_and_award_pages_issue_the_same_statements_at_5_and_50_bids(
    app: Flask, database_url: str, now: datetime
) -> None:
    small = _page_counts(app, now, 5)
    _empty_all_tables(database_url)
    large = _page_counts(app, now, 50)
    assert large == small
    budgets = {page: ORDINARY for page in small} | {
        "committee home": LISTS_EVERY_BID,
        "award advice": LISTS_EVERY_BID,
        "snapshot": None,  # not a page: constant is what counts
    }
    assert {p: c for p, c in large.items() if budgets[p] is not None and c > budgets[p]} == {}
