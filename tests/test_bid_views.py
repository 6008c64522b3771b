"""The provider's bid through the web: uploads, word limits, forms that keep input."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from factories import login, make_complete_bid, make_published_tender, make_user, pdf_bytes
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from tender import clock
from tender.accounts.models import Role
from tender.bids.models import Attachment, Bid
from tender.bids.uploads import uploads_dir
from tender.timefmt import format_number


@pytest.fixture
def setup(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    db = app.extensions["tender.sessionmaker"]()
    tender = make_published_tender(db, now=now)
    provider = make_user(db, Role.PROVIDER, now=now)
    db.commit()
    client = app.test_client()
    login(client, provider)
    clock.set_clock(lambda: now)
    response = client.post(f"/aanbestedingen/{tender.id}/inschrijven")
    bid_id = int(response.headers["Location"].rsplit("/", 1)[1])
    yield {"db": db, "client": client, "tender": tender, "provider": provider, "bid_id": bid_id}
    db.close()


def _plan_url(setup) -> str:  # type: ignore[no-untyped-def]
    return f"/inschrijvingen/{setup['bid_id']}/plannen/{setup['tender'].criteria[0].id}"


def _post_plan(client: FlaskClient, url: str, text: str, file=None):  # type: ignore[no-untyped-def]
    data = {"text": text}
    if file is not None:
        data["attachment"] = file
    return client.post(url, data=data, content_type="multipart/form-data")


def test_word_limit_enforced_server_side_and_text_kept(setup) -> None:  # type: ignore[no-untyped-def]
    criterion = setup["tender"].criteria[0]
    text = " ".join(["woord"] * (criterion.max_words + 1))
    response = _post_plan(setup["client"], _plan_url(setup), text)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"het maximum is {format_number(criterion.max_words)}" in html
    assert "Kort de tekst met 1 woord in." in html  # not "1 woorden"
    assert text in html  # nothing typed is lost
    setup["db"].expire_all()
    assert setup["db"].get(Bid, setup["bid_id"]).plans == []


@pytest.mark.parametrize(
    "filename,content,message",
    [
        ("plan.pdf", b"GIF89a this is not a pdf at all", "is geen PDF-bestand"),
        ("plan.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF", "maximaal 10 MB"),
        ("../../etc/passwd.pdf", None, "is niet toegestaan"),
        # A right-to-left override shows "plan\u202efdp.exe" as "planexe.pdf".
        ("plan\u202efdp.exe", None, "is niet toegestaan"),
    ],
    ids=["renamed non-PDF", "oversized", "path traversal", "direction override"],
)
def test_bad_uploads_are_refused_in_dutch_and_plan_text_kept(
    setup,
    filename: str,
    content: bytes | None,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    data = content if content is not None else pdf_bytes()
    response = _post_plan(
        setup["client"], _plan_url(setup), "Mijn plan.", (io.BytesIO(data), filename)
    )
    html = response.get_data(as_text=True)
    assert message in html
    assert "Mijn plan." in html
    assert setup["db"].scalar(select(Attachment)) is None
    assert list(uploads_dir(setup["client"].application.instance_path).iterdir()) == []


def test_valid_pdf_round_trips_byte_for_byte(setup) -> None:  # type: ignore[no-untyped-def]
    original = pdf_bytes("Onze aanpak")
    response = _post_plan(
        setup["client"], _plan_url(setup), "Mijn plan.", (io.BytesIO(original), "aanpak.pdf")
    )
    assert response.status_code == 302
    attachment = setup["db"].scalar(select(Attachment))
    assert attachment.original_filename == "aanpak.pdf" and attachment.stored_name != "aanpak.pdf"
    download = setup["client"].get(f"/inschrijvingen/{setup['bid_id']}/bijlagen/{attachment.id}")
    assert download.status_code == 200
    assert download.data == original
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_organisation_form_error_keeps_input(setup) -> None:  # type: ignore[no-untyped-def]
    data = {
        "organisation_name": "Nieuwe Naam",
        "kvk_number": "123",
        "street_address": "Straat 1",
        "postcode": "3995 AA",
        "city": "Houten",
        "contact_person": "Jan",
        "email": "jan@example.org",
        "phone": "",
        "website": "",
    }
    response = setup["client"].post(f"/inschrijvingen/{setup['bid_id']}/organisatie", data=data)
    html = response.get_data(as_text=True)
    assert "Een KvK-nummer bestaat uit precies 8 cijfers." in html
    assert 'value="Nieuwe Naam"' in html and 'value="123"' in html


def test_coverage_row_helper_works_without_javascript(setup) -> None:  # type: ignore[no-untyped-def]
    client, tender, bid_id = setup["client"], setup["tender"], setup["bid_id"]
    lot = tender.lots[0]
    client.post(f"/inschrijvingen/{bid_id}/percelen", data={"lot": [str(lot.id)]})
    first, second = lot.municipalities[0], lot.municipalities[1]
    group = lot.target_groups[0]
    response = client.post(
        f"/inschrijvingen/{bid_id}/dekking",
        data={
            f"cell-{lot.id}": [f"{second.id}-{group.id}"],
            "helper": f"{lot.id}:rij-{first.id}",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/dekking")
    setup["db"].expire_all()
    cells = {(c.municipality_id, c.target_group_id) for c in setup["db"].get(Bid, bid_id).coverage}
    expected = {(first.id, g.id) for g in lot.target_groups} | {(second.id, group.id)}
    assert cells == expected


def test_full_web_submission_and_receipt_pdf(setup, now: datetime) -> None:  # type: ignore[no-untyped-def]
    db, client = setup["db"], setup["client"]
    bid = db.get(Bid, setup["bid_id"])
    make_complete_bid(
        db,
        tender=setup["tender"],
        provider=setup["provider"],
        now=now,
        storage_dir=uploads_dir(client.application.instance_path),
    )
    db.commit()
    overview = client.get(f"/inschrijvingen/{bid.id}").get_data(as_text=True)
    assert "Alle onderdelen zijn ingevuld." in overview
    clock.set_clock(lambda: now + timedelta(seconds=7))
    response = client.post(f"/inschrijvingen/{bid.id}/indienen", data={"understood": "y"})
    assert response.headers["Location"].endswith(f"/inschrijvingen/{bid.id}/ontvangstbevestiging/1")
    db.expire_all()
    bid = db.get(Bid, bid.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert bid.digest in page and "24-11-2026 14:00:07" in page
    pdf = client.get(f"/inschrijvingen/{bid.id}/ontvangstbevestiging/1.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert bid.digest in text and "24-11-2026 14:00:07" in text


def test_changes_after_deadline_refused_in_the_web(setup, now: datetime) -> None:  # type: ignore[no-untyped-def]
    clock.set_clock(lambda: setup["tender"].submission_deadline)
    response = _post_plan(setup["client"], _plan_url(setup), "Te laat")
    html = response.get_data(as_text=True)
    assert "is verstreken" in html and "Te laat" in html
    setup["db"].expire_all()
    assert setup["db"].get(Bid, setup["bid_id"]).plans == []


def test_owner_removes_a_network_partner(setup, now: datetime) -> None:  # type: ignore[no-untyped-def]
    db, client = setup["db"], setup["client"]
    bid = db.get(Bid, setup["bid_id"])
    make_complete_bid(
        db,
        tender=setup["tender"],
        provider=setup["provider"],
        now=now,
        storage_dir=uploads_dir(client.application.instance_path),
    )
    db.commit()
    partner_id, name = bid.network_partners[0].id, bid.network_partners[0].name
    response = client.post(
        f"/inschrijvingen/{bid.id}/netwerk/{partner_id}/verwijderen", follow_redirects=True
    )
    assert f"{name} is verwijderd." in response.get_data(as_text=True)
    db.expire_all()
    assert partner_id not in {p.id for p in db.get(Bid, bid.id).network_partners}
