"""A full tie on the cut-off of a ranked lot is decided by a recorded draw, never silently."""

from __future__ import annotations

from datetime import datetime

import pytest
from factories import login, make_tied_ranked_tender
from flask import Flask
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import clock
from tender.award import service as award
from tender.award.outcome import tender_outcome


@pytest.fixture
def tied(app: Flask, session: Session, now: datetime):  # type: ignore[no-untyped-def]
    """Five bids on lot HERSTEL (4 places) with identical consensus scores."""
    result = make_tied_ranked_tender(session, now=now, instance_path=app.instance_path)
    session.commit()
    return result


def test_decision_waits_for_the_draw_and_the_draw_decides(session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    data = tender_outcome(session, tender)
    assert set(data.outcome.unresolved_ties["HERSTEL"]) == {b.id for b in bids}
    problems = award.decision_problems(session, tender, data)
    assert any("loting" in p for p in problems)
    ids = [b.id for b in bids]
    with pytest.raises(award.AwardError, match="precies één plaats"):
        award.record_draw(
            session, tender=tender, lot_code="HERSTEL", order=ids[:4], note="Notaris X, 1 dec.",
            actor=officer, now=when,
        )  # fmt: skip
    with pytest.raises(award.AwardError, match="geen gelijke stand"):
        award.record_draw(
            session, tender=tender, lot_code="OUDEREN", order=ids, note="Notaris X, 1 dec.",
            actor=officer, now=when,
        )  # fmt: skip
    drawn = list(reversed(ids))
    award.record_draw(
        session, tender=tender, lot_code="HERSTEL", order=drawn,
        note="Loting door notaris X op 1 december.", actor=officer, now=when,
    )  # fmt: skip
    outcome = tender_outcome(session, tender).outcome
    assert "HERSTEL" not in outcome.unresolved_ties
    assert set(outcome.awarded("HERSTEL")) == set(drawn[:4])
    loser = outcome.for_bid(drawn[4]).lot("HERSTEL")
    assert not loser.awarded and any(reason.drawn for reason in loser.reasons)
    decide_all_gaps(session, tender, officer, when)
    decision = award.decide_award(session, tender=tender, actor=officer, now=when)
    assert decision.snapshot["draws"][0]["lot"] == "HERSTEL"
    with pytest.raises(award.AwardError, match="vóór de gunningsbeslissing"):
        award.record_draw(
            session, tender=tender, lot_code="HERSTEL", order=ids,
            note="Opnieuw geloot, te laat.", actor=officer, now=when,
        )  # fmt: skip


def test_draw_through_the_award_page(app: Flask, session: Session, tied) -> None:  # type: ignore[no-untyped-def]
    tender, officer, bids, when = tied
    clock.set_clock(lambda: when)
    client = app.test_client()
    login(client, officer)
    page = client.get(f"/aanbestedingen/{tender.id}/gunning").get_data(as_text=True)
    assert "Loting in perceel HERSTEL" in page
    data = {f"plaats-{bid.id}": str(place) for place, bid in enumerate(bids, start=1)}
    response = client.post(
        f"/aanbestedingen/{tender.id}/gunning/loting",
        data={**data, "lot": "HERSTEL", "note": "Loting door notaris X op 1 december."},
        follow_redirects=True,
    )
    assert "De uitslag van de loting is vastgelegd." in response.get_data(as_text=True)
    assert "HERSTEL" not in tender_outcome(session, tender).outcome.unresolved_ties
