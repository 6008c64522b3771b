"""Individual scores freeze once the consensus on their criterion is recorded; the chair
can reopen that consensus with a reason (audited), which unfreezes them until the
consensus is recorded again. A reopened consensus counts as not agreed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from factories import login, make_committee, make_opened_tender, sign_declaration
from flask import Flask
from sqlalchemy import select

from tender import clock
from tender.audit import AuditEvent
from tender.award import outcome
from tender.bids.submitted import received_versions
from tender.evaluation import service as evaluation
from tender.evaluation.models import ConsensusScore, Score
from tender.tenders.models import TenderState

MOTIVATION = "Het plan is concreet, goed onderbouwd en sluit aan bij de aandachtspunten."
REASON = "Beoordelaar 2 las een verouderde versie van de bijlage."


@pytest.fixture
def scored(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    """An opened tender with two bids, a signed committee of three and every individual
    score of the first bid in (its consensus phase is open)."""
    db = app.extensions["tender.sessionmaker"]()
    tender, _providers, officers, opened_at = make_opened_tender(
        db, now=now, bids=2, instance_path=app.instance_path
    )
    members = make_committee(db, tender=tender, officer=officers[0], now=opened_at)
    when = opened_at + timedelta(hours=1)
    for member in members:
        sign_declaration(db, member=member, now=when)
    bids = sorted(evaluation.received_bids(db, tender), key=lambda b: b.blind_number)
    for member in members:
        for criterion in tender.criteria:
            save(db, member, bids[0], criterion, when, score=6)
    db.commit()
    clock.set_clock(lambda: when)
    yield {
        "db": db,
        "tender": tender,
        "officer": officers[0],
        "chair": members[0],
        "members": members,
        "bid": bids[0],
        "criterion": tender.criteria[0],
        "when": when,
    }
    db.close()


def save(db, member, bid, criterion, when, *, score: int, motivation: str = MOTIVATION):  # type: ignore[no-untyped-def]
    return evaluation.save_score(
        db,
        member=member,
        bid=bid,
        criterion=criterion,
        score=score,
        motivation=motivation,
        minimum_motivation=50,
        excluded=set(),
        now=when,
    )


def agree(s, criterion=None, *, expected_version=None, score: int = 6):  # type: ignore[no-untyped-def]
    return evaluation.record_consensus(
        s["db"],
        member=s["chair"],
        bid=s["bid"],
        criterion=criterion or s["criterion"],
        score=score,
        motivation=MOTIVATION,
        expected_version=expected_version,
        minimum_motivation=50,
        excluded=set(),
        is_open=True,
        now=s["when"],
    )


def reopen(s, *, version: int | None, reason: str = REASON, member=None):  # type: ignore[no-untyped-def]
    return evaluation.reopen_consensus(
        s["db"],
        member=member or s["chair"],
        bid=s["bid"],
        criterion=s["criterion"],
        reason=reason,
        expected_version=version,
        excluded=set(),
        now=s["when"],
    )


def own_score(db, member, bid, criterion) -> Score:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(
        select(Score).where(
            Score.bid_id == bid.id,
            Score.criterion_id == criterion.id,
            Score.evaluator_id == member.user_id,
        )
    )


# -- the service rule ---------------------------------------------------------------------------


def test_recorded_consensus_freezes_every_individual_score_of_that_criterion(scored) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agree(s)
    s["db"].commit()
    for member in s["members"]:
        with pytest.raises(evaluation.ScoreFrozen, match="consensusscore al vastgelegd"):
            save(s["db"], member, s["bid"], s["criterion"], s["when"], score=10)
        s["db"].rollback()
        assert own_score(s["db"], member, s["bid"], s["criterion"]).score == 6
    # Another criterion of the same bid is not frozen.
    save(s["db"], s["members"][1], s["bid"], s["tender"].criteria[1], s["when"], score=8)


def test_reopening_unfreezes_the_scores_until_the_consensus_is_recorded_again(scored) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agreed = agree(s)
    assert agreed.version == 1
    reopened = reopen(s, version=1)
    assert reopened.version == 2 and reopened.reopened_at is not None
    assert s["criterion"].id not in evaluation.consensus_for(s["db"], s["bid"])
    save(s["db"], s["members"][1], s["bid"], s["criterion"], s["when"], score=8)
    again = agree(s, expected_version=2, score=8)
    assert again.version == 3 and again.reopened_at is None and again.reopen_reason is None
    with pytest.raises(evaluation.ScoreFrozen):
        save(s["db"], s["members"][1], s["bid"], s["criterion"], s["when"], score=10)


def test_reopening_is_audited_with_what_was_agreed_and_why(scored) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agree(s)
    reopen(s, version=1)
    s["db"].commit()
    event = s["db"].scalar(select(AuditEvent).where(AuditEvent.action == "consensus.reopen"))
    assert event is not None and event.actor_id == s["chair"].user_id
    assert event.object_type == "bid" and event.object_id == s["bid"].id
    assert event.details["criterium"] == s["criterion"].code
    assert event.details["score"] == 6 and event.details["motivering"] == MOTIVATION
    assert event.details["heropende_versie"] == 1 and event.details["reden"] == REASON


def test_reopening_needs_the_chair_a_reason_and_an_agreed_consensus(scored) -> None:  # type: ignore[no-untyped-def]
    s = scored
    with pytest.raises(evaluation.EvaluationError, match="geen consensusscore om te heropenen"):
        reopen(s, version=None)
    agree(s)
    with pytest.raises(evaluation.EvaluationError, match="minstens 10 tekens"):
        reopen(s, version=1, reason="  te kort ")
    with pytest.raises(evaluation.EvaluationError, match="Alleen de voorzitter"):
        reopen(s, version=1, member=s["members"][1])
    reopen(s, version=1)
    with pytest.raises(evaluation.EvaluationError, match="geen consensusscore om te heropenen"):
        reopen(s, version=2)


def test_version_locking_survives_a_reopening(scored) -> None:  # type: ignore[no-untyped-def]
    """A page that showed version 1 can neither reopen after someone changed it nor
    overwrite the consensus recorded after a reopening (no lost update)."""
    s = scored
    agree(s)
    agree(s, expected_version=1, score=8)  # version 2, by another tab
    with pytest.raises(evaluation.ConcurrentEdit):
        reopen(s, version=1)
    reopen(s, version=2)  # version 3
    agree(s, expected_version=3, score=4)  # version 4
    for stale in (None, 1, 2, 3):
        with pytest.raises(evaluation.ConcurrentEdit):
            agree(s, expected_version=stale, score=10)
    s["db"].expire_all()
    stored = s["db"].scalar(select(ConsensusScore))
    assert (stored.score, stored.version) == (4, 4)


def test_a_reopened_criterion_is_not_agreed_for_the_outcome(scored) -> None:  # type: ignore[no-untyped-def]
    s = scored
    db, tender, bid = s["db"], s["tender"], s["bid"]
    for criterion in tender.criteria:
        agree(s, criterion)
    reopen(s, version=1)

    def consensus_codes() -> dict[str, int]:
        results = outcome.bid_results(db, tender, received_versions(db, tender))
        return {code: v for code, v in results[bid.id].scores.items() if v is not None}

    assert s["criterion"].code not in consensus_codes()
    assert all(c.code in consensus_codes() for c in tender.criteria[1:])
    assert any(
        bid.blind_code in p and s["criterion"].code in p
        for p in evaluation.evaluation_problems(db, tender)
    )
    assert s["criterion"].id not in {
        c.criterion_id for c in evaluation.agreed_consensus(db, tender) if c.bid_id == bid.id
    }


def test_no_reopening_after_the_evaluation_is_complete(scored) -> None:  # type: ignore[no-untyped-def]
    s = scored
    db, tender = s["db"], s["tender"]
    bids = evaluation.received_bids(db, tender)
    for bid in bids:
        for requirement in tender.requirements:
            evaluation.record_requirement_check(
                db, bid=bid, requirement=requirement, complies=True, reason="",
                actor=s["officer"], now=s["when"],
            )  # fmt: skip
    for bid in bids:
        for member in s["members"]:
            for criterion in tender.criteria:
                if bid.id != s["bid"].id:
                    save(db, member, bid, criterion, s["when"], score=6)
        for criterion in tender.criteria:
            evaluation.record_consensus(
                db, member=s["chair"], bid=bid, criterion=criterion, score=6,
                motivation=MOTIVATION, expected_version=None, minimum_motivation=50,
                excluded=set(), is_open=True, now=s["when"],
            )  # fmt: skip
    evaluation.complete_evaluation(db, tender=tender, actor=s["officer"], now=s["when"])
    assert tender.state == TenderState.EVALUATED
    with pytest.raises(evaluation.EvaluationError, match="niet meer nadat de beoordeling"):
        reopen(s, version=1)


# -- the pages ------------------------------------------------------------------------------


def _score_url(s) -> str:  # type: ignore[no-untyped-def]
    return f"/beoordelen/{s['tender'].id}/inschrijving/{s['bid'].blind_number}"


def _consensus_url(s) -> str:  # type: ignore[no-untyped-def]
    return f"/beoordelen/{s['tender'].id}/consensus/{s['bid'].blind_number}"


def _post_score(client, s, *, score: int, motivation: str):  # type: ignore[no-untyped-def]
    criterion = s["criterion"]
    return client.post(
        _score_url(s),
        data={
            "criterion_id": str(criterion.id),
            f"c{criterion.id}-score": str(score),
            f"c{criterion.id}-motivation": motivation,
        },
    )


def test_score_page_offers_no_form_for_a_frozen_criterion(scored, app: Flask) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agree(s)
    s["db"].commit()
    client = app.test_client()
    login(client, s["members"][1].user)
    html = client.get(_score_url(s)).get_data(as_text=True)
    frozen, other = s["criterion"], s["tender"].criteria[1]
    assert f"Score {frozen.code} opslaan" not in html
    assert f'name="c{frozen.id}-motivation"' not in html
    assert "liggen vast" in html
    assert f"Score {other.code} opslaan" in html


def test_posting_a_frozen_score_is_refused_and_keeps_what_was_typed(scored, app: Flask) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agree(s)
    s["db"].commit()
    member, criterion = s["members"][1], s["criterion"]
    client = app.test_client()
    login(client, member.user)
    typed = "Bij nader inzien vind ik dit plan uitstekend, met concrete afspraken per gemeente."
    response = _post_score(client, s, score=10, motivation=typed)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "consensusscore al vastgelegd" in html and "niet opgeslagen" in html
    assert typed in html
    assert own_score(s["db"], member, s["bid"], criterion).score == 6


def test_chair_reopens_on_the_consensus_page_and_the_score_form_returns(scored, app: Flask) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agree(s)
    s["db"].commit()
    criterion = s["criterion"]
    chair = app.test_client()
    login(chair, s["chair"].user)
    page = chair.get(_consensus_url(s)).get_data(as_text=True)
    assert f"Consensus {criterion.code} heropenen" in page
    member = app.test_client()
    login(member, s["members"][1].user)
    assert f"Consensus {criterion.code} heropenen" not in member.get(_consensus_url(s)).get_data(
        as_text=True
    )
    reopen_url = _consensus_url(s) + "/heropenen"
    short = chair.post(
        reopen_url, data={"criterion_id": str(criterion.id), "version": "1", "reason": "kort"}
    )
    assert short.status_code == 200
    html = short.get_data(as_text=True)
    assert "minstens 10" in html and ">kort</textarea>" in html
    assert s["criterion"].id in evaluation.consensus_for(s["db"], s["bid"])
    done = chair.post(
        reopen_url, data={"criterion_id": str(criterion.id), "version": "1", "reason": REASON}
    )
    assert done.status_code == 302
    page = chair.get(_consensus_url(s)).get_data(as_text=True)
    assert "Consensus heropend" in page and REASON in page
    assert f"Score {criterion.code} opslaan" in member.get(_score_url(s)).get_data(as_text=True)
    assert _post_score(member, s, score=8, motivation=MOTIVATION).status_code == 302
    assert own_score(s["db"], s["members"][1], s["bid"], criterion).score == 8


def test_a_stale_reopen_form_is_refused_and_keeps_the_reason(scored, app: Flask) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agree(s)
    agree(s, expected_version=1, score=8)
    s["db"].commit()
    chair = app.test_client()
    login(chair, s["chair"].user)
    response = chair.post(
        _consensus_url(s) + "/heropenen",
        data={"criterion_id": str(s["criterion"].id), "version": "1", "reason": REASON},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "intussen gewijzigd" in html and REASON in html
    assert s["criterion"].id in evaluation.consensus_for(s["db"], s["bid"])


def test_only_the_chair_may_post_a_reopening(scored, app: Flask) -> None:  # type: ignore[no-untyped-def]
    s = scored
    agree(s)
    s["db"].commit()
    member = app.test_client()
    login(member, s["members"][1].user)
    response = member.post(
        _consensus_url(s) + "/heropenen",
        data={"criterion_id": str(s["criterion"].id), "version": "1", "reason": REASON},
    )
    assert response.status_code == 403
    assert s["criterion"].id in evaluation.consensus_for(s["db"], s["bid"])
