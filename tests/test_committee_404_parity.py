"""A bid a committee member may not see answers exactly like a bid that does not exist.

For every route under /beoordelen/ with a blind number, GET and POST: a bid the member
declared a conflict with, and a bid excluded after a failed requirement, give the same
status (404), the same bytes and the same headers as a number that does not exist;
the same SQL statements run and the same audit event is written. Otherwise the
answer would tell the member which code belongs to the organisation it named.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import itsdangerous
import pytest
from factories import login, make_committee, make_opened_tender, sign_declaration
from flask import Flask, url_for
from sqlalchemy import event, func, select

from tender import clock
from tender.audit import AuditEvent
from tender.evaluation import service as evaluation

MOTIVATION = "Het plan is concreet, goed onderbouwd en sluit aan bij de aandachtspunten."


def undrawn(numbers: set[int | None]) -> int:
    """A blind number in the drawn range that no bid of the tender has."""
    return min(set(range(1, 100)) - numbers)


def committee_number_routes(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, method) of every /beoordelen/ route that takes a blind number."""
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("committee.") and "number" in rule.arguments
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


EXPECTED_ROUTES = [
    ("committee.consensus", "GET"),
    ("committee.consensus", "POST"),
    ("committee.open_consensus", "POST"),
    ("committee.plan_attachment", "GET"),
    ("committee.reopen_consensus", "POST"),
    ("committee.score_bid", "GET"),
    ("committee.score_bid", "POST"),
]


def test_the_parametrized_routes_are_every_committee_route_with_a_number(app: Flask) -> None:
    assert committee_number_routes(app) == EXPECTED_ROUTES


@pytest.fixture
def committee(app: Flask, now: datetime, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Three bids: the chair declared a band with the organisation behind the first; the
    second failed a requirement (excluded); every score of the third is in."""
    # The CSRF token in the page carries a timestamp in seconds; fix it so that two
    # requests a second apart compare on what they reveal, not on the clock.
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)
    db = app.extensions["tender.sessionmaker"]()
    tender, _providers, officers, opened_at = make_opened_tender(
        db, now=now, bids=3, instance_path=app.instance_path
    )
    members = make_committee(db, tender=tender, officer=officers[0], now=opened_at)
    when = opened_at + timedelta(hours=1)
    conflicted, excluded, visible = sorted(
        evaluation.received_bids(db, tender), key=lambda b: b.blind_number
    )
    chair = members[0]
    sign_declaration(
        db, member=chair, now=when, bands={conflicted.kvk_number: "Mijn zus is er bestuurder."}
    )
    for member in members[1:]:
        sign_declaration(db, member=member, now=when)
    for bid in (conflicted, excluded, visible):
        for index, requirement in enumerate(tender.requirements):
            fail = bid is excluded and index == 0
            evaluation.record_requirement_check(
                db, bid=bid, requirement=requirement, complies=not fail,
                reason="Uittreksel ontbreekt." if fail else "", actor=officers[0], now=when,
            )  # fmt: skip
    db.commit()
    clock.set_clock(lambda: when)
    yield {
        "db": db,
        "tender": tender,
        "chair": chair,
        "criterion": tender.criteria[0],
        "conflicted": conflicted.blind_number,
        "excluded": excluded.blind_number,
        "visible": visible.blind_number,
        "missing": undrawn({b.blind_number for b in (conflicted, excluded, visible)}),
    }
    db.close()


def _post_data(criterion_id: int) -> dict[str, str]:
    return {
        "criterion_id": str(criterion_id),
        f"c{criterion_id}-score": "6",
        f"c{criterion_id}-motivation": MOTIVATION,
        "score": "6",
        "motivation": MOTIVATION,
        "version": "",
        "reason": "De voorzitter opent eerder omdat iedereen klaar is.",
    }


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the requests run (parameters aside)."""
    seen: list[str] = []
    engine = app.extensions["tender.engine"]

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _answer(client, c: dict[str, Any], endpoint: str, method: str, number: int, seen: list):  # type: ignore[no-untyped-def]
    with client.application.test_request_context():
        arguments = {"tender_id": c["tender"].id, "number": number}
        if endpoint == "committee.plan_attachment":
            arguments["criterion_id"] = c["criterion"].id
        url = url_for(endpoint, **arguments)
    data = _post_data(c["criterion"].id) if method == "POST" else None
    seen.clear()
    response = client.open(url, method=method, data=data)
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() != "date")
    return response.status_code, response.get_data(), headers, list(seen)


def _chair_client(app: Flask, c: dict[str, Any]):  # type: ignore[no-untyped-def]
    """The chair, logged in, with the session as it is after its first page."""
    client = app.test_client()
    login(client, c["chair"].user)
    assert client.get(f"/beoordelen/{c['tender'].id}/").status_code == 200
    return client


def _refusals(c: dict[str, Any]) -> list[AuditEvent]:
    db = c["db"]
    db.expire_all()
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "bid.access_refused")
            .order_by(AuditEvent.id)
        )
    )


@pytest.mark.parametrize(("endpoint", "method"), EXPECTED_ROUTES, ids=lambda v: str(v))
@pytest.mark.parametrize("hidden", ["conflicted", "excluded"])
def test_a_bid_the_member_may_not_see_answers_like_a_missing_one(  # type: ignore[no-untyped-def]
    app: Flask, committee, statements, endpoint: str, method: str, hidden: str
) -> None:
    c = committee
    client = _chair_client(app, c)
    before = len(_refusals(c))
    status, body, headers, queries = _answer(client, c, endpoint, method, c[hidden], statements)
    m_status, m_body, m_headers, m_queries = _answer(
        client, c, endpoint, method, c["missing"], statements
    )
    assert status == m_status == 404
    assert body == m_body
    assert headers == m_headers
    assert queries == m_queries  # the same work: same statements, in the same order
    hidden_event, missing_event = _refusals(c)[before:]
    for refused, number in ((hidden_event, c[hidden]), (missing_event, c["missing"])):
        assert refused.actor_id == c["chair"].user_id
        assert refused.object_type == "bid" and refused.tender_id == c["tender"].id
        assert refused.details == {"route": endpoint, "methode": method, "inschrijving": number}
    assert missing_event.object_id is None and hidden_event.object_id is not None


def test_the_same_member_reaches_the_bids_it_may_see(app: Flask, committee) -> None:  # type: ignore[no-untyped-def]
    c = committee
    client = app.test_client()
    login(client, c["chair"].user)
    tender_id = c["tender"].id
    assert client.get(f"/beoordelen/{tender_id}/inschrijving/{c['visible']}").status_code == 200
    assert client.get(f"/beoordelen/{tender_id}/consensus/{c['visible']}").status_code == 200


def test_an_unsigned_member_is_refused_alike_for_every_number(app: Flask, now: datetime) -> None:
    """Before signing, no number is looked up: 403 for an existing and a missing one."""
    db = app.extensions["tender.sessionmaker"]()
    tender, _providers, officers, opened_at = make_opened_tender(
        db, now=now, bids=1, instance_path=app.instance_path
    )
    member = make_committee(db, tender=tender, officer=officers[0], now=opened_at)[1]
    db.commit()
    client = app.test_client()
    login(client, member.user)
    drawn = evaluation.received_bids(db, tender)[0].blind_number
    answers = [
        client.get(f"/beoordelen/{tender.id}/inschrijving/{number}")
        for number in (drawn, undrawn({drawn}))
    ]
    assert [a.status_code for a in answers] == [403, 403]
    assert answers[0].get_data() == answers[1].get_data()
    refused = db.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "bid.access_refused")
    )
    assert refused == 2
    db.close()
