"""ASVS-derived checks over HTTP, from the attacker's side (issue 13 item 10).

Black-box: only requests and the answers' status, headers and cookies, as a scanner
or a security officer checking ASVS level 2 and the BIO would see them. The rules
themselves are tested beside their code (tests/test_input_hardening.py and others).
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

import pytest
from factories import PASSWORD, login, make_published_tender, make_user
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tender import clock
from tender.accounts.models import Role, User
from tender.tenders.models import Tender, TenderState

HOSTILE_NEXT = [
    "/%09/evil.example",
    "/%09/evil.example/",
    "//evil.example",
    "///evil.example",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%5C/evil.example",
    "https://evil.example",
    "https:evil.example",
    "HTTPS://evil.example/",
    "//evil.example@localhost/",
    "/%0A/evil.example",
    "/%0D%0ALocation:%20https://evil.example",
    "/%00/evil.example",
    "%20//evil.example",
    "javascript:alert(1)",
    "/%2F/evil.example",
    "/.//evil.example",
]


def _browser_reads(location: str) -> tuple[str, str]:
    """(scheme, host) a browser would go to: it drops tabs and line breaks and reads a
    backslash as a slash before resolving the Location against the page."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    parts = urlsplit(cleaned)
    return parts.scheme.lower(), (parts.hostname or "").lower()


@pytest.fixture
def officer(session: Session, now: datetime) -> User:
    user = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    session.commit()
    clock.set_clock(lambda: now)
    return user


def _log_in(client: FlaskClient, user: User, next_value: str) -> TestResponse:
    return client.post(
        f"/inloggen?next={next_value}", data={"email": user.email, "password": PASSWORD}
    )


@pytest.mark.parametrize("next_value", HOSTILE_NEXT)
def test_no_open_redirect_after_login(app: Flask, officer: User, next_value: str) -> None:
    response = _log_in(app.test_client(), officer, next_value)
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert not re.search(r"[\x00-\x1f\x7f\\]", location), location
    scheme, host = _browser_reads(location)
    assert (scheme, host) in (("", ""), ("http", "localhost")), location
    assert not urlsplit(location).path.startswith("//"), location


