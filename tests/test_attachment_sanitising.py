"""Plan attachments reach evaluators only as derived copies (issue 10, items 1-2).

An attachment with the bidder in its metadata reaches the committee without it (and
without JavaScript, embedded files and annotations), the original stays untouched
with the digest of the receipt; one whose text names the bidder is held back for the
evaluator, listed with the matches in context for the inkoper, and either released
redacted (the evaluator's copy no longer contains the match) or withheld with a reason.
Every step is audited.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from datetime import datetime, timedelta

import pikepdf
import pytest
from factories import (
    attach_plan,
    login,
    make_committee,
    make_complete_bid,
    make_published_tender,
    make_user,
    open_bids,
    sign_declaration,
)
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from reportlab.pdfgen import canvas
from sqlalchemy import select

from tender import clock, demo
from tender.accounts.models import Role
from tender.audit import AuditEvent
from tender.bids import service as bids
from tender.bids import submitted, uploads
from tender.bids.models import Attachment
from tender.evaluation import attachments
from tender.evaluation import service as evaluation
from tender.evaluation.identity import IdentityMatcher, identity_of
from tender.evaluation.models import AttachmentCopy

ORGANISATION = "Zorg aan de Lek"


def _pdf(lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for index, line in enumerate(lines):
        page.drawString(72, 720 - 20 * index, line)
    page.save()
    return buffer.getvalue()


def loaded_pdf(lines: list[str], identity: str, *, active: bool = True) -> bytes:
    """A PDF with ``identity`` in its document info and XMP, an annotation and (when
    ``active``) an open action with JavaScript and an embedded file, around a body of
    ``lines``. Uploads refuse active content (``tender.bids.uploads``); sanitising still
    removes it from files received before that check."""
    with pikepdf.open(io.BytesIO(_pdf(lines))) as pdf:
        pdf.docinfo["/Author"] = identity
        pdf.docinfo["/Title"] = f"Plan van {identity}"
        pdf.docinfo["/Creator"] = f"Word van {identity}"
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = [identity]
            meta["dc:title"] = f"Plan van {identity}"
        if active:
            pdf.Root.OpenAction = pikepdf.Dictionary(
                Type=pikepdf.Name.Action,
                S=pikepdf.Name.JavaScript,
                JS=pikepdf.String(f"app.alert('{identity}');"),
            )
            pdf.attachments["afzender.txt"] = pikepdf.AttachedFileSpec(
                pdf, identity.encode(), description=identity
            )
        annotation = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Text,
            Rect=[100, 100, 120, 120],
            Contents=pikepdf.String(f"Opmerking van {identity}"),
        )
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([annotation]))
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _text(content: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def assert_nothing_but_the_body(content: bytes, identity: str) -> None:
    """No identity in the metadata, no XMP, no JavaScript, embedded files or annotations."""
    reader = PdfReader(io.BytesIO(content))
    info = reader.metadata or {}
    for key in ("/Author", "/Title", "/Creator", "/Subject", "/Keywords"):
        assert identity not in str(info.get(key, "")), key
    assert reader.xmp_metadata is None
    root = reader.trailer["/Root"]
    for key in ("/Metadata", "/OpenAction", "/Names", "/AA", "/AcroForm"):
        assert key not in root, key
    assert all("/Annots" not in page for page in reader.pages)
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert len(pdf.attachments) == 0
        assert all(
            identity.encode() not in obj.read_bytes()
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream)
        )


# -- the PDF work on its own -------------------------------------------------------------------


def test_sanitise_removes_metadata_scripts_files_and_annotations() -> None:
    original = loaded_pdf(["Ons plan voor de wijk."], ORGANISATION)
    assert ORGANISATION in str(PdfReader(io.BytesIO(original)).metadata["/Author"])
    cleaned = attachments.sanitise(original)
    assert_nothing_but_the_body(cleaned, ORGANISATION)
    assert "Ons plan voor de wijk." in _text(cleaned)
    assert attachments.sanitise(original) == cleaned  # deterministic


def test_redact_blacks_out_every_match_and_keeps_the_rest() -> None:
    matcher = IdentityMatcher(
        identity_of(
            [
                type(
                    "Org",
                    (),
                    {"name": "Stichting Zorg aan de Lek", "website": "zorg-aan-de-lek.nl"},
                )()
            ]
        )
    )
    content = attachments.sanitise(
        _pdf(["Stichting Zorg aan de Lek werkt wijkgericht.", "Zie zorg-aan-de-lek.nl."])
    )
    assert attachments.find_identity(content, matcher)
    redacted = attachments.redact(content, matcher)
    text = _text(redacted)
    assert "Lek" not in text and "zorg-aan-de-lek" not in text
    assert "werkt wijkgericht" in text
    assert attachments.find_identity(redacted, matcher) == []


# -- through the app ----------------------------------------------------------------------------


@pytest.fixture
def scene(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    """Two bids, opened: bid A's plan attachment carries its identity only in metadata,
    bid B's names the organisation in its text. A signed committee member."""
    db = app.extensions["tender.sessionmaker"]()
    storage = uploads.uploads_dir(app.instance_path)
    tender = make_published_tender(db, now=now)
    criterion = tender.criteria[0]
    providers = [make_user(db, Role.PROVIDER, now=now) for _ in range(2)]
    originals = {}
    for index, provider in enumerate(providers):
        organisation = provider.organisation
        bid = make_complete_bid(db, tender=tender, provider=provider, now=now, storage_dir=storage)
        if index == 0:
            content = loaded_pdf(["Ons plan voor de wijk."], organisation.name, active=False)
        else:
            content = _pdf(
                [
                    "Ons plan voor de wijk.",
                    f"Neem contact op met {organisation.name} via {organisation.email}.",
                    f"KvK {organisation.kvk_number}.",
                ]
            )
        attach_plan(
            db, bid=bid, criterion=criterion, content=content, actor=provider,
            storage_dir=storage, now=now,
        )  # fmt: skip
        bids.submit(db, bid=bid, actor=provider, now=now)
        originals[bid.id] = content
    officers, opened_at = open_bids(db, tender, now=now, instance_path=app.instance_path)
    members = make_committee(db, tender=tender, officer=officers[0], now=opened_at, size=1)
    sign_declaration(db, member=members[0], now=opened_at)
    db.commit()
    clock.set_clock(lambda: opened_at + timedelta(hours=1))
    received = sorted(evaluation.received_bids(db, tender), key=lambda b: b.organisation_id)
    yield {
        "db": db,
        "tender": tender,
        "criterion": criterion,
        "officer": officers[0],
        "member": members[0],
        "clean": received[0],
        "naming": received[1],
        "originals": originals,
        "storage": storage,
    }
    db.close()


