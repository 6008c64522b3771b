"""Opening (four-eyes), requirement checks, declarations, blind scoring, consensus."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from factories import (
    login,
    make_committee,
    make_opened_tender,
    make_published_tender,
    make_user,
    sign_declaration,
)
from flask import Flask
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from tender import clock
from tender.accounts.models import Role
from tender.audit import AuditEvent
from tender.documents.models import Document
from tender.evaluation import service as evaluation
from tender.evaluation.models import ConsensusScore
from tender.tenders.models import TenderState

MOTIVATION = "Het plan is concreet, goed onderbouwd en sluit aan bij de aandachtspunten."


@pytest.fixture
def opened(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    db = app.extensions["tender.sessionmaker"]()
    tender, providers, officers, opened_at = make_opened_tender(
        db, now=now, bids=3, instance_path=app.instance_path
    )
    members = make_committee(db, tender=tender, officer=officers[0], now=opened_at)
    db.commit()
    clock.set_clock(lambda: opened_at + timedelta(hours=1))
    yield {
        "db": db,
        "tender": tender,
        "providers": providers,
        "officers": officers,
        "members": members,
        "when": opened_at + timedelta(hours=1),
        "bids": sorted(evaluation.received_bids(db, tender), key=lambda b: b.blind_number),
    }
    db.close()


def test_opening_needs_two_different_officers(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    first = make_user(db, Role.PROCUREMENT_OFFICER, now=now)
    with pytest.raises(evaluation.EvaluationError, match="gesloten"):
        evaluation.start_opening(db, tender=tender, actor=first, now=now)
    after = tender.submission_deadline
    from tender.tenders import service as tenders

    tenders.close_if_due(db, tender=tender, now=after)
    evaluation.start_opening(db, tender=tender, actor=first, now=after)
    with pytest.raises(evaluation.EvaluationError, match="vier-ogen"):
        evaluation.confirm_opening(
            db,
            tender=tender,
            actor=first,
            now=after,
            storage_dir=app.instance_path,
            uploads_dir=app.instance_path,
        )
    assert tender.state == TenderState.CLOSED
    db.close()


def test_opening_assigns_blind_codes_and_writes_the_record(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    tender, bids, db = opened["tender"], opened["bids"], opened["db"]
    assert tender.state == TenderState.OPENED
    numbers = [b.blind_number for b in bids]
    assert len(set(numbers)) == 3 and all(1 <= n <= 99 for n in numbers)
    assert tender.opening_started_by_id != tender.opened_by_id
    record = db.scalar(select(Document).where(Document.kind == "opening_record"))
    client = app.test_client()
    login(client, opened["officers"][0])
    response = client.get(f"/aanbestedingen/{tender.id}/opening/proces-verbaal.pdf")
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    for bid in bids:
        assert bid.organisation_name in text and bid.digest in text and bid.blind_code in text
    assert record.sha256 and len(response.data) == record.size_bytes


def _sign_all(opened, conflict_for=None):  # type: ignore[no-untyped-def]
    db = opened["db"]
    for index, member in enumerate(opened["members"]):
        bands = (
            {conflict_for.kvk_number: "Mijn partner werkt bij deze organisatie."}
            if conflict_for is not None and index == 2
            else {}
        )
        sign_declaration(db, member=member, now=opened["when"], bands=bands)
    db.commit()


def test_no_bid_content_before_the_declaration(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    member, bid, tender = opened["members"][1], opened["bids"][0], opened["tender"]
    assert not evaluation.may_read_bid(member, bid, set())
    client = app.test_client()
    login(client, member.user)
    home = client.get(f"/beoordelen/{tender.id}/").get_data(as_text=True)
    assert "Verklaring ondertekenen" in home and bid.blind_code not in home
    response = client.get(f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}")
    assert response.status_code == 403
    assert b"voorliggend veld" not in response.data
    refused = opened["db"].scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "bid.access_refused")
    )
    assert refused == 1


def test_conflict_keeps_the_evaluator_away_from_that_bid(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    conflicted_bid = opened["bids"][0]
    _sign_all(opened, conflict_for=conflicted_bid)
    member = opened["members"][2]
    assert not evaluation.may_read_bid(member, conflicted_bid, set())
    assert evaluation.may_read_bid(member, opened["bids"][1], set())
    client = app.test_client()
    login(client, member.user)
    tender = opened["tender"]
    url = f"/beoordelen/{tender.id}/inschrijving/{conflicted_bid.blind_number}"
    # Answered like a number that does not exist (404 parity: test_committee_404_parity).
    assert client.get(url).status_code == 404
    assert (
        client.get(f"/beoordelen/{tender.id}/consensus/{conflicted_bid.blind_number}").status_code
        == 404
    )
    home = client.get(f"/beoordelen/{tender.id}/").get_data(as_text=True)
    assert conflicted_bid.blind_code not in home and opened["bids"][1].blind_code in home

    assert [m.user_id for m in evaluation.evaluators_for(opened["members"], conflicted_bid)] == [
        m.user_id for m in opened["members"][:2]
    ]


def test_evaluator_pages_never_show_who_the_bidder_is(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    _sign_all(opened)
    tender, db = opened["tender"], opened["db"]
    chair = opened["members"][0]
    client = app.test_client()
    login(client, chair.user)
    # The declaration and the committee home ("band melden") name the bidding organisations
    # on purpose, alphabetically and apart from the codes: tests/test_conflicts.py.
    pages = ["/beoordelaar"]
    for bid in opened["bids"]:
        pages += [
            f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}",
            f"/beoordelen/{tender.id}/consensus/{bid.blind_number}",
        ]
    pages.append(f"/aanbestedingen/{tender.id}/voortgang")
    secrets = []
    for bid in opened["bids"]:
        organisation = bid.organisation
        domain = organisation.website.split("//")[1]
        secrets += [organisation.name, organisation.kvk_number, domain, bid.organisation_name]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in html, (page, secret)
    first = opened["bids"][0].blind_number
    score_page = client.get(f"/beoordelen/{tender.id}/inschrijving/{first}").get_data(as_text=True)
    assert "[naam inschrijver]" in score_page  # the plan text named the bidder; it is redacted
    del db


def _score_all(opened, bid, members=None, score=6):  # type: ignore[no-untyped-def]
    db = opened["db"]
    for member in members or opened["members"]:
        for criterion in opened["tender"].criteria:
            evaluation.save_score(
                db,
                member=member,
                bid=bid,
                criterion=criterion,
                score=score,
                motivation=MOTIVATION,
                minimum_motivation=50,
                excluded=set(),
                now=opened["when"],
            )
    db.commit()


def test_scores_need_a_scale_score_and_a_motivation(opened) -> None:  # type: ignore[no-untyped-def]
    _sign_all(opened)
    member, bid, criterion = opened["members"][1], opened["bids"][0], opened["tender"].criteria[0]
    common = dict(
        member=member, bid=bid, criterion=criterion, minimum_motivation=50, excluded=set()
    )
    with pytest.raises(evaluation.EvaluationError, match="beoordelingsschaal"):
        evaluation.save_score(
            opened["db"], score=5, motivation=MOTIVATION, now=opened["when"], **common
        )
    with pytest.raises(evaluation.EvaluationError, match="minstens 50 tekens"):
        evaluation.save_score(
            opened["db"], score=6, motivation="Goed.", now=opened["when"], **common
        )
    evaluation.save_score(
        opened["db"], score=6, motivation=MOTIVATION, now=opened["when"], **common
    )


def test_evaluators_see_only_their_own_scores_until_consensus(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    _sign_all(opened)
    bid, tender = opened["bids"][0], opened["tender"]
    secret = "Mijn eigen geheime motivering die niemand anders mag zien, met genoeg tekens."
    evaluation.save_score(
        opened["db"],
        member=opened["members"][1],
        bid=bid,
        criterion=tender.criteria[0],
        score=8,
        motivation=secret,
        minimum_motivation=50,
        excluded=set(),
        now=opened["when"],
    )
    opened["db"].commit()
    other = app.test_client()
    login(other, opened["members"][2].user)
    html = other.get(f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}").get_data(
        as_text=True
    )
    assert secret not in html
    response = other.get(f"/beoordelen/{tender.id}/consensus/{bid.blind_number}")
    assert response.status_code == 302  # not open yet: back to the own scoring page
    _score_all(opened, bid)
    consensus_page = other.get(f"/beoordelen/{tender.id}/consensus/{bid.blind_number}")
    assert consensus_page.status_code == 200
    assert MOTIVATION in consensus_page.get_data(as_text=True)  # side by side in consensus


def test_two_consensus_edits_from_the_same_version_second_refused(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    _sign_all(opened)
    bid, tender = opened["bids"][0], opened["tender"]
    _score_all(opened, bid)
    chair = opened["members"][0]
    criterion = tender.criteria[0]
    first, second = app.test_client(), app.test_client()
    login(first, chair.user)
    login(second, chair.user)
    url = f"/beoordelen/{tender.id}/consensus/{bid.blind_number}"
    base = {"criterion_id": str(criterion.id), "version": ""}
    one = first.post(url, data={**base, "score": "6", "motivation": "Eerste: " + MOTIVATION})
    assert one.status_code == 302
    two = second.post(url, data={**base, "score": "8", "motivation": "Tweede: " + MOTIVATION})
    assert two.status_code == 409
    html = two.get_data(as_text=True)
    assert "intussen door iemand anders" in html
    assert "Tweede: " + MOTIVATION in html  # nothing typed is lost
    opened["db"].expire_all()
    stored = opened["db"].scalar(select(ConsensusScore))
    assert stored.score == 6 and stored.motivation.startswith("Eerste") and stored.version == 1
    three = second.post(
        url, data={**base, "version": "1", "score": "8", "motivation": "Derde: " + MOTIVATION}
    )
    assert three.status_code == 302
    opened["db"].expire_all()
    assert opened["db"].scalar(select(ConsensusScore)).version == 2


def test_service_refuses_stale_version(opened) -> None:  # type: ignore[no-untyped-def]
    _sign_all(opened)
    bid, criterion, db = opened["bids"][0], opened["tender"].criteria[0], opened["db"]
    _score_all(opened, bid)
    common = dict(
        member=opened["members"][0],
        bid=bid,
        criterion=criterion,
        minimum_motivation=50,
        excluded=set(),
        is_open=True,
        now=opened["when"],
    )
    evaluation.record_consensus(db, score=6, motivation=MOTIVATION, expected_version=None, **common)
    with pytest.raises(evaluation.ConcurrentEdit):
        evaluation.record_consensus(
            db, score=8, motivation=MOTIVATION, expected_version=None, **common
        )
    with pytest.raises(evaluation.EvaluationError, match="consensusscore al vastgelegd"):
        evaluation.save_score(
            db,
            member=opened["members"][1],
            bid=bid,
            criterion=criterion,
            score=2,
            motivation=MOTIVATION,
            minimum_motivation=50,
            excluded=set(),
            now=opened["when"],
        )


def test_failed_requirement_excludes_and_completion_needs_full_consensus(opened) -> None:  # type: ignore[no-untyped-def]
    _sign_all(opened)
    db, tender, officer = opened["db"], opened["tender"], opened["officers"][0]
    failing, *others = opened["bids"]
    for bid in opened["bids"]:
        for requirement in tender.requirements:
            fail = bid is failing and requirement is tender.requirements[0]
            if fail:
                with pytest.raises(evaluation.EvaluationError, match="reden"):
                    evaluation.record_requirement_check(
                        db, bid=bid, requirement=requirement, complies=False, reason="",
                        actor=officer, now=opened["when"],
                    )  # fmt: skip
            evaluation.record_requirement_check(
                db,
                bid=bid,
                requirement=requirement,
                complies=not fail,
                reason="Uittreksel ontbreekt in de inschrijving." if fail else "",
                actor=officer,
                now=opened["when"],
            )
    assert evaluation.excluded_bid_ids(db, tender) == {failing.id}
    assert not evaluation.may_read_bid(opened["members"][0], failing, {failing.id})
    with pytest.raises(evaluation.EvaluationError, match="consensus ontbreekt"):
        evaluation.complete_evaluation(db, tender=tender, actor=officer, now=opened["when"])
    for bid in others:
        _score_all(opened, bid)
        for criterion in tender.criteria:
            evaluation.record_consensus(
                db,
                member=opened["members"][0],
                bid=bid,
                criterion=criterion,
                score=6,
                motivation=MOTIVATION,
                expected_version=None,
                minimum_motivation=50,
                excluded={failing.id},
                is_open=True,
                now=opened["when"],
            )
    evaluation.complete_evaluation(db, tender=tender, actor=officer, now=opened["when"])
    assert tender.state == TenderState.EVALUATED


def test_exports_contain_every_score(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    _sign_all(opened)
    bid, tender = opened["bids"][0], opened["tender"]
    _score_all(opened, bid)
    evaluation.record_consensus(
        opened["db"],
        member=opened["members"][0],
        bid=bid,
        criterion=tender.criteria[0],
        score=8,
        motivation='=HYPERLINK("x") ' + MOTIVATION,
        expected_version=None,
        minimum_motivation=50,
        excluded=set(),
        is_open=True,
        now=opened["when"],
    )
    opened["db"].commit()
    client = app.test_client()
    login(client, opened["officers"][0])
    base = f"/aanbestedingen/{tender.id}/export"
    individual = client.get(f"{base}/individueel").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(individual), delimiter=";"))
    assert rows[0][0] == "Inschrijving" and len(rows) == 1 + 3 * len(tender.criteria)
    assert all(row[6] == MOTIVATION for row in rows[1:])
    text = client.get(f"{base}/consensus").data.decode("utf-8-sig")
    consensus = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert consensus[1][4] == "8" and consensus[1][5].startswith("'=HYPERLINK")
    workbook = load_workbook(io.BytesIO(client.get(f"{base}/xlsx").data))
    assert workbook.sheetnames == ["Uitslag per perceel", "Individuele scores", "Consensusscores"]
    assert workbook["Individuele scores"].max_row == 1 + 3 * len(tender.criteria)
    assert workbook["Consensusscores"]["E2"].value == 8


def test_officer_changes_the_chair_and_removes_a_member(opened, app: Flask) -> None:  # type: ignore[no-untyped-def]
    tender, db = opened["tender"], opened["db"]
    first, second, third = opened["members"]
    client = app.test_client()
    login(client, opened["officers"][0])
    base = f"/aanbestedingen/{tender.id}/commissie"
    done = client.post(f"{base}/{second.id}/voorzitter", follow_redirects=True)
    assert f"{second.user.name} is voorzitter." in done.get_data(as_text=True)
    removed = client.post(f"{base}/{third.id}/verwijderen", follow_redirects=True)
    assert "is uit de commissie verwijderd" in removed.get_data(as_text=True)
    db.expire_all()
    members = evaluation.committee(db, tender)
    assert [(m.id, m.is_chair) for m in members] == [(first.id, False), (second.id, True)]


def test_a_gap_in_the_codes_does_not_tell_which_bid_is_kept_away(opened) -> None:  # type: ignore[no-untyped-def]
    """Codes are drawn from a range ten times the number of bids: a member who sees the
    other codes has at least 9 in 10 of the range left as candidates for the hidden one."""
    seen = {b.blind_number for b in opened["bids"][1:]}
    candidates = set(range(1, evaluation.blind_number_range(len(opened["bids"])) + 1)) - seen
    assert opened["bids"][0].blind_number in candidates
    assert len(candidates) >= 9 * len(opened["bids"])


@pytest.mark.parametrize(("count", "upper"), [(1, 99), (9, 99), (10, 999), (99, 999), (100, 9999)])
def test_blind_numbers_are_distinct_and_drawn_from_a_sparse_range(count: int, upper: int) -> None:
    assert evaluation.blind_number_range(count) == upper
    numbers = evaluation.draw_blind_numbers(count)
    assert len(set(numbers)) == count and all(1 <= n <= upper for n in numbers)
