"""Login, provider registration, staff accounts, CSRF and the secret key."""

from __future__ import annotations

import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import PASSWORD, login, make_user
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_account_activation import confirmation_links, mails

from tender import clock, create_app
from tender.accounts import service as accounts_service
from tender.accounts.models import Organisation, PendingRegistration, Role, User

REGISTRATION = {
    "organisation_name": "Zorg & Co",
    "kvk_number": "1234567",  # 7 digits: wrong
    "street_address": "Lekdijk 4",
    "postcode": "3401 AB",
    "city": "IJsselstein",
    "phone": "030-1234567",
    "website": "https://zorgenco.example.org",
    "contact_person": "Petra de Vries",
    "email": "petra@zorgenco.example.org",
    "password": "lang-genoeg-wachtwoord",
    "password_repeat": "lang-genoeg-wachtwoord",
}


def test_registration_with_bad_kvk_keeps_every_typed_value(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/registreren", data=REGISTRATION)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Een KvK-nummer bestaat uit precies 8 cijfers." in html
    for key, value in REGISTRATION.items():
        if "password" not in key:
            assert f'value="{value.replace("&", "&amp;")}"' in html, key


def _confirmation_path(app: Flask, email: str) -> str:
    [path] = confirmation_links(app, email)
    return path


def test_registration_creates_the_account_only_when_the_address_is_confirmed(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    data = {**REGISTRATION, "kvk_number": "1234 5678"}
    response = client.post("/registreren", data=data)
    assert response.status_code == 200
    assert "Controleer uw e-mail" in response.get_data(as_text=True)
    assert session.scalar(select(Organisation)) is None and session.scalar(select(User)) is None
    # Not confirmed: the chosen password does not work yet (the generic refusal).
    early = client.post("/inloggen", data={"email": data["email"], "password": data["password"]})
    assert early.status_code == 200
    assert "E-mailadres of wachtwoord is onjuist" in early.get_data(as_text=True)

    path = _confirmation_path(app, data["email"])
    page = client.get(path)
    assert page.status_code == 200 and "Zorg &amp; Co" in page.get_data(as_text=True)
    assert session.scalar(select(User)) is None  # GET changes nothing
    confirmed = client.post(path)
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith("/inloggen")
    organisation = session.scalar(select(Organisation))
    assert organisation is not None and organisation.kvk_number == "12345678"
    user = session.scalar(select(User))
    assert user is not None and user.role == Role.PROVIDER
    assert user.organisation_id == organisation.id
    assert user.password_hash != data["password"] and "lang-genoeg" not in user.password_hash
    ok = client.post("/inloggen", data={"email": data["email"], "password": data["password"]})
    assert ok.status_code == 302
    assert client.get("/aanbieder").status_code == 200
    # The link worked once.
    again = app.test_client().post(path)
    assert again.status_code == 410 and "al bevestigd" in again.get_data(as_text=True)
    assert session.scalars(select(PendingRegistration.password_hash)).all() == [""]


def test_registration_does_not_reveal_whether_the_address_has_an_account(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    existing = make_user(session, Role.PROVIDER, now=now)
    session.commit()
    old_hash = existing.password_hash
    known = client.post(
        "/registreren", data={**REGISTRATION, "kvk_number": "11112222", "email": existing.email}
    )
    new = app.test_client().post(
        "/registreren",
        data={**REGISTRATION, "kvk_number": "33334444", "email": "nieuw@zorgenco.example.org"},
    )
    assert known.status_code == new.status_code == 200
    assert known.get_data(as_text=True).replace(existing.email, "ADRES") == new.get_data(
        as_text=True
    ).replace("nieuw@zorgenco.example.org", "ADRES")
    # Each address got one e-mail; the known one is told it already has an account.
    [(_subject, body)] = mails(app, existing.email)
    assert "Er bestaat al een account" in body and "/inloggen" in body
    assert "/registreren/bevestigen/" not in body
    [(_subject, new_body)] = mails(app, "nieuw@zorgenco.example.org")
    assert "/registreren/bevestigen/" in new_body
    # Neither mail repeats free text the registrant typed (no phishing through the form).
    for text in (body, new_body):
        assert REGISTRATION["organisation_name"] not in text
        assert REGISTRATION["contact_person"] not in text
    # Nothing of the existing account changed and nothing was made for it.
    session.expire_all()
    assert session.get(User, existing.id).password_hash == old_hash
    assert session.scalar(select(Organisation).where(Organisation.kvk_number == "11112222")) is None
    assert session.scalars(select(PendingRegistration.email)).all() == [
        "nieuw@zorgenco.example.org"
    ]
    with_old_password = client.post(
        "/inloggen", data={"email": existing.email, "password": PASSWORD}
    )
    assert with_old_password.status_code == 302


def test_registration_hashes_a_password_whether_or_not_the_address_is_known(
    client: FlaskClient, session: Session, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = make_user(session, Role.PROVIDER, now=now)
    session.commit()
    hashed: list[str] = []
    real = accounts_service.hash_password
    monkeypatch.setattr(accounts_service, "hash_password", lambda p: hashed.append(p) or real(p))
    client.post("/registreren", data={**REGISTRATION, "kvk_number": "11112222",
                                      "email": existing.email})  # fmt: skip
    client.post("/registreren", data={**REGISTRATION, "kvk_number": "33334444"})
    assert len(hashed) == 2


def test_registration_refuses_weak_passwords_and_keeps_the_other_fields(
    client: FlaskClient, session: Session
) -> None:
    base = {**REGISTRATION, "kvk_number": "12345678"}
    for password, email, message in (
        ("qwertyuiop123", base["email"], "veelgebruikte wachtwoorden"),
        ("PETRA-heeft-een-wachtwoord", base["email"], "bevat uw naam"),
        ("mijn-zorg-en-co-wachtwoord", base["email"], "naam van uw organisatie"),
        ("Inkoop.Team-wachtwoord", "inkoop.team@zorgenco.example.org", "e-mailadres"),
    ):
        data = {**base, "email": email, "password": password, "password_repeat": password}
        response = client.post("/registreren", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and message in html, password
        assert 'value="Petra de Vries"' in html and 'value="3401 AB"' in html
    assert session.scalar(select(PendingRegistration)) is None
    accepted = client.post("/registreren", data=base)
    assert "Controleer uw e-mail" in accepted.get_data(as_text=True)


def test_confirmation_link_expires_after_72_hours(
    app: Flask, client: FlaskClient, session: Session, now: datetime
) -> None:
    clock.set_clock(lambda: now)
    client.post("/registreren", data={**REGISTRATION, "kvk_number": "12345678"})
    path = _confirmation_path(app, REGISTRATION["email"])
    clock.set_clock(lambda: now + timedelta(hours=72))
    expired = client.post(path)
    assert expired.status_code == 410 and "verlopen" in expired.get_data(as_text=True)
    assert session.scalar(select(User)) is None
    clock.set_clock(lambda: now + timedelta(hours=71, minutes=59))
    assert client.post(path).status_code == 302
    assert client.get("/registreren/bevestigen/bestaat-niet").status_code == 404


def test_registration_with_a_known_kvk_number_answers_like_any_other(
    client, session: Session, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    """A known KvK number is not revealed: it becomes a join request once the address is
    confirmed (tests/test_organisations.py)."""
    make_user(session, Role.PROVIDER, now=now)
    session.commit()
    kvk = session.scalar(select(Organisation.kvk_number))
    response = client.post("/registreren", data={**REGISTRATION, "kvk_number": kvk})
    html = response.get_data(as_text=True)
    assert "Controleer uw e-mail" in html and "al geregistreerd" not in html
    assert session.scalar(select(Organisation).where(Organisation.name == "Zorg & Co")) is None


def test_login_wrong_password_keeps_email(client, session: Session, now: datetime) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    response = client.post("/inloggen", data={"email": user.email, "password": "fout"})
    html = response.get_data(as_text=True)
    assert "E-mailadres of wachtwoord is onjuist" in html
    assert f'value="{user.email}"' in html
    ok = client.post("/inloggen", data={"email": user.email.upper(), "password": PASSWORD})
    assert ok.status_code == 302


def test_login_ignores_foreign_next_url(client, session: Session, now: datetime) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    response = client.post(
        "/inloggen?next=//evil.example/x", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_blocked_account_cannot_log_in_and_loses_its_session(
    client,
    session: Session,
    now: datetime,  # type: ignore[no-untyped-def]
) -> None:
    admin = make_user(session, Role.ADMINISTRATOR, now=now)
    evaluator = make_user(session, Role.EVALUATOR, now=now)
    session.commit()
    evaluator_client = client.application.test_client()
    login(evaluator_client, evaluator)
    assert evaluator_client.get("/beoordelaar").status_code == 200
    login(client, admin)
    assert client.post(f"/beheer/gebruikers/{evaluator.id}/status").status_code == 302
    assert evaluator_client.get("/beoordelaar").status_code == 302
    response = client.application.test_client().post(
        "/inloggen", data={"email": evaluator.email, "password": PASSWORD}
    )
    assert "geblokkeerd" in response.get_data(as_text=True)


def test_administrator_cannot_block_itself(client, session: Session, now: datetime) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(session, Role.ADMINISTRATOR, now=now)
    session.commit()
    login(client, admin)
    client.post(f"/beheer/gebruikers/{admin.id}/status")
    session.refresh(admin)
    assert admin.active


def test_administrator_creates_staff_account_with_an_activation_link(
    client,
    session: Session,
    now: datetime,  # type: ignore[no-untyped-def]
) -> None:
    login(client, make_user(session, Role.ADMINISTRATOR, now=now))
    session.commit()
    data = {"name": "Eva Evaluator", "email": "eva@regio.example.org", "role": "beoordelaar"}
    response = client.post("/beheer/gebruikers/nieuw", data=data)
    html = response.get_data(as_text=True)
    assert "activeringslink" in html and "Tijdelijk wachtwoord" not in html
    user = session.scalar(select(User).where(User.email == "eva@regio.example.org"))
    assert user is not None and user.role == Role.EVALUATOR
    assert not user.must_change_password
    again = client.post("/beheer/gebruikers/nieuw", data=data)
    assert "Er bestaat al een account" in again.get_data(as_text=True)
    assert 'value="Eva Evaluator"' in again.get_data(as_text=True)


def test_administrator_cannot_create_provider_accounts(
    client,
    session: Session,
    now: datetime,  # type: ignore[no-untyped-def]
) -> None:
    login(client, make_user(session, Role.ADMINISTRATOR, now=now))
    session.commit()
    data = {"name": "X", "email": "x@regio.example.org", "role": "aanbieder"}
    response = client.post("/beheer/gebruikers/nieuw", data=data)
    assert "Ongeldige keuze." in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email == "x@regio.example.org")) is None


def test_change_own_password(client, session: Session, now: datetime) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session, Role.ADVISORY_COUNCIL, now=now)
    session.commit()
    login(client, user)
    new = {"password": "nieuw-wachtwoord-1", "password_repeat": "nieuw-wachtwoord-1"}
    wrong = client.post("/account/wachtwoord", data={"current": "fout", **new})
    assert "Het huidige wachtwoord is onjuist." in wrong.get_data(as_text=True)
    ok = client.post("/account/wachtwoord", data={"current": PASSWORD, **new})
    assert ok.status_code == 302
    fresh = client.application.test_client()
    response = fresh.post("/inloggen", data={"email": user.email, "password": "nieuw-wachtwoord-1"})
    assert response.status_code == 302


@pytest.fixture
def csrf_app(database_url: str, tmp_path: Path) -> Flask:
    return create_app({"DATABASE_URL": database_url}, instance_path=str(tmp_path / "csrf"))


def test_forms_are_csrf_protected(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/inloggen", data={"email": "a@b.nl", "password": "x"})
    assert response.status_code == 400
    assert "verlopen" in response.get_data(as_text=True)
    csrf_app.extensions["tender.engine"].dispose()


def test_secret_key_is_generated_into_the_instance_folder(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path / "inst"))
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists()
    assert app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(app.config["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path / "inst"))
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_security_headers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/inloggen")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_demo_account_logs_in_directly_providers_included(
    app: Flask, session: Session, now: datetime
) -> None:
    """The demo makes its provider accounts without the e-mail confirmation."""
    from tender import demo

    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000/hour"  # one address logs in every account
    result = demo.build(
        session, criteria_path=None, bids=0, now=now, instance_path=app.instance_path
    )
    session.commit()
    roles = {role for role, _email, _password in result.credentials}
    assert "Aanbieder" in roles
    for _role, email, password in result.credentials:
        response = app.test_client().post("/inloggen", data={"email": email, "password": password})
        assert response.status_code == 302, email