def _client(app: Flask, user) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, user)
    return client


def _attachment_url(scene, bid) -> str:  # type: ignore[no-untyped-def]
    tender, criterion = scene["tender"], scene["criterion"]
    return f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}/bijlage/{criterion.id}.pdf"


def _copy(scene, bid) -> AttachmentCopy:  # type: ignore[no-untyped-def]
    db = scene["db"]
    db.expire_all()
    copy = db.scalar(select(AttachmentCopy).where(AttachmentCopy.bid_id == bid.id))
    assert copy is not None
    return copy


def _actions(scene) -> list[str]:  # type: ignore[no-untyped-def]
    db = scene["db"]
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("attachment.%"))
            .order_by(AuditEvent.id)
        )
    )


def test_evaluator_gets_a_sanitised_copy_and_the_original_stays_as_received(
    app: Flask, scene
) -> None:  # type: ignore[no-untyped-def]
    bid, db = scene["clean"], scene["db"]
    identity = bid.organisation.name
    response = _client(app, scene["member"].user).get(_attachment_url(scene, bid))
    assert response.status_code == 200
    content = response.get_data()
    assert_nothing_but_the_body(content, identity)
    assert "Ons plan voor de wijk." in _text(content)

    copy = _copy(scene, bid)
    assert copy.status == attachments.CLEAN
    assert hashlib.sha256(content).hexdigest() == copy.sanitised_sha256
    version = submitted.submitted_version(bid)
    receipt_digest = version.plans[scene["criterion"].code].attachment.sha256
    assert copy.source_sha256 == receipt_digest != copy.sanitised_sha256
    original = db.scalar(select(Attachment).where(Attachment.sha256 == receipt_digest))
    on_disk = (scene["storage"] / original.stored_name).read_bytes()
    assert on_disk == scene["originals"][bid.id]
    assert hashlib.sha256(on_disk).hexdigest() == receipt_digest
    assert identity in str(PdfReader(io.BytesIO(on_disk)).metadata["/Author"])
    assert "attachment.sanitised" in _actions(scene)


