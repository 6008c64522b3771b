"""Sessions end when they should: a password change, a password set through an
activation link or a reset, a role change, blocking the account and "Overal uitloggen"
each end every session of the account (the session stores the account's session version)."""

from __future__ import annotations

from datetime import datetime

from factories import PASSWORD, login, make_user
from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts import activation, roles
from tender.accounts.models import Role, User
from tender.audit import AuditEvent

NEW_PASSWORD = "fietsen-langs-de-lek"


def _logged_in(client: FlaskClient) -> bool:
    response = client.get("/account")
    if response.status_code == 302:
        assert "/inloggen" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def _signed_in(app: Flask, user: User) -> FlaskClient:
    """A browser that logged in through the login form."""
    client = app.test_client()
    response = client.post("/inloggen", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _setup(app: Flask, session: Session, now: datetime, role: Role = Role.EVALUATOR):  # type: ignore[no-untyped-def]
    user = make_user(session, role, now=now)
    session.commit()
    return user, _signed_in(app, user), _signed_in(app, user)


def test_own_password_change_ends_other_sessions_and_keeps_this_one(
    app: Flask, session: Session, now: datetime
) -> None:
    user, here, elsewhere = _setup(app, session, now)
    changed = here.post(
        "/account/wachtwoord",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert _logged_in(here)
    assert not _logged_in(elsewhere)
    # The old cookie stays dead, even after the user logs in again somewhere.
    assert _signed_in_with(app, user.email, NEW_PASSWORD)
    assert not _logged_in(elsewhere)


def _signed_in_with(app: Flask, email: str, password: str) -> bool:
    response = app.test_client().post("/inloggen", data={"email": email, "password": password})
    return response.status_code == 302


def test_a_refused_new_password_ends_no_session(
    app: Flask, session: Session, now: datetime
) -> None:
    _user, here, elsewhere = _setup(app, session, now)
    refused = here.post(
        "/account/wachtwoord",
        data={"current": PASSWORD, "password": "blahblahblah", "password_repeat": "blahblahblah"},
    )
    assert refused.status_code == 200
    assert _logged_in(here) and _logged_in(elsewhere)


def test_reset_by_the_beheerder_ends_the_sessions(
    app: Flask, session: Session, now: datetime
) -> None:
    user, first, second = _setup(app, session, now)
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    session.commit()
    admin = app.test_client()
    login(admin, beheerder)
    assert admin.post(f"/beheer/gebruikers/{user.id}/activeringslink").status_code == 302
    assert not _logged_in(first) and not _logged_in(second)
    assert _logged_in(admin)


def test_a_password_set_through_an_activation_link_ends_the_sessions(
    app: Flask, session: Session, now: datetime
) -> None:
    user, first, _second = _setup(app, session, now)
    clock.set_clock(lambda: now)  # the link's 72 hours count from the fixed 'now'
    link = activation.issue_activation(session, user=user, actor=None, now=now)
    session.commit()
    done = app.test_client().post(
        f"/account/activeren/{link.token}",
        data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert not _logged_in(first)
    assert _signed_in_with(app, user.email, NEW_PASSWORD)


def test_a_role_change_ends_the_sessions_when_it_takes_effect(
    app: Flask, session: Session, now: datetime
) -> None:
    user, first, second = _setup(app, session, now)
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    inkoper = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    admin = app.test_client()
    login(admin, beheerder)
    admin.post(f"/beheer/gebruikers/{user.id}/rol", data={"role": "adviesraad"})
    assert not _logged_in(first) and not _logged_in(second)

    # The role inkoper is only asked for: nothing changes until it is confirmed.
    third = _signed_in(app, user)
    admin.post(f"/beheer/gebruikers/{user.id}/rol", data={"role": "inkoper"})
    assert _logged_in(third)
    request = roles.open_request(session, user)
    assert request is not None
    officer = app.test_client()
    login(officer, inkoper)
    assert officer.post(f"/accounts/rolverzoeken/{request.id}/bevestigen").status_code == 302
    assert not _logged_in(third)


def test_blocking_the_account_ends_the_sessions_and_unblocking_does_not_revive_them(
    app: Flask, session: Session, now: datetime
) -> None:
    user, first, _second = _setup(app, session, now)
    beheerder = make_user(session, Role.ADMINISTRATOR, now=now)
    session.commit()
    admin = app.test_client()
    login(admin, beheerder)
    admin.post(f"/beheer/gebruikers/{user.id}/status")  # blocked
    assert not _logged_in(first)
    admin.post(f"/beheer/gebruikers/{user.id}/status")  # active again
    assert not _logged_in(first)
    assert _signed_in_with(app, user.email, PASSWORD)


def test_logging_out_everywhere_ends_every_session_this_one_included(
    app: Flask, session: Session, now: datetime
) -> None:
    user, here, elsewhere = _setup(app, session, now, Role.PROVIDER)
    page = here.get("/account").get_data(as_text=True)
    assert "Overal uitloggen" in page
    response = here.post("/account/overal-uitloggen")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
    assert not _logged_in(here) and not _logged_in(elsewhere)
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "user.sessions_ended", AuditEvent.object_id == user.id
        )
    )
    assert _signed_in_with(app, user.email, PASSWORD)
    # A GET does not log anyone out.
    again = _signed_in(app, user)
    assert again.get("/account/overal-uitloggen").status_code == 405
    assert _logged_in(again)


def test_a_session_without_the_current_version_is_refused(
    app: Flask, session: Session, now: datetime
) -> None:
    user = make_user(session, Role.EVALUATOR, now=now)
    session.commit()
    for stored in (str(user.id), f"{user.id}:{user.session_version + 1}", "x:1", ""):
        client = app.test_client()
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = stored
        assert not _logged_in(client), stored
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
    assert _logged_in(client)


def test_a_remember_me_cookie_obeys_the_session_version(
    app: Flask, session: Session, now: datetime
) -> None:
    """The app never sets one, but Flask-Login would read one: it must not outlive a change."""
    user = make_user(session, Role.EVALUATOR, now=now)
    session.commit()
    with app.test_request_context():
        cookie = encode_cookie(user.get_id())
    remembered = app.test_client()
    remembered.set_cookie("remember_token", cookie)
    assert _logged_in(remembered)
    user.end_sessions()
    session.commit()
    stale = app.test_client()
    stale.set_cookie("remember_token", cookie)
    assert not _logged_in(stale)
    login_page = app.test_client().post(
        "/inloggen", data={"email": user.email, "password": PASSWORD}
    )
    assert "remember_token" not in login_page.headers.get("Set-Cookie", "")
