"""The progress page at a glance: per bid and member, the scores given, the bands and the
consensus, from aggregate queries and the stored outcome (issue 16)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import factories
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from statements import scaled_tender

from tender.accounts.models import User
from tender.bids.models import Bid, BidStatus
from tender.evaluation import service
from tender.evaluation.models import ConsensusScore, Score

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def test_the_progress_page_shows_each_band_scores_and_consensus(
    app: Flask, session: Session
) -> None:
    tender = scaled_tender(app, session, NOW, bids=5, phase="scored")
    client = app.test_client()
    factories.login(
        client, session.scalars(select(User).where(User.email == "inkoper@demo.example")).one()
    )
    page = client.get(f"/aanbestedingen/{tender.id}/voortgang").get_data(as_text=True)

    members = service.committee(session, tender)
    excluded = service.excluded_bid_ids(session, tender)
    bids = session.scalars(
        select(Bid)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
        .order_by(Bid.blind_number)
    ).all()
    criteria = len(tender.criteria)
    bands = 0
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, flags=re.S)
    assert len(rows) == len(bids)
    for bid, row in zip(bids, rows, strict=True):
        assert bid.blind_code in row
        if bid.id in excluded:
            assert "uitgesloten" in row
            continue
        cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
        for member, cell in zip(members, cells, strict=False):
            banded = member.declaration is not None and bid.organisation_id in {
                o.id for o in member.declaration.conflicts
            }
            if banded:
                bands += 1
                assert cell == "n.v.t. (belangenverstrengeling)"
                continue
            given = session.scalar(
                select(func.count(Score.id)).where(
                    Score.bid_id == bid.id,
                    Score.evaluator_id == member.user_id,
                    Score.set_aside_at.is_(None),
                )
            )
            assert cell == f"{given} / {criteria}"
        agreed = session.scalar(
            select(func.count(ConsensusScore.id)).where(
                ConsensusScore.bid_id == bid.id, ConsensusScore.reopened_at.is_(None)
            )
        )
        assert cells[-1] == f"{agreed} / {criteria}"
    assert bands == 1  # the demo's third evaluator has a band with the second bidder
