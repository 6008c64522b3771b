"""A beheerder never learns a working password: new and reset staff accounts get a
one-time activation link (72 hours, single use) by e-mail, which nobody else sees."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from html import unescape

from factories import login, make_user
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock, notifications
from tender.accounts.activation import token_hash
from tender.accounts.models import AccountActivation, Role, User
from tender.audit import AuditEvent

NEW_PASSWORD = "mijn-eigen-wachtwoord"
EVA = {"name": "Eva Evaluator", "email": "eva@regio.example.org", "role": "beoordelaar"}


def mails(app: Flask, recipient: str) -> list[tuple[str, str]]:
    """Subject and text of every message to ``recipient``, oldest first, read from the
    .eml files themselves (the outbox pages do not show confidential ones)."""
    folder = notifications.outbox_dir(app.instance_path)
    found = []
    for path in sorted(folder.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == recipient:
            body = message.get_body(preferencelist=("plain",)).get_content()
            found.append((str(message["Subject"]), body))
    return found


def activation_links(app: Flask, recipient: str) -> list[str]:
    """The activation paths mailed to ``recipient``, oldest first."""
    links = []
    for _subject, body in mails(app, recipient):
        links += re.findall(r"https?://[^/\s]+(/account/activeren/[\w-]+)", body)
    return links


def confirmation_links(app: Flask, recipient: str) -> list[str]:
    """The registration-confirmation paths mailed to ``recipient``, oldest first."""
    links = []
    for _subject, body in mails(app, recipient):
        links += re.findall(r"https?://[^/\s]+(/registreren/bevestigen/[\w-]+)", body)
    return links


def _create_by_beheerder(client: FlaskClient, session: Session, now: datetime) -> str:
    """Log in as a new beheerder, create Eva; the HTML the beheerder saw."""
    login(client, make_user(session, Role.ADMINISTRATOR, now=now))
    session.commit()
    response = client.post("/beheer/gebruikers/nieuw", data=EVA)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _can_log_in(app: Flask, email: str, password: str) -> bool:
    response = app.test_client().post("/inloggen", data={"email": email, "password": password})
    assert response.status_code != 429, "login throttled: the test tried too many passwords"
    return response.status_code == 302


def _activate(app: Flask, path: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return app.test_client().post(path, data={"password": password, "password_repeat": password})


def test_beheerder_sees_no_working_password_for_the_account_it_creates(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    # Many wrong passwords for one account: above the login limit, which is not tested here.
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000/hour"
    html = _create_by_beheerder(client, session, now)
    assert "activeringslink" in html
    user = session.scalar(select(User).where(User.email == EVA["email"]))
    assert user is not None and user.role == Role.EVALUATOR
    # Every word the beheerder was shown (and every text in a <code>) fails as a password.
    text = re.sub(r"<[^>]+>", " ", html)
    candidates = {unescape(word) for word in re.split(r"\s+", text) if len(word) >= 6}
    candidates |= {unescape(c) for c in re.findall(r"<code>([^<]*)</code>", html)}
    assert candidates
    assert not any(_can_log_in(app, EVA["email"], word) for word in candidates)
    # The users list and the account page show no link or password either.
    token_path = activation_links(app, EVA["email"])[0]
    for page in ("/beheer/gebruikers", f"/beheer/gebruikers/{user.id}"):
        assert token_path.rsplit("/", 1)[1] not in client.get(page).get_data(as_text=True)


def test_activation_link_works_once_and_only_its_hash_is_stored(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    _create_by_beheerder(client, session, now)
    [path] = activation_links(app, EVA["email"])
    token = path.rsplit("/", 1)[1]
    stored = session.scalars(select(AccountActivation)).all()
    assert [a.token_hash for a in stored] == [token_hash(token)]
    assert token not in str(session.scalars(select(AuditEvent.details)).all())

    form = app.test_client().get(path)
    assert form.status_code == 200 and "Eva Evaluator" in form.get_data(as_text=True)
    short = _activate(app, path, "kort")
    assert "minstens 12 tekens" in short.get_data(as_text=True)
    done = _activate(app, path)
    assert done.status_code == 302 and done.headers["Location"].endswith("/inloggen")
    assert _can_log_in(app, EVA["email"], NEW_PASSWORD)

    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "al gebruikt" in again.get_data(as_text=True)
    twice = _activate(app, path, "nog-een-ander-wachtwoord")
    assert twice.status_code == 410
    assert not _can_log_in(app, EVA["email"], "nog-een-ander-wachtwoord")
    assert _can_log_in(app, EVA["email"], NEW_PASSWORD)


def test_activation_link_expires_after_72_hours(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    clock.set_clock(lambda: now)
    _create_by_beheerder(client, session, now)
    [path] = activation_links(app, EVA["email"])
    clock.set_clock(lambda: now + timedelta(hours=72))
    expired = _activate(app, path)
    assert expired.status_code == 410
    assert "verlopen" in expired.get_data(as_text=True)
    assert not _can_log_in(app, EVA["email"], NEW_PASSWORD)
    clock.set_clock(lambda: now + timedelta(hours=71, minutes=59))
    assert _activate(app, path).status_code == 302


def test_unknown_link_says_so_in_dutch(app: Flask) -> None:
    response = app.test_client().get("/account/activeren/bestaat-niet")
    assert response.status_code == 404
    assert "onbekend" in response.get_data(as_text=True)


def test_reset_replaces_the_password_and_the_old_link(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    _create_by_beheerder(client, session, now)
    [first] = activation_links(app, EVA["email"])
    assert _activate(app, first).status_code == 302
    user = session.scalar(select(User).where(User.email == EVA["email"]))
    assert user is not None
    # The user forgets its password; the beheerder sends a new link (twice).
    assert client.post(f"/beheer/gebruikers/{user.id}/activeringslink").status_code == 302
    assert client.post(f"/beheer/gebruikers/{user.id}/activeringslink").status_code == 302
    assert not _can_log_in(app, EVA["email"], NEW_PASSWORD)
    _first, replaced, latest = activation_links(app, EVA["email"])
    refused = _activate(app, replaced, "vervangen-wachtwoord")
    assert refused.status_code == 410 and "vervangen" in refused.get_data(as_text=True)
    assert _activate(app, latest, "nieuw-gekozen-wachtwoord").status_code == 302
    assert _can_log_in(app, EVA["email"], "nieuw-gekozen-wachtwoord")
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "user", AuditEvent.object_id == user.id
        )
    ).all()
    assert actions.count("user.activation_sent") == 3
    assert actions.count("user.reset") == 2
    assert actions.count("user.activated") == 2


def test_outbox_pages_do_not_show_the_link_to_an_inkoper(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    _create_by_beheerder(client, session, now)
    [path] = activation_links(app, EVA["email"])
    token = path.rsplit("/", 1)[1]
    officer = app.test_client()
    login(officer, make_user(session, Role.PROCUREMENT_OFFICER, now=now))
    session.commit()
    listing = officer.get(_outbox_url(app))
    assert listing.status_code == 200
    assert token not in listing.get_data(as_text=True)
    [name] = notifications.outbox_names(app.instance_path)
    message = officer.get(_outbox_url(app, name))
    assert message.status_code == 200
    body = message.get_data(as_text=True)
    assert token not in body and "persoonlijke activeringslink" in body


def _outbox_url(app: Flask, name: str | None = None) -> str:
    from flask import url_for

    with app.test_request_context():
        if name is None:
            return url_for("qa.outbox")
        return url_for("qa.outbox_message", name=name)


def test_logged_in_user_cannot_use_an_activation_link(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    _create_by_beheerder(client, session, now)
    [path] = activation_links(app, EVA["email"])
    response = client.post(path, data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 403
    assert not _can_log_in(app, EVA["email"], NEW_PASSWORD)


def test_a_password_someone_else_chose_must_be_changed_before_anything_else(
    app: Flask, session: Session, now: datetime
) -> None:
    result = app.test_cli_runner().invoke(
        args=["user", "create", "--email", "ada@regio.nl", "--name", "Ada", "--role",
              "adviesraad", "--password", "tijdelijk-wachtwoord"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "eerste keer inloggen" in result.output
    client = app.test_client()
    response = client.post(
        "/inloggen", data={"email": "ada@regio.nl", "password": "tijdelijk-wachtwoord"}
    )
    assert response.status_code == 302
    for path in ("/", "/aanbestedingen/", "/account"):
        blocked = client.get(path)
        assert blocked.status_code == 302, path
        assert blocked.headers["Location"].endswith("/account/wachtwoord"), path
    assert client.post("/aanbestedingen/nieuw").headers["Location"].endswith("/account/wachtwoord")
    form = client.get("/account/wachtwoord").get_data(as_text=True)
    assert "Kies nu een eigen wachtwoord" in form
    same = client.post(
        "/account/wachtwoord",
        data={"current": "tijdelijk-wachtwoord", "password": "tijdelijk-wachtwoord",
              "password_repeat": "tijdelijk-wachtwoord"},
    )  # fmt: skip
    assert "Kies een ander wachtwoord" in same.get_data(as_text=True)
    changed = client.post(
        "/account/wachtwoord",
        data={"current": "tijdelijk-wachtwoord", "password": NEW_PASSWORD,
              "password_repeat": NEW_PASSWORD},
    )  # fmt: skip
    assert changed.status_code == 302
    assert client.get("/aanbestedingen/").status_code == 200
    user = session.scalar(select(User).where(User.email == "ada@regio.nl"))
    assert user is not None and not user.must_change_password


def test_provider_accounts_are_not_listed_for_the_beheerder(
    client: FlaskClient, session: Session, now: datetime
) -> None:
    provider = make_user(session, Role.PROVIDER, now=now)
    login(client, make_user(session, Role.ADMINISTRATOR, now=now))
    session.commit()
    html = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert provider.email not in html
    assert provider.organisation.name not in html
    assert client.get(f"/beheer/gebruikers/{provider.id}").status_code == 404


def test_activation_refuses_a_common_or_personal_password_and_the_link_keeps_working(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    _create_by_beheerder(client, session, now)
    [path] = activation_links(app, EVA["email"])
    for weak, message in (
        ("blahblahblah", "veelgebruikte wachtwoorden"),
        ("Evaluator-is-mijn-naam", "bevat uw naam"),
    ):
        refused = _activate(app, path, weak)
        assert refused.status_code == 200 and message in refused.get_data(as_text=True), weak
        assert not _can_log_in(app, EVA["email"], weak)
    assert _activate(app, path).status_code == 302
    assert _can_log_in(app, EVA["email"], NEW_PASSWORD)
