"""The Logboek: sealed bid events masked until the opening; filters and paging after it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from tender import audit, clock
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.audit_trail import MASKED_LABEL, LogFilter, events_page, is_masked, shown_event
from tender.bids import service as bids
from tender.bids.uploads import uploads_dir
from tender.permissions import bids_sealed
from tender.tenders.models import Tender, TenderState
from tests.factories import (
    login,
    make_complete_bid,
    make_opened_tender,
    make_published_tender,
    make_user,
)

# -- the rule -------------------------------------------------------------------------------


def _event(**overrides: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "id": 7,
        "occurred_at": datetime(2026, 11, 24, 13, 0, tzinfo=UTC),
        "actor_id": 3,
        "actor_label": "planning@aanbieder.example",
        "action": "bid.plan",
        "object_type": "bid",
        "object_id": 12,
        "tender_id": 1,
        "details": {"criterium": "K1", "woorden": 480},
        "prev_hash": "a" * 64,
        "hash": "b" * 64,
    }
    return AuditEvent(**{**values, **overrides})


@pytest.mark.parametrize(
    ("object_type", "actor_role", "masked"),
    [
        ("bid", Role.PROVIDER, True),  # a provider edits its bid
        ("bid", Role.PROCUREMENT_OFFICER, True),  # an officer's refused attempt on a bid
        ("bid", None, True),  # an anonymous visitor's refused attempt
        ("organisation", None, True),
        ("question", Role.PROVIDER, True),  # anything a provider does
        ("tender", Role.PROVIDER, True),
        ("tender", Role.PROCUREMENT_OFFICER, False),
        ("question", None, False),  # questions are logged without their asker
        ("qa_round", Role.PROCUREMENT_OFFICER, False),
    ],
)
def test_while_sealed_events_of_bids_and_providers_are_masked(
    object_type: str, actor_role: Role | None, masked: bool
) -> None:
    assert is_masked(sealed=True, object_type=object_type, actor_role=actor_role) is masked
    assert is_masked(sealed=False, object_type=object_type, actor_role=actor_role) is False


def test_a_masked_event_keeps_only_its_number_and_time() -> None:
    shown = shown_event(_event(), actor_role=Role.PROVIDER, sealed=True, counted_until=None)
    assert shown.masked and shown.label == MASKED_LABEL == "een inschrijving is gewijzigd"
    assert (shown.id, shown.occurred_at) == (7, datetime(2026, 11, 24, 13, 0, tzinfo=UTC))
    assert shown.actor is None and shown.action is None and shown.object is None
    assert shown.details == {} and shown.hash is None


def test_an_opened_event_is_shown_in_full() -> None:
    event = _event()  # made before the submission that counts
    shown = shown_event(
        event, actor_role=Role.PROVIDER, sealed=False, counted_until=event.occurred_at
    )
    assert not shown.masked
    assert shown.actor == "planning@aanbieder.example" and shown.action == "bid.plan"
    assert shown.object == "bid 12" and shown.details == {"criterium": "K1", "woorden": 480}
    assert shown.hash == "b" * 64


SUBMITTED_AT = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("action", "actor_role", "occurred_at", "counted_until", "hidden"),
    [
        ("bid.network", Role.PROVIDER, SUBMITTED_AT - timedelta(minutes=1), SUBMITTED_AT, False),
        ("bid.network", Role.PROVIDER, SUBMITTED_AT + timedelta(minutes=1), SUBMITTED_AT, True),
        ("bid.plan", Role.PROVIDER, SUBMITTED_AT, None, True),  # never submitted or withdrawn
        ("bid.submit", Role.PROVIDER, SUBMITTED_AT, SUBMITTED_AT, False),
        ("bid.withdraw", Role.PROVIDER, SUBMITTED_AT + timedelta(days=1), None, False),
        ("bid.view", Role.PROCUREMENT_OFFICER, SUBMITTED_AT + timedelta(days=9), None, False),
    ],
)
def test_after_opening_an_edit_that_was_never_submitted_shows_nothing_of_the_edit(
    action: str,
    actor_role: Role,
    occurred_at: datetime,
    counted_until: datetime | None,
    hidden: bool,
) -> None:
    event = _event(action=action, occurred_at=occurred_at)
    shown = shown_event(event, actor_role=actor_role, sealed=False, counted_until=counted_until)
    if hidden:
        assert shown.label == "wijziging die niet is ingediend" and not shown.masked
        assert shown.actor == event.actor_label and shown.object == "bid 12"
        assert shown.action is None and shown.details == {} and shown.hash is None
    else:
        assert shown.action == action and shown.details == event.details


@pytest.mark.parametrize("state", list(TenderState))
def test_bids_are_sealed_until_the_two_person_opening(state: TenderState) -> None:
    opened = {"geopend", "beoordeeld", "voorlopig gegund", "definitief gegund"}
    assert bids_sealed(Tender(state=state)) is (state.value not in opened)


# -- the page -------------------------------------------------------------------------------


def _logbook(client: FlaskClient, tender: Tender, query: str = "") -> str:
    response = client.get(f"/aanbestedingen/{tender.id}/logboek{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _submitted_bid(app: Flask, session: Session, tender: Tender, now: datetime) -> User:
    provider = make_user(session, Role.PROVIDER, now=now, email="sealed@bidder.example")
    bid = make_complete_bid(
        session,
        tender=tender,
        provider=provider,
        now=now,
        storage_dir=uploads_dir(app.instance_path),
    )
    bids.submit(session, bid=bid, actor=provider, now=now)
    return provider


def test_before_opening_the_logbook_shows_bid_events_only_as_changed(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    provider = _submitted_bid(app, session, tender, now)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    login(client, officer)
    for moment in (now, tender.submission_deadline + timedelta(hours=1)):  # open, then closed
        clock.set_clock(lambda moment=moment: moment)
        page = _logbook(client, tender)
        assert MASKED_LABEL in page
        for secret in (
            provider.email,
            provider.organisation.name,
            "bid.",  # no action of a bid
            "bewijs-",  # file names of evidence
            "woorden",  # word counts of plans
            "cellen",  # coverage cells
            "Welzijn",  # network partners
            "indiening",  # submission numbers
        ):
            assert secret not in page, secret
        assert "Planning vastgelegd" in page  # the officers' own events stay visible
        assert 'id="actor"' not in page and 'id="bid"' not in page and 'id="since"' in page
        # who/what/which bid cannot be asked for while sealed, not even by URL
        asked = _logbook(client, tender, "?actor=bidder&action=bid.submit")
        assert _without_csrf_token(asked) == _without_csrf_token(page)
    session.refresh(tender)
    assert tender.state == TenderState.CLOSED


def _opened_as_officer(app: Flask, client: FlaskClient, session: Session, now: datetime, bids: int):  # type: ignore[no-untyped-def]
    """An opened tender with ``bids`` bids; the client is its first officer, after opening."""
    tender, providers, officers, opened_at = make_opened_tender(
        session, now=now, bids=bids, instance_path=app.instance_path
    )
    session.commit()
    clock.set_clock(lambda: opened_at)
    login(client, officers[0])
    return tender, providers, officers


def test_after_opening_the_logbook_shows_who_did_what(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    tender, providers, _officers = _opened_as_officer(app, client, session, now, bids=2)
    page = _logbook(client, tender)
    assert MASKED_LABEL not in page
    # The 100 newest events are on the first page; the bids' events follow on the next.
    everything = page + _logbook(client, tender, "?page=2")
    for provider in providers:
        assert provider.email in everything
    assert "bid.submit" in everything and "bewijs-" in everything and 'id="actor"' in page


def test_after_opening_the_logbook_does_not_show_an_edit_made_after_submitting(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    from tender.documents.service import documents_dir
    from tender.evaluation import service as evaluation
    from tender.tenders import service as tenders

    tender = make_published_tender(session, now=now)
    provider = _submitted_bid(app, session, tender, now)
    bid = bids.organisation_bids(session, provider.organisation_id)[tender.id]
    later = now + timedelta(hours=2)
    bids.add_network_partner(
        session, bid=bid, municipality=tender.lots[0].municipalities[0],
        name="Stichting Nooit Ingediend", kind="welzijn", cooperation="Later bedacht.",
        actor=provider, now=later,
    )  # fmt: skip
    officers = [make_user(session, Role.PROCUREMENT_OFFICER, now=now) for _ in range(2)]
    opened_at = tender.submission_deadline + timedelta(hours=1)
    tenders.close_if_due(session, tender=tender, now=opened_at)
    evaluation.start_opening(session, tender=tender, actor=officers[0], now=opened_at)
    evaluation.confirm_opening(
        session, tender=tender, actor=officers[1], now=opened_at,
        storage_dir=documents_dir(app.instance_path), uploads_dir=uploads_dir(app.instance_path),
    )  # fmt: skip
    session.commit()
    clock.set_clock(lambda: opened_at)
    login(client, officers[0])
    page = _logbook(client, tender, f"?bid={bid.id}")
    assert "Welzijn" in page  # the partners it did submit
    assert "Stichting Nooit Ingediend" not in page
    assert "wijziging die niet is ingediend" in page and provider.email in page


def _many_events(session: Session, tender: Tender, count: int, start: datetime) -> None:
    for index in range(count):
        audit.record(
            session,
            actor=None,
            action="test.tick",
            object_type="tender",
            object_id=tender.id,
            tender_id=tender.id,
            now=start + timedelta(minutes=index),
            details={"n": index},
        )


def test_paging_shows_fifty_events_per_page_with_page_links(
    client: FlaskClient, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    before = session.query(AuditEvent).filter_by(tender_id=tender.id).count()
    _many_events(session, tender, 120 - before, now)
    session.commit()
    login(client, officer)
    first = _logbook(client, tender)
    assert "120 gebeurtenissen, pagina 1 van 3" in first
    assert first.count("<tr>") == 1 + 50  # header and fifty events
    assert 'aria-current="page"' in first and "page=2" in first and "page=3" in first
    last = _logbook(client, tender, "?page=3")
    assert "pagina 3 van 3" in last and last.count("<tr>") == 1 + 20
    assert "n: 0<" in last  # the oldest event is on the last page
    beyond = _logbook(client, tender, "?page=999")
    assert "pagina 3 van 3" in beyond


def _without_csrf_token(html: str) -> str:
    """The page without its CSRF token, which is signed with a timestamp in seconds."""
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


def test_filters_on_actor_action_bid_and_period_in_amsterdam_days(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    tender, providers, officers = _opened_as_officer(app, client, session, now, bids=2)
    # 23:30 UTC on 24 November is 00:30 on 25 November in Amsterdam.
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    audit.record(
        session, actor=officers[0], action="test.late", object_type="tender",
        object_id=tender.id, tender_id=tender.id, now=late,
    )  # fmt: skip
    session.commit()

    by_actor = _logbook(client, tender, f"?actor={providers[0].email.upper()}")
    assert providers[0].email in by_actor and providers[1].email not in by_actor
    assert f'value="{providers[0].email.upper()}"' in by_actor  # what was typed stays

    by_action = _logbook(client, tender, "?action=bid.submit")
    assert "2 gebeurtenissen" in by_action and "<code>bid.plan</code>" not in by_action
    assert '<option selected value="bid.submit">' in by_action

    bid_id = bids.organisation_bids(session, providers[1].organisation_id)[tender.id].id
    by_bid = _logbook(client, tender, f"?bid={bid_id}")
    assert providers[1].email in by_bid and providers[0].email not in by_bid
    assert f"bid {bid_id}" in by_bid

    on_the_25th = _logbook(client, tender, "?since=2026-11-25&until=2026-11-25")
    assert "1 gebeurtenis." in on_the_25th and "<code>test.late</code>" in on_the_25th
    on_the_24th = _logbook(client, tender, "?since=2026-11-24&until=2026-11-24")
    assert "<code>test.late</code>" not in on_the_24th
    assert "<code>bid.submit</code>" in on_the_24th


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?since=gisteren", "Ongeldige datum"),
        ("?since=2026-11-30&until=2026-11-01", "Kies een einddatum op of na de begindatum."),
        ("?since=0001-01-01", "Kies een datum tussen 2000 en 2099."),
        ("?until=9999-12-31", "Kies een datum tussen 2000 en 2099."),
        ("?page=0", "Kies pagina 1 of hoger."),
        ("?page=twee", "Ongeldig getal."),
        ("?action=bestaat.niet", "Ongeldige keuze."),
        ("?bid=99999", "Ongeldige keuze."),
        ("?actor=" + "x" * 300, "254"),
    ],
)
def test_invalid_filters_get_a_dutch_message_not_an_error(
    app: Flask, client: FlaskClient, session: Session, now: datetime, query: str, message: str
) -> None:
    tender, _providers, _officers = _opened_as_officer(app, client, session, now, bids=1)
    page = _logbook(client, tender, query)
    assert "Het formulier is nog niet in orde." in page
    assert message in page


def test_the_page_is_queried_with_limit_and_offset_in_the_database(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    _many_events(session, tender, 225, now)  # and five of the set-up: 230
    session.commit()
    statements: list[str] = []

    def capture(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        page = events_page(session, tender, LogFilter(), page=2)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert (page.total, page.page, page.pages, len(page.events)) == (230, 2, 5, 50)
    assert [e.details["n"] for e in page.events][:2] == [174, 173]
    selects = [s for s in statements if "FROM audit_event" in s and "count(" not in s.lower()]
    assert selects and all("LIMIT" in s and "OFFSET" in s for s in selects)


def test_progress_page_before_opening_shows_only_the_count(
    app: Flask, session: Session, now: datetime
) -> None:
    from tender.evaluation import service as evaluation

    tender = make_published_tender(session, now=now)
    provider = _submitted_bid(app, session, tender, now)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    chair = make_user(session, Role.EVALUATOR, now=now)
    evaluation.add_member(session, tender=tender, user=chair, is_chair=True, actor=officer, now=now)
    session.commit()
    for user in (officer, chair):
        client = app.test_client()
        login(client, user)
        response = client.get(f"/aanbestedingen/{tender.id}/voortgang")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Ontvangen inschrijvingen: <strong>1</strong>" in page
        assert (
            provider.organisation.name not in page and "Inschrijving" not in page.split("<h1>")[1]
        )


def test_outbox_does_not_show_providers_addresses(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    from tender import notifications

    provider = make_user(session, Role.PROVIDER, now=now, email="bidder@provider.example")
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now, email="inkoop@gemeente.example")
    session.commit()
    app.config["SMTP_HOST"] = ""
    notifications.send_mail(
        app.config,
        instance_path=app.instance_path,
        to=[provider.email, officer.email],
        subject="Nota van inlichtingen 1",
        body="Inhoud.",
        now=now,
    )
    login(client, officer)
    listing = client.get("/uitgaande-berichten").get_data(as_text=True)
    assert provider.email not in listing
    assert officer.email in listing and "een aanbieder (adres niet getoond)" in listing
    for name in notifications.outbox_names(app.instance_path):
        message = client.get(f"/uitgaande-berichten/{name}").get_data(as_text=True)
        assert provider.email not in message