def test_login_still_goes_to_a_path_of_the_app(app: Flask, officer: User) -> None:
    response = _log_in(app.test_client(), officer, quote("/aanbestedingen/?pagina=2"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/aanbestedingen/?pagina=2")


def _csp(response: TestResponse) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def _check_headers(response: TestResponse, *, logged_in: bool, https: bool) -> list[str]:
    problems = []
    csp = _csp(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        problems.append("no script-src or default-src in the CSP")
    elif "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        problems.append(f"CSP allows inline or any script: {scripts}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors is {csp.get('frame-ancestors')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    hsts = response.headers.get("Strict-Transport-Security")
    if https and not (hsts and re.search(r"max-age=(\d+)", hsts)):
        problems.append("no HSTS over HTTPS")
    if https and hsts and int(re.search(r"max-age=(\d+)", hsts).group(1)) < 15_552_000:  # type: ignore[union-attr]
        problems.append(f"HSTS shorter than 180 days: {hsts}")
    if not https and hsts:
        problems.append("HSTS over plain HTTP")
    cache = response.headers.get("Cache-Control", "")
    if logged_in and "no-store" not in cache:
        problems.append(f"Cache-Control without no-store for a logged-in user: {cache!r}")
    return problems


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_security_headers_on_every_kind_of_response(
    app: Flask, session: Session, now: datetime, officer: User, https: bool
) -> None:
    tender = make_published_tender(session, now=now)
    session.commit()
    base = "https://localhost" if https else "http://localhost"
    anonymous = app.test_client()
    requests = {
        "login page": lambda c: c.get("/inloggen", base_url=base),
        "redirect to login": lambda c: c.get("/aanbestedingen/", base_url=base),
        "not found": lambda c: c.get("/bestaat-niet", base_url=base),
        "static file": lambda c: c.get("/static/tender.css", base_url=base),
        "refused form": lambda c: c.post("/inloggen", data={}, base_url=base),
    }
    problems = []
    for name, ask in requests.items():
        response = ask(anonymous)
        problems += [
            f"anonymous {name}: {p}" for p in _check_headers(response, logged_in=False, https=https)
        ]
    client = app.test_client()
    login(client, officer)
    logged_in = {
        "page": client.get(f"/aanbestedingen/{tender.id}", base_url=base),
        "forbidden": client.get("/beheer/gebruikers", base_url=base),
        "not found": client.get("/aanbestedingen/999999", base_url=base),
        "download": client.get(f"/aanbestedingen/{tender.id}/criteriabestand", base_url=base),
        "post": client.post(f"/aanbestedingen/{tender.id}/ondertekenaar", data={}, base_url=base),
    }
    assert logged_in["page"].status_code == 200
    assert logged_in["forbidden"].status_code == 403
    assert logged_in["download"].status_code == 200
    for name, response in logged_in.items():
        problems += [
            f"logged in {name}: {p}" for p in _check_headers(response, logged_in=True, https=https)
        ]
    assert problems == []


def _session_cookie(response: TestResponse) -> dict[str, str | bool]:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            morsel = SimpleCookie(header)["session"]
            return {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": str(morsel["samesite"]),
            }
    raise AssertionError("no session cookie set")


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [
        ("https://aanbesteding.example", True),
        ("http://aanbesteding.example", True),  # behind a proxy that ends TLS
        ("http://127.0.0.1:5000", False),  # development: flask run on this machine
        ("http://localhost:5000", False),
    ],
)
def test_session_cookie_flags(app: Flask, officer: User, base_url: str, secure: bool) -> None:
    client = app.test_client()
    response = client.post(
        "/inloggen", data={"email": officer.email, "password": PASSWORD}, base_url=base_url
    )
    assert response.status_code == 302
    assert _session_cookie(response) == {"secure": secure, "httponly": True, "samesite": "Lax"}


def test_an_oversized_post_is_refused_with_413_before_it_is_read(app: Flask, officer: User) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit <= 64 * 1024 * 1024
    body = b"email=" + b"a" * limit
    response = app.test_client().post(
        "/inloggen", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True).lower()
    client = app.test_client()
    login(client, officer)
    files = {"upload": (io.BytesIO(b"x" * (limit + 1)), "groot.toml")}
    response = client.post("/aanbestedingen/nieuw", data=files, content_type="multipart/form-data")
    assert response.status_code == 413


def test_csrf_refused_without_a_valid_token(
    app: Flask, session: Session, now: datetime, officer: User
) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    tender = make_published_tender(session, now=now)
    session.commit()
    tender_id = tender.id
    client = app.test_client()
    login(client, officer)
    withdraw = f"/aanbestedingen/{tender_id}/intrekken"
    reason = {"reason": "Ingetrokken door een aanvaller op een andere site."}
    assert client.post(withdraw, data=reason).status_code == 400
    forged = {**reason, "csrf_token": "IjEyMyI.aGVsbG8.d29ybGQ"}
    assert client.post(withdraw, data=forged).status_code == 400
    # A token of another session does not count either.
    other = app.test_client()
    login(other, officer)
    page = other.get(withdraw).get_data(as_text=True)
    foreign = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert foreign is not None
    assert client.post(withdraw, data={**reason, "csrf_token": foreign.group(1)}).status_code == 400
    session.expire_all()
    assert session.get(Tender, tender_id).state == TenderState.PUBLISHED
    # Logging out and logging in are protected too (login CSRF).
    assert client.post("/uitloggen").status_code == 400
    anonymous = app.test_client()
    response = anonymous.post("/inloggen", data={"email": officer.email, "password": PASSWORD})
    assert response.status_code == 400
    # The page's own token works: the check refuses forgeries, not the user.
    own = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(withdraw).get_data(as_text=True)
    )
    assert own is not None
    own_token = {"csrf_token": own.group(1), "understood": "y"}
    response = client.post(withdraw, data={**reason, **own_token})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Tender, tender_id).state == TenderState.WITHDRAWN
