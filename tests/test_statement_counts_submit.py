"""A submission's server work does not grow with the submissions before it (issue 16).

Resubmitting until the deadline is normal; the twelfth submit of a bid must cost what
the second costs: the same statements, none of which reads an earlier submission's
canonical form (the digest is over the working copy; the number is the highest so far
plus one), and none of which reads the tender's lots, municipalities, target groups,
requirements or criteria again (frozen since publication, kept per process). The count
also stays within a fixed bound.
"""

from __future__ import annotations

import re

from factories import login
from flask import Flask
from sqlalchemy import func, select
from statements import counted

from tender.accounts.models import User
from tender.bids.models import BidSubmission

# Access checks (user, bid), the lock with the bid's tender, the bid's content, the next
# number, the writes, the audit chain's lock (once) and its event; the tender's frozen
# parts come from the process's copy (``tender.tenders.parts``).
MOST = 14  # 13 on PostgreSQL; SQLite locks the bid by an UPDATE, then reads it
READS_A_CANONICAL_FORM = re.compile(r"SELECT\b[^;]*\bbid_submission\.canonical\b", re.S)
READS_A_TENDER_PART = re.compile(r"\bFROM (lot|municipality|target_group|requirement|criterion)\b")


def test_the_twelfth_submit_costs_what_the_second_does(
    app: Flask, submittable_bid: tuple[int, User]
) -> None:
    bid_id, provider = submittable_bid
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
    assert not [s for s in twelfth if READS_A_TENDER_PART.search(s)], "\n".join(twelfth)
    with app.extensions["tender.sessionmaker"]() as db:
        assert db.scalar(select(func.max(BidSubmission.number))) == 12
