"""Logins are throttled per account and per address, every attempt is audited without
the password, and the password policy refuses common and personal passwords."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import redis
from factories import PASSWORD, make_user
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import create_app
from tender.accounts import passwords
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.extensions import limiter

REDIS_URL = "redis://127.0.0.1:6379/0"


def _login(client: FlaskClient, email: str, password: str, address: str = "198.51.100.7"):  # type: ignore[no-untyped-def]
    return client.post(
        "/inloggen",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _user(session: Session, now: datetime, role: Role = Role.EVALUATOR) -> User:
    user = make_user(session, role, now=now)
    session.commit()
    return user


def test_five_failures_lock_the_account_even_for_the_right_password(
    client: FlaskClient, session: Session, now: datetime
) -> None:
    user = _user(session, now)
    for _ in range(5):
        assert _login(client, user.email, "verkeerd-wachtwoord").status_code == 200
    locked = _login(client, user.email.upper() + " ", PASSWORD)  # normalised: same account
    html = locked.get_data(as_text=True)
    assert locked.status_code == 429
    assert "ook met het juiste wachtwoord" in html and "Probeer het opnieuw na" in html
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "/inloggen" in client.get("/beoordelaar").headers["Location"]
    # Another account from the same address is not locked.
    other = _user(session, now)
    assert _login(client, other.email, PASSWORD).status_code == 302


def test_successful_logins_do_not_count_towards_the_lockout(
    app: Flask, session: Session, now: datetime
) -> None:
    user = _user(session, now)
    for _ in range(8):
        assert _login(app.test_client(), user.email, PASSWORD).status_code == 302
    for _ in range(4):
        assert _login(app.test_client(), user.email, "verkeerd-wachtwoord").status_code == 200
    assert _login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_failures_from_one_address_lock_that_address_only(
    app: Flask, session: Session, now: datetime
) -> None:
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    users = [_user(session, now) for _ in range(4)]
    for user in users[:3]:
        assert _login(app.test_client(), user.email, "fout-fout-fout").status_code == 200
    # A fourth account, tried from the same address, even with its right password.
    assert _login(app.test_client(), users[3].email, PASSWORD).status_code == 429
    assert _login(app.test_client(), users[3].email, PASSWORD, "203.0.113.9").status_code == 302


def test_the_lockout_ends_when_the_window_has_passed(
    app: Flask, session: Session, now: datetime
) -> None:
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 1 second"
    user = _user(session, now)
    for _ in range(2):
        _login(app.test_client(), user.email, "verkeerd-wachtwoord")
    assert _login(app.test_client(), user.email, PASSWORD).status_code == 429
    time.sleep(1.1)
    assert _login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_every_login_is_audited_without_the_password(
    app: Flask, session: Session, now: datetime
) -> None:
    user = _user(session, now)
    blocked = _user(session, now)
    blocked.active = False
    session.commit()
    _login(app.test_client(), user.email, PASSWORD)
    _login(app.test_client(), user.email, "geheim-fout-wachtwoord")
    _login(app.test_client(), "niemand@example.org", "geheim-onbekend-wachtwoord")
    _login(app.test_client(), blocked.email, PASSWORD)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("login.%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.details.get("reden")) for e in events] == [
        ("login.success", None),
        ("login.failed", "wachtwoord onjuist"),
        ("login.failed", "onbekend e-mailadres"),
        ("login.failed", "account geblokkeerd"),
    ]
    assert events[0].actor_id == user.id and events[0].object_id == user.id
    assert [e.details["adres"] for e in events] == ["198.51.100.7"] * 4
    assert [e.details.get("email") for e in events[1:]] == [
        user.email,
        "niemand@example.org",
        blocked.email,
    ]
    assert events[2].object_id is None and events[2].actor_id is None
    stored = repr([(e.details, e.actor_label) for e in events])
    for secret in (PASSWORD, "geheim-fout-wachtwoord", "geheim-onbekend-wachtwoord"):
        assert secret not in stored
    assert user.password_hash not in stored


@pytest.fixture
def redis_app(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app that counts in Redis under a key prefix of its own, removed afterwards.

    Made after ``app`` (the one limiter takes the storage of the app made last).
    Without a Redis server the test is skipped locally and fails in CI."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis server at {REDIS_URL} (.ci/run starts one)")
    prefix = f"tender-test-{uuid.uuid4().hex}"
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": prefix},
        },
        instance_path=str(tmp_path / "redis-instance"),
    )
    yield application
    with application.app_context():
        limiter.reset()  # the storage's reset removes only keys under its own prefix
    assert not redis.Redis.from_url(REDIS_URL).keys(f"{prefix}:*")
    application.extensions["tender.engine"].dispose()


def test_the_limit_is_kept_in_redis_when_configured(
    redis_app: Flask, session: Session, now: datetime
) -> None:
    user = _user(session, now)
    for _ in range(5):
        assert _login(redis_app.test_client(), user.email, "verkeerd-wachtwoord").status_code == 200
    prefix = limiter.storage.key_prefix  # type: ignore[attr-defined]
    keys = redis.Redis.from_url(REDIS_URL).keys(f"{prefix}:*")
    assert any(user.email.encode() in key for key in keys)
    assert _login(redis_app.test_client(), user.email, PASSWORD).status_code == 429


@pytest.mark.parametrize(
    "password",
    ["123456789012", "Qwertyuiop123", "PASSWORD1234", "1q2w3e4r5t6y"],
)
def test_common_passwords_are_refused_whatever_their_case(password: str) -> None:
    problem = passwords.password_problem(password)
    assert problem is not None and "veelgebruikte wachtwoorden" in problem


def test_the_common_list_is_the_shipped_100000() -> None:
    common = passwords.common_passwords()
    assert len(common) > 95_000  # 100,000 lines, fewer once lower-cased
    assert {"123456", "password", "dragon", "qwertyuiop"} <= common


def test_personal_data_in_a_password_is_refused_but_short_name_parts_are_not() -> None:
    personal = passwords.personal_tokens(
        name="Jan de Vries", email="j.devries@zorg.example", organisation="Thuiszorg Lek B.V."
    )
    assert {"vries", "devries", "thuiszorg", "thuiszorglekbv"} <= personal
    assert "jan" not in personal and "de" not in personal
    for refused in ("Vries-is-mijn-naam", "ik-ben-j.devries!", "THUISZORG-wachtwoord"):
        assert passwords.password_problem(refused, personal=personal) is not None, refused
    for allowed in ("jan-en-de-rest-gaan-fietsen", "een-lange-zin-zonder-namen"):
        assert passwords.password_problem(allowed, personal=personal) is None, allowed


def test_the_own_password_form_applies_the_policy_and_keeps_the_session(
    app: Flask, session: Session, now: datetime
) -> None:
    user = _user(session, now, Role.ADVISORY_COUNCIL)
    client = app.test_client()
    assert _login(client, user.email, PASSWORD).status_code == 302
    for weak in ("blahblahblah", user.name.split()[0] + "-wachtwoord"):
        response = client.post(
            "/account/wachtwoord",
            data={"current": PASSWORD, "password": weak, "password_repeat": weak},
        )
        assert response.status_code == 200 and "Kies een" in response.get_data(as_text=True)
    good = "fietsen-langs-de-lek"
    changed = client.post(
        "/account/wachtwoord", data={"current": PASSWORD, "password": good, "password_repeat": good}
    )
    assert changed.status_code == 302
    assert client.get("/account").status_code == 200


def test_logins_go_on_when_the_limit_storage_is_down(
    app: Flask, database_url: str, tmp_path: Path, session: Session, now: datetime
) -> None:
    """A Redis that is down does not stop the login (a 500 before): the counts fall back
    to this process's memory until it is back, so the lockout still holds."""
    down = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",  # the discard port: nothing
        },
        instance_path=str(tmp_path / "down-instance"),
    )
    user = _user(session, now)
    assert _login(down.test_client(), user.email, PASSWORD).status_code == 302
    for _ in range(5):
        assert _login(down.test_client(), user.email, "verkeerd-wachtwoord").status_code == 200
    assert _login(down.test_client(), user.email, PASSWORD).status_code == 429
    down.extensions["tender.engine"].dispose()