def test_attachment_naming_the_bidder_is_held_back_for_the_evaluator(app: Flask, scene) -> None:  # type: ignore[no-untyped-def]
    bid, tender = scene["naming"], scene["tender"]
    evaluator = _client(app, scene["member"].user)
    page = evaluator.get(f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}")
    html = page.get_data(as_text=True)
    assert "bijlage achtergehouden, wordt gecontroleerd" in html
    assert _attachment_url(scene, bid) not in html
    assert evaluator.get(_attachment_url(scene, bid)).status_code == 404
    missing = _attachment_url(scene, bid).replace(f"/{scene['criterion'].id}.pdf", "/999999.pdf")
    assert evaluator.get(missing).status_code == 404
    assert _copy(scene, bid).status == attachments.HELD


def test_inkoper_sees_the_matches_in_context(app: Flask, scene) -> None:  # type: ignore[no-untyped-def]
    bid, tender = scene["naming"], scene["tender"]
    officer = _client(app, scene["officer"])
    assert f'href="/aanbestedingen/{tender.id}/bijlagen/"' in officer.get(
        f"/aanbestedingen/{tender.id}"
    ).get_data(as_text=True)
    html = officer.get(f"/aanbestedingen/{tender.id}/bijlagen/").get_data(as_text=True)
    organisation = bid.organisation
    assert bid.blind_code in html
    assert f"<mark>{organisation.name}</mark>" in html
    assert f"<mark>{organisation.kvk_number}</mark>" in html
    assert "Neem contact op met" in html  # the words around the match
    assert scene["clean"].blind_code not in html  # nothing to check there


def test_release_gives_the_evaluator_a_redacted_copy(app: Flask, scene) -> None:  # type: ignore[no-untyped-def]
    bid, tender = scene["naming"], scene["tender"]
    copy = _copy(scene, bid)
    matches = [finding["tekst"] for finding in copy.findings]
    officer = _client(app, scene["officer"])
    preview = officer.get(f"/aanbestedingen/{tender.id}/bijlagen/{copy.id}/voorbeeld.pdf")
    assert preview.status_code == 200
    assert not any(match in _text(preview.get_data()) for match in matches)
    assert _copy(scene, bid).status == attachments.HELD  # a preview releases nothing

    released = officer.post(f"/aanbestedingen/{tender.id}/bijlagen/{copy.id}/vrijgeven")
    assert released.status_code == 302
    copy = _copy(scene, bid)
    assert copy.status == attachments.RELEASED
    assert copy.decided_by_id == scene["officer"].id

    evaluator = _client(app, scene["member"].user)
    page = evaluator.get(f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}")
    assert _attachment_url(scene, bid) in page.get_data(as_text=True)
    response = evaluator.get(_attachment_url(scene, bid))
    assert response.status_code == 200
    content = response.get_data()
    assert hashlib.sha256(content).hexdigest() == copy.redacted_sha256
    text = _text(content)
    assert "Ons plan voor de wijk." in text
    for match in [*matches, bid.organisation.name, bid.organisation.kvk_number]:
        assert match not in text
    assert_nothing_but_the_body(content, bid.organisation.name)
    assert _actions(scene)[-2:] == ["attachment.preview", "attachment.released"]
    # Decided once: a second release or a refusal afterwards is refused.
    officer.post(f"/aanbestedingen/{tender.id}/bijlagen/{copy.id}/weigeren")
    assert _copy(scene, bid).status == attachments.RELEASED


