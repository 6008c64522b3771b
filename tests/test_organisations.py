"""Providers as organisations (issue 14 items 1-2): members, their rights, invitations,
join requests for a known KvK number, the organisation's log of its bid."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from factories import PASSWORD, login, make_complete_bid, make_published_tender, make_user
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from test_account_activation import activation_links, confirmation_links, mails

from tender import clock
from tender.accounts import organisations
from tender.accounts.models import JoinOutcome, JoinRequest, Organisation, Role, User
from tender.bids import service as bids
from tender.bids.models import Bid, BidStatus
from tender.bids.uploads import uploads_dir
from tender.permissions import Permission, can

REGISTRATION = {
    "organisation_name": "Zorg & Co",
    "kvk_number": "12345678",
    "street_address": "Lekdijk 4",
    "postcode": "3401 AB",
    "city": "IJsselstein",
    "phone": "",
    "website": "",
    "contact_person": "Petra de Vries",
    "email": "petra@zorgenco.example.org",
    "password": "lang-genoeg-wachtwoord",
    "password_repeat": "lang-genoeg-wachtwoord",
}
COLLEAGUE = {"name": "Karel Collega", "email": "karel@example.org", "rights": "lid"}
KAREL_PASSWORD = "zonnige-dinsdag-aan-de-lek"


@pytest.fixture
def org(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    """A published tender and an organisation (its beheerder) with a draft bid."""
    db = app.extensions["tender.sessionmaker"]()
    clock.set_clock(lambda: now)
    tender = make_published_tender(db, now=now)
    admin = make_user(db, Role.PROVIDER, now=now)
    bid = make_complete_bid(
        db, tender=tender, provider=admin, now=now, storage_dir=uploads_dir(app.instance_path)
    )
    db.commit()
    client = app.test_client()
    login(client, admin)
    yield {"db": db, "client": client, "tender": tender, "admin": admin, "bid": bid}
    db.close()


def _invite_and_activate(app: Flask, org, rights: str = "lid") -> tuple[User, FlaskClient]:  # type: ignore[no-untyped-def]
    response = org["client"].post(
        "/organisatie/leden/uitnodigen", data={**COLLEAGUE, "rights": rights}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [path] = activation_links(app, COLLEAGUE["email"])
    [(subject, _body)] = mails(app, COLLEAGUE["email"])
    assert org["admin"].organisation.name in subject
    colleague_client = app.test_client()
    done = colleague_client.post(
        path, data={"password": KAREL_PASSWORD, "password_repeat": KAREL_PASSWORD}
    )
    assert done.status_code == 302
    logged_in = colleague_client.post(
        "/inloggen", data={"email": COLLEAGUE["email"], "password": KAREL_PASSWORD}
    )
    assert logged_in.status_code == 302
    org["db"].expire_all()
    colleague = org["db"].scalar(select(User).where(User.email == COLLEAGUE["email"]))
    return colleague, colleague_client


def test_first_registrant_is_the_organisations_beheerder(org) -> None:  # type: ignore[no-untyped-def]
    admin = org["admin"]
    assert admin.organisation_admin and admin.submits_for_organisation


def test_a_colleague_edits_the_bid_but_may_not_submit_until_allowed(app: Flask, org) -> None:  # type: ignore[no-untyped-def]
    colleague, client = _invite_and_activate(app, org)
    bid_id = org["bid"].id
    assert colleague.organisation_id == org["admin"].organisation_id
    assert not colleague.organisation_admin and not colleague.may_submit
    # Editing works: a plan of the bid.
    criterion = org["tender"].criteria[0]
    edited = client.post(
        f"/inschrijvingen/{bid_id}/plannen/{criterion.id}",
        data={"text": "Karel schreef dit plan."},
        content_type="multipart/form-data",
    )
    assert edited.status_code == 302
    # Submitting is refused by the access rules, not only by a hidden button.
    overview = client.get(f"/inschrijvingen/{bid_id}").get_data(as_text=True)
    assert 'id="indienen-niet-toegestaan"' in overview
    assert f"/inschrijvingen/{bid_id}/indienen" not in overview
    assert client.post(f"/inschrijvingen/{bid_id}/indienen").status_code == 403
    org["db"].expire_all()
    assert org["db"].get(Bid, bid_id).status == BidStatus.DRAFT
    # The beheerder allows Karel to submit: now it works (after logging in again).
    allowed = org["client"].post(
        f"/organisatie/leden/{colleague.id}/rechten", data={f"lid{colleague.id}-rights": "indienen"}
    )
    assert allowed.status_code == 302
    client.post("/inloggen", data={"email": COLLEAGUE["email"], "password": KAREL_PASSWORD})
    assert (
        client.post(f"/inschrijvingen/{bid_id}/indienen", data={"understood": "y"}).status_code
        == 302
    )
    org["db"].expire_all()
    assert org["db"].get(Bid, bid_id).status == BidStatus.SUBMITTED


def test_a_member_may_not_withdraw(app: Flask, org, now: datetime) -> None:  # type: ignore[no-untyped-def]
    bids.submit(org["db"], bid=org["bid"], actor=org["admin"], now=now)
    org["db"].commit()
    _colleague, client = _invite_and_activate(app, org)
    assert client.post(f"/inschrijvingen/{org['bid'].id}/intrekken").status_code == 403
    org["db"].expire_all()
    assert org["db"].get(Bid, org["bid"].id).status == BidStatus.SUBMITTED


def test_submit_permission_is_the_organisations_decision(org, now: datetime) -> None:  # type: ignore[no-untyped-def]
    db, admin, bid = org["db"], org["admin"], org["bid"]
    link = organisations.invite_member(
        db,
        organisation=admin.organisation,
        email="lid@example.org",
        name="Lid",
        may_submit=False,
        actor=admin,
        now=now,
    )
    member = link.user
    other = make_user(db, Role.PROVIDER, now=now)
    assert can(admin, Permission.BID_SUBMIT, bid, now)
    assert can(member, Permission.BID_WRITE, bid, now)
    assert not can(member, Permission.BID_SUBMIT, bid, now)
    assert not can(other, Permission.BID_SUBMIT, bid, now)  # a beheerder of another one
    organisations.set_member_rights(
        db, member=member, organisation_admin=False, may_submit=True, actor=admin, now=now
    )
    assert can(member, Permission.BID_SUBMIT, bid, now)
    assert not can(member, Permission.ORGANISATION_MANAGE, admin.organisation, now)
    assert can(member, Permission.ORGANISATION_READ, admin.organisation, now)
    assert not can(other, Permission.ORGANISATION_READ, admin.organisation, now)


def test_only_the_beheerder_manages_members(app: Flask, org) -> None:  # type: ignore[no-untyped-def]
    _colleague, client = _invite_and_activate(app, org)
    page = client.get("/organisatie/leden")
    assert page.status_code == 200 and "Collega uitnodigen" not in page.get_data(as_text=True)
    refused = client.post(
        "/organisatie/leden/uitnodigen", data={**COLLEAGUE, "email": "x@example.org"}
    )
    assert refused.status_code == 403
    assert client.post(f"/organisatie/leden/{org['admin'].id}/verwijderen").status_code == 403
    org["db"].expire_all()
    assert org["db"].get(User, org["admin"].id).active


def test_another_organisations_member_is_not_found(org, now: datetime) -> None:  # type: ignore[no-untyped-def]
    stranger = make_user(org["db"], Role.PROVIDER, now=now)
    org["db"].commit()
    response = org["client"].post(f"/organisatie/leden/{stranger.id}/verwijderen", data={})
    assert response.status_code == 404
    org["db"].expire_all()
    assert org["db"].get(User, stranger.id).active


def test_the_last_beheerder_cannot_remove_or_demote_itself(app: Flask, org) -> None:  # type: ignore[no-untyped-def]
    admin, client = org["admin"], org["client"]
    page = client.get("/organisatie/leden").get_data(as_text=True)
    assert "De laatste beheerder kan niet worden verwijderd" in page
    client.post(f"/organisatie/leden/{admin.id}/verwijderen")
    client.post(f"/organisatie/leden/{admin.id}/rechten", data={f"lid{admin.id}-rights": "lid"})
    org["db"].expire_all()
    admin = org["db"].get(User, admin.id)
    assert admin.active and admin.organisation_admin
    # With a second beheerder the first may step down.
    colleague, _ = _invite_and_activate(app, org)
    client.post(
        f"/organisatie/leden/{colleague.id}/rechten",
        data={f"lid{colleague.id}-rights": "beheerder"},
    )
    client.post(f"/organisatie/leden/{admin.id}/verwijderen")
    org["db"].expire_all()
    assert not org["db"].get(User, admin.id).active
    assert org["db"].get(User, colleague.id).organisation_admin


def test_the_organisation_sees_who_did_what_on_its_bid(app: Flask, org, now: datetime) -> None:  # type: ignore[no-untyped-def]
    _colleague, client = _invite_and_activate(app, org)
    criterion = org["tender"].criteria[0]
    bid_id = org["bid"].id
    client.post(
        f"/inschrijvingen/{bid_id}/plannen/{criterion.id}",
        data={"text": "Karel schreef dit plan."},
        content_type="multipart/form-data",
    )
    assert (
        org["client"]
        .post(f"/inschrijvingen/{bid_id}/indienen", data={"understood": "y"})
        .status_code
        == 302
    )
    log = client.get(f"/inschrijvingen/{bid_id}/logboek")
    assert log.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", log.get_data(as_text=True), re.S)
    karel = [r for r in rows if "Karel Collega" in r]
    assert karel and all("Plan opgeslagen" in r for r in karel)
    assert any(org["admin"].name in r and "Ingediend" in r for r in rows)
    # Views of the bid are not changes: not in the log.
    assert "bid.view" not in log.get_data(as_text=True)
    # Nobody outside the organisation reads it.
    officer = make_user(org["db"], Role.PROCUREMENT_OFFICER, now=now)
    stranger = make_user(org["db"], Role.PROVIDER, now=now)
    org["db"].commit()
    for outsider in (officer, stranger):
        other = app.test_client()
        login(other, outsider)
        assert other.get(f"/inschrijvingen/{bid_id}/logboek").status_code == 403


def _register(app: Flask, data: dict[str, str]) -> str:
    response = app.test_client().post("/registreren", data=data)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_known_kvk_number_becomes_a_join_request_the_beheerder_decides(app: Flask, org) -> None:  # type: ignore[no-untyped-def]
    db, admin = org["db"], org["admin"]
    kvk = admin.organisation.kvk_number
    # The form answers a known KvK number exactly like a new one.
    new_answer = _register(app, {**REGISTRATION, "email": "nieuw@example.org"})
    known_answer = _register(app, {**REGISTRATION, "kvk_number": kvk})
    assert known_answer.replace(REGISTRATION["email"], "X") == new_answer.replace(
        "nieuw@example.org", "X"
    )
    # Confirming the address makes no organisation and no account: a join request.
    [path] = confirmation_links(app, REGISTRATION["email"])
    confirmed = app.test_client().post(path)
    assert confirmed.status_code == 200 and "Aanmelding verstuurd" in confirmed.get_data(
        as_text=True
    )
    db.expire_all()
    assert db.scalar(select(User).where(User.email == REGISTRATION["email"])) is None
    assert db.scalar(select(func.count(Organisation.id)).where(Organisation.kvk_number == kvk)) == 1
    # The impersonator cannot log in, let alone bid, until the beheerder accepts.
    refused_login = app.test_client().post(
        "/inloggen", data={"email": REGISTRATION["email"], "password": REGISTRATION["password"]}
    )
    assert refused_login.status_code == 200
    assert any("Aanmelding voor" in subject for subject, _ in mails(app, admin.email))
    page = org["client"].get("/organisatie/leden").get_data(as_text=True)
    assert "Petra de Vries" in page
    join = db.scalar(select(JoinRequest))
    assert org["client"].post(f"/organisatie/aanmeldingen/{join.id}/accepteren").status_code == 302
    db.expire_all()
    member = db.scalar(select(User).where(User.email == REGISTRATION["email"]))
    assert member.organisation_id == admin.organisation_id
    assert not member.submits_for_organisation
    assert join.outcome == JoinOutcome.ACCEPTED and join.password_hash == ""
    accepted_login = app.test_client().post(
        "/inloggen", data={"email": REGISTRATION["email"], "password": REGISTRATION["password"]}
    )
    assert accepted_login.status_code == 302


def test_a_refused_join_request_makes_no_account(app: Flask, org) -> None:  # type: ignore[no-untyped-def]
    _register(app, {**REGISTRATION, "kvk_number": org["admin"].organisation.kvk_number})
    [path] = confirmation_links(app, REGISTRATION["email"])
    app.test_client().post(path)
    join = org["db"].scalar(select(JoinRequest))
    assert org["client"].post(f"/organisatie/aanmeldingen/{join.id}/weigeren").status_code == 302
    org["db"].expire_all()
    assert join.outcome == JoinOutcome.REFUSED
    assert org["db"].scalar(select(User).where(User.email == REGISTRATION["email"])) is None
    # Decided once: a second decision is refused.
    org["client"].post(f"/organisatie/aanmeldingen/{join.id}/accepteren")
    org["db"].expire_all()
    assert org["db"].scalar(select(User).where(User.email == REGISTRATION["email"])) is None


def test_only_the_organisations_beheerder_decides_a_join_request(
    app: Flask, org, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    _register(app, {**REGISTRATION, "kvk_number": org["admin"].organisation.kvk_number})
    [path] = confirmation_links(app, REGISTRATION["email"])
    app.test_client().post(path)
    join = org["db"].scalar(select(JoinRequest))
    other_admin = make_user(org["db"], Role.PROVIDER, now=now)
    org["db"].commit()
    other = app.test_client()
    login(other, other_admin)
    assert other.post(f"/organisatie/aanmeldingen/{join.id}/accepteren").status_code == 404
    org["db"].expire_all()
    assert join.outcome is None


def test_existing_accounts_still_log_in_with_the_factory_password(app: Flask, org) -> None:  # type: ignore[no-untyped-def]
    response = app.test_client().post(
        "/inloggen", data={"email": org["admin"].email, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_invitation_keeps_the_input_and_says_what_is_wrong(org) -> None:  # type: ignore[no-untyped-def]
    response = org["client"].post(
        "/organisatie/leden/uitnodigen", data={**COLLEAGUE, "email": org["admin"].email}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Er bestaat al een account" in html and 'value="Karel Collega"' in html


def test_invitation_link_expires(app: Flask, org, now: datetime) -> None:  # type: ignore[no-untyped-def]
    org["client"].post("/organisatie/leden/uitnodigen", data=COLLEAGUE)
    [path] = activation_links(app, COLLEAGUE["email"])
    clock.set_clock(lambda: now + timedelta(hours=72))
    assert app.test_client().get(path).status_code == 410
