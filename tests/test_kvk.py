"""KvK numbers: checked through a pluggable verifier (never the network in tests) and
shown to the inkoper at the opening when not verified, never before (issue 14 item 2)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

import pytest
from factories import login, make_opened_tender, make_published_tender, make_user
from flask import Flask
from sqlalchemy import select
from test_account_activation import confirmation_links

from tender import clock
from tender.accounts import kvk
from tender.accounts.models import KvkStatus, Organisation, Role
from tender.tenders import service as tenders

REGISTRATION = {
    "organisation_name": "Echt Zorg BV",
    "kvk_number": "8765 4321",
    "street_address": "Lekdijk 4",
    "postcode": "3401 AB",
    "city": "IJsselstein",
    "phone": "",
    "website": "",
    "contact_person": "Petra de Vries",
    "email": "petra@echtzorg.example.org",
    "password": "lang-genoeg-wachtwoord",
    "password_repeat": "lang-genoeg-wachtwoord",
}


class FakeVerifier:
    """Knows the numbers it is given; records what it was asked."""

    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.asked: list[str] = []

    def verify(self, kvk_number: str) -> kvk.KvkVerdict:
        self.asked.append(kvk_number)
        if kvk_number in self.known:
            return kvk.KvkVerdict(KvkStatus.VERIFIED, "gevonden")
        return kvk.KvkVerdict(KvkStatus.UNVERIFIED, "niet gevonden")


def _register_and_confirm(app: Flask) -> Organisation:
    assert app.test_client().post("/registreren", data=REGISTRATION).status_code == 200
    [path] = confirmation_links(app, REGISTRATION["email"])
    assert app.test_client().post(path).status_code == 302
    db = app.extensions["tender.sessionmaker"]()
    organisation = db.scalar(select(Organisation).where(Organisation.kvk_number == "87654321"))
    db.close()
    return organisation


@pytest.mark.parametrize(
    "known,status", [({"87654321"}, KvkStatus.VERIFIED), (set(), KvkStatus.UNVERIFIED)]
)
def test_a_new_organisation_is_checked_by_the_configured_verifier(
    app: Flask, known: set[str], status: KvkStatus
) -> None:
    verifier = FakeVerifier(known)
    app.config["KVK_VERIFIER"] = verifier
    organisation = _register_and_confirm(app)
    assert verifier.asked == ["87654321"]
    assert organisation.kvk_status == status and organisation.kvk_checked_at is not None


def test_without_a_verifier_the_organisation_stays_unchecked(app: Flask) -> None:
    organisation = _register_and_confirm(app)
    assert organisation.kvk_status == KvkStatus.UNCHECKED


def test_the_setting_picks_the_api_verifier() -> None:
    verifier = kvk.configured_verifier(
        {"KVK_API_URL": "https://kvk.invalid/api/", "KVK_API_KEY": "k"}
    )
    assert isinstance(verifier, kvk.KvkApiVerifier) and verifier.url == "https://kvk.invalid/api"
    assert kvk.configured_verifier({}) is None


class _Reply(io.BytesIO):
    def __enter__(self) -> _Reply:
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()


def _answer(monkeypatch: pytest.MonkeyPatch, outcome: Any) -> list[urllib.request.Request]:
    """urllib answers ``outcome`` (bytes, or an exception to raise); no network."""
    asked: list[urllib.request.Request] = []

    def urlopen(request: urllib.request.Request, timeout: float) -> _Reply:
        asked.append(request)
        assert timeout == 3.0
        if isinstance(outcome, BaseException):
            raise outcome
        return _Reply(outcome)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return asked


def _api() -> kvk.KvkApiVerifier:
    return kvk.KvkApiVerifier("https://kvk.invalid/basisprofielen", "geheim", timeout=3.0)


def test_the_api_verifies_a_number_the_register_returns(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _answer(monkeypatch, json.dumps({"kvkNummer": "87654321", "naam": "X"}).encode())
    verdict = _api().verify("87654321")
    assert verdict.status == KvkStatus.VERIFIED
    assert asked[0].full_url == "https://kvk.invalid/basisprofielen/87654321"
    assert asked[0].get_header("Apikey") == "geheim"


@pytest.mark.parametrize(
    "outcome,note",
    [
        (TimeoutError("timed out"), "niet bereikbaar"),
        (urllib.error.URLError(TimeoutError("timed out")), "niet bereikbaar"),
        (
            urllib.error.HTTPError("u", 404, "Not Found", {}, None),  # type: ignore[arg-type]
            "niet gevonden",
        ),
        (urllib.error.HTTPError("u", 500, "Fout", {}, None), "fout 500"),  # type: ignore[arg-type]
        (b"geen json", "onleesbaar"),
        (json.dumps({"kvkNummer": "11111111"}).encode(), "niet gevonden"),
    ],
)
def test_the_api_marks_unverified_when_it_cannot_confirm(
    monkeypatch: pytest.MonkeyPatch, outcome: Any, note: str
) -> None:
    _answer(monkeypatch, outcome)
    verdict = _api().verify("87654321")
    assert verdict.status == KvkStatus.UNVERIFIED and note in verdict.note


def test_the_inkoper_sees_unverified_bidders_after_the_opening(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    tender, providers, officers, opened_at = make_opened_tender(
        db, now=now, bids=2, instance_path=app.instance_path
    )
    verified, unverified = (p.organisation for p in providers)
    verified.kvk_status = KvkStatus.VERIFIED
    unverified.kvk_status = KvkStatus.UNVERIFIED
    unverified.kvk_note = "niet gevonden in het Handelsregister"
    db.commit()
    clock.set_clock(lambda: opened_at)
    client = app.test_client()
    login(client, officers[0])
    html = client.get(f"/aanbestedingen/{tender.id}/opening").get_data(as_text=True)
    assert 'id="kvk-niet-geverifieerd"' in html
    assert unverified.name in html and verified.name not in html
    db.close()


def test_before_the_opening_no_bidder_is_named(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    from factories import make_complete_bid

    from tender.bids import service as bids
    from tender.bids.uploads import uploads_dir

    tender = make_published_tender(db, now=now)
    provider = make_user(db, Role.PROVIDER, now=now)
    bid = make_complete_bid(
        db, tender=tender, provider=provider, now=now, storage_dir=uploads_dir(app.instance_path)
    )
    bids.submit(db, bid=bid, actor=provider, now=now)
    provider.organisation.kvk_status = KvkStatus.UNVERIFIED
    officer = make_user(db, Role.PROCUREMENT_OFFICER, now=now)
    after_deadline = tender.submission_deadline
    tenders.close_if_due(db, tender=tender, now=after_deadline)
    db.commit()
    clock.set_clock(lambda: after_deadline)
    client = app.test_client()
    login(client, officer)
    html = client.get(f"/aanbestedingen/{tender.id}/opening").get_data(as_text=True)
    assert provider.organisation.name not in html
    assert provider.organisation.kvk_number not in html
    assert "kvk-niet-geverifieerd" not in html
    assert kvk.unverified_bidders(db, tender) == [provider.organisation]  # it is there to show
    db.close()
