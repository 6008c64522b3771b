"""A submission's server work does not grow with the submissions before it (issue 16).

Resubmitting until the deadline is normal; the twelfth submit of a bid must cost what
the second costs: the same statements, none of which reads an earlier submission's
canonical form (the digest is over the working copy; the number is the highest so far
plus one). The count also stays within a fixed bound.
"""

from __future__ import annotations

import re
from datetime import datetime

from factories import login, make_complete_bid, make_published_tender, make_user
from flask import Flask
from sqlalchemy import func, select
from statements import counted

from tender import clock
from tender.accounts.models import Role
from tender.bids import uploads
from tender.bids.models import BidSubmission

# Access checks (user, bid, tender), the lock, the bid's content and the tender's parts,
# the next number, the writes and the audit event.
MOST = 20
READS_A_CANONICAL_FORM = re.compile(r"SELECT\b[^;]*\bbid_submission\.canonical\b", re.S)


def test_the_twelfth_submit_costs_what_the_second_does(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    provider = make_user(db, Role.PROVIDER, now=now)
    bid = make_complete_bid(
        db,
        tender=tender,
        provider=provider,
        now=now,
        storage_dir=uploads.uploads_dir(app.instance_path),
    )
    db.commit()
    bid_id = bid.id
    clock.set_clock(lambda: now)
    client = app.test_client()
    login(client, provider)
    url = f"/inschrijvingen/{bid_id}/indienen"

    def submit() -> list[str]:
        with counted(app) as statements:
            answer = client.post(url, data={"understood": "y"})
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith(f"/inschrijvingen/{bid_id}/ontvangst")
        return statements.statements

    submit()
    second = submit()
    for _ in range(9):
        submit()
    twelfth = submit()

    assert len(twelfth) == len(second) <= MOST, "\n".join(twelfth)
    assert not [s for s in twelfth if READS_A_CANONICAL_FORM.search(s)]
    assert db.scalar(select(func.max(BidSubmission.number))) == 12
    db.close()