def test_withholding_needs_a_reason_and_keeps_the_attachment_away(app: Flask, scene) -> None:  # type: ignore[no-untyped-def]
    bid, tender = scene["naming"], scene["tender"]
    copy = _copy(scene, bid)
    officer = _client(app, scene["officer"])
    url = f"/aanbestedingen/{tender.id}/bijlagen/{copy.id}/weigeren"
    short = officer.post(url, data={f"b{copy.id}-reason": "Noemt naam."})
    assert short.status_code == 200
    html = short.get_data(as_text=True)
    assert "minstens 20 tekens" in html and "Noemt naam." in html  # kept what was typed
    assert _copy(scene, bid).status == attachments.HELD

    reason = "De bijlage noemt de organisatie op elke pagina; redigeren laat niets over."
    assert officer.post(url, data={f"b{copy.id}-reason": reason}).status_code == 302
    copy = _copy(scene, bid)
    assert (copy.status, copy.reason) == (attachments.WITHHELD, reason)
    assert _actions(scene)[-1] == "attachment.withheld"

    evaluator = _client(app, scene["member"].user)
    assert evaluator.get(_attachment_url(scene, bid)).status_code == 404
    page = evaluator.get(f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}")
    assert "niet vrijgegeven" in page.get_data(as_text=True)
    assert reason not in page.get_data(as_text=True)


def test_plan_text_names_are_redacted_as_naam_inschrijver(scene) -> None:  # type: ignore[no-untyped-def]
    bid, code = scene["clean"], scene["criterion"].code
    version = submitted.submitted_version(bid)
    org = version.organisation
    host = org.website.split("//")[-1]
    text = (
        f"{org.name.upper()}'s aanpak; mail {org.email}; zie {host.replace('.', '-', 1)}; "
        f"{org.street_address}, {org.postcode.replace(' ', '')}; contact {org.contact_person}; "
        f"KvK {org.kvk_number[:4]} {org.kvk_number[4:]}."
    )
    plan = replace(version.plans[code], text=text)
    shown = evaluation.blind_plans(replace(version, plans={code: plan}), bid.organisation)[code]
    assert shown.text.count("[naam inschrijver]") == 7, shown.text
    assert "[aanbieder]" not in shown.text


def test_only_the_inkoper_reviews_and_no_evaluator_reaches_an_original(
    app: Flask, scene, now: datetime
) -> None:  # type: ignore[no-untyped-def]
    db, tender = scene["db"], scene["tender"]
    copy = _copy(scene, scene["naming"])
    council = make_user(db, Role.ADVISORY_COUNCIL, now=now)
    db.commit()
    review = f"/aanbestedingen/{tender.id}/bijlagen/"
    for user in (scene["member"].user, council):
        client = _client(app, user)
        assert client.get(review).status_code == 403
        assert client.get(f"{review}{copy.id}/voorbeeld.pdf").status_code == 403
        assert client.post(f"{review}{copy.id}/vrijgeven").status_code == 403
        assert client.post(f"{review}{copy.id}/weigeren").status_code == 403
    assert _copy(scene, scene["naming"]).status == attachments.HELD
    evaluator = _client(app, scene["member"].user)
    for bid in (scene["clean"], scene["naming"]):
        for original in db.scalars(select(Attachment).where(Attachment.bid_id == bid.id)):
            answer = evaluator.get(f"/inschrijvingen/{bid.id}/bijlagen/{original.id}")
            assert answer.status_code in (403, 404)


def test_the_opened_demo_shows_a_held_back_attachment(app: Flask, now: datetime) -> None:
    db = app.extensions["tender.sessionmaker"]()
    demo.build(
        db, criteria_path=None, bids=3, now=now, instance_path=app.instance_path, phase="opened"
    )
    db.commit()
    copies = list(db.scalars(select(AttachmentCopy).order_by(AttachmentCopy.bid_id)))
    assert [c.status for c in copies] == [attachments.HELD, attachments.CLEAN, attachments.CLEAN]
    held = copies[0]
    assert held.bid.organisation.name.startswith("Zorg aan de Lek")
    assert {f["soort"] for f in held.findings} >= {"naam", "KvK-nummer", "adres"}
    db.close()
