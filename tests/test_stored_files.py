"""A stored file that is missing or changed never answers 500 (issue 13 item 6).

Every route that sends a stored file reads it through one digest check
(``tender.stored_files.read_verified``): a provider's upload, a tender document, the
nota van inlichtingen, the record of opening, the committee's copy of an attachment,
the inkoper's redacted preview, and award documents (one and all in a ZIP). When the
file is gone or its SHA-256 no longer matches, the answer is a Dutch page (503) that
says what happened and what to do, with an audit event naming the object and the
path. ``flask tender verify`` names every such file and exits 1.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import award_steps
import pytest
from factories import (
    ask_question,
    attach_plan,
    login,
    make_committee,
    make_complete_bid,
    make_published_tender,
    make_user,
    open_bids,
    publish_qa_round,
    sign_declaration,
)
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import clock, demo, storage
from tender.accounts.models import Role, User
from tender.audit import AuditEvent
from tender.bids import service as bids
from tender.bids import uploads
from tender.bids.models import Bid
from tender.documents import service as documents
from tender.documents.models import Document
from tender.downloads import STORED_FILE_ACTION
from tender.evaluation import attachments
from tender.evaluation import service as evaluation
from tender.evaluation.models import AttachmentCopy
from tender.tenders.models import Tender


@dataclass
class World:
    """An opened tender with a published nota, two bids with plan attachments (one
    naming its bidder, so held back) and a signed committee member."""

    db: Session
    tender: Tender
    providers: list[User]
    officer: User
    evaluator: User
    bids: list[Bid]
    uploads: Path
    documents: Path


def _plan_pdf(lines: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for index, line in enumerate(lines):
        page.drawString(72, 720 - 20 * index, line)
    page.save()
    return buffer.getvalue()


@pytest.fixture
def world(app: Flask, now: datetime):  # type: ignore[no-untyped-def]
    db = app.extensions["tender.sessionmaker"]()
    upload_dir = uploads.uploads_dir(app.instance_path)
    documents_dir = documents.documents_dir(app.instance_path)
    tender = make_published_tender(db, now=now, storage_dir=documents_dir)
    providers = [make_user(db, Role.PROVIDER, now=now) for _ in range(2)]
    officer = make_user(db, Role.PROCUREMENT_OFFICER, now=now)
    question = ask_question(db, tender, asker=providers[0], now=now)
    publish_qa_round(
        db, tender, question=question, officer=officer, now=now, storage_dir=documents_dir
    )
    criterion = tender.criteria[0]
    for index, provider in enumerate(providers):
        bid = make_complete_bid(
            db, tender=tender, provider=provider, now=now, storage_dir=upload_dir
        )
        organisation = provider.organisation
        lines = ["Ons plan voor de wijk."]
        if index == 1:
            lines.append(f"Neem contact op met {organisation.name} via {organisation.email}.")
        attach_plan(
            db, bid=bid, criterion=criterion, content=_plan_pdf(lines), actor=provider,
            storage_dir=upload_dir, now=now,
        )  # fmt: skip
        bids.submit(db, bid=bid, actor=provider, now=now)
    _officers, opened_at = open_bids(db, tender, now=now, instance_path=app.instance_path)
    members = make_committee(db, tender=tender, officer=officer, now=opened_at, size=1)
    sign_declaration(db, member=members[0], now=opened_at)
    db.commit()
    clock.set_clock(lambda: opened_at + timedelta(hours=1))
    received = sorted(evaluation.received_bids(db, tender), key=lambda b: b.organisation_id)
    yield World(
        db=db,
        tender=tender,
        providers=providers,
        officer=officer,
        evaluator=members[0].user,
        bids=received,
        uploads=upload_dir,
        documents=documents_dir,
    )
    db.close()


def _document(world: World, kind: str) -> Document:
    document = world.db.scalar(
        select(Document)
        .where(Document.tender_id == world.tender.id, Document.kind == kind)
        .order_by(Document.id)
        .limit(1)
    )
    assert document is not None, kind
    return document


def _copy(world: World, bid: Bid) -> AttachmentCopy:
    copy = world.db.scalar(select(AttachmentCopy).where(AttachmentCopy.bid_id == bid.id))
    assert copy is not None
    return copy


@dataclass(frozen=True)
class Route:
    """A download route: who asks, its URL and the stored file it sends."""

    user: User
    url: str
    path: Path
    object_type: str
    object_id: int


def _route(world: World, kind: str) -> Route:
    tender, officer = world.tender, world.officer
    if kind == "bid upload":
        bid = world.bids[0]
        attachment = bid.attachments[0]
        return Route(
            officer,
            f"/inschrijvingen/{bid.id}/bijlagen/{attachment.id}",
            world.uploads / attachment.stored_name,
            "bid",
            bid.id,
        )
    if kind == "committee copy":
        bid = world.bids[0]
        criterion = tender.criteria[0]
        copy = _copy(world, bid)
        assert copy.status == attachments.CLEAN and copy.sanitised_name
        return Route(
            world.evaluator,
            f"/beoordelen/{tender.id}/inschrijving/{bid.blind_number}/bijlage/{criterion.id}.pdf",
            world.uploads / copy.sanitised_name,
            "bid",
            bid.id,
        )
    if kind == "redacted preview":
        bid = world.bids[1]
        copy = _copy(world, bid)
        assert copy.status == attachments.HELD and copy.sanitised_name
        return Route(
            officer,
            f"/aanbestedingen/{tender.id}/bijlagen/{copy.id}/voorbeeld.pdf",
            world.uploads / copy.sanitised_name,
            "bid",
            bid.id,
        )
    document = {
        "tender document": lambda: _document(world, documents.LEIDRAAD),
        "nota van inlichtingen": lambda: _document(world, documents.QA_NOTA),
        "opening record": lambda: _document(world, documents.OPENING_RECORD),
    }[kind]()
    url = {
        "tender document": f"/aanbestedingen/{tender.id}/documenten/{document.id}",
        "nota van inlichtingen": f"/aanbestedingen/{tender.id}/nota-van-inlichtingen/1.pdf",
        "opening record": f"/aanbestedingen/{tender.id}/opening/proces-verbaal.pdf",
    }[kind]
    user = world.providers[0] if kind in ("tender document", "nota van inlichtingen") else officer
    return Route(user, url, world.documents / document.stored_name, "document", document.id)


ROUTES = [
    "bid upload",
    "tender document",
    "nota van inlichtingen",
    "opening record",
    "committee copy",
    "redacted preview",
]


def _events(db: Session) -> list[AuditEvent]:
    db.expire_all()
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == STORED_FILE_ACTION)
            .order_by(AuditEvent.id)
        )
    )


def test_a_missing_or_changed_file_gives_a_dutch_page_and_an_audit_event(
    app: Flask, world: World
) -> None:
    """Each route kind in turn (one world, files restored in between: building the
    world is what takes the time)."""
    earlier = 0
    for kind in ROUTES:
        route = _route(world, kind)
        client = app.test_client()
        login(client, route.user)
        original = storage.current().get(route.path)
        intact = client.get(route.url)
        assert intact.status_code == 200, (kind, intact.get_data(as_text=True)[-2000:])
        if kind != "redacted preview":  # the preview is made from the stored copy
            assert intact.data == original, kind
        for damage in ("missing", "changed"):
            _damage(route.path, damage)
            _assert_refused(
                app, world.db, client.get(route.url), route, damage, earlier_events=earlier
            )
            earlier += 1
            storage.current().put(route.path, original)  # restored from the back-up
            assert client.get(route.url).status_code == 200, kind


def _damage(path: Path, damage: str) -> None:
    """Remove or change the stored file, wherever the storage keeps it (``tender.storage``;
    test_storage_s3 runs these tests again on S3)."""
    place = storage.current()
    if damage == "missing":
        place.delete(path)
    else:
        place.put(path, place.get(path) + b"\n% gewijzigd\n")


def _assert_refused(  # type: ignore[no-untyped-def]
    app: Flask, db: Session, answer, route: Route, damage: str, *, earlier_events: int = 0
) -> None:
    """A 503 page in Dutch that says what happened and what to do, and one new audit
    event naming the object and the path."""
    html = answer.get_data(as_text=True)
    assert answer.status_code == 503, (route.url, damage, html[-2000:])
    assert answer.mimetype == "text/html"
    assert "Dit bestand kan niet worden getoond" in html
    if damage == "missing":
        assert "ontbreekt in de opslag" in html
    else:
        assert "gewijzigd of beschadigd" in html and "SHA-256" in html
    assert "Meld dit bij de beheerder" in html
    events = _events(db)
    assert len(events) == earlier_events + 1
    event = events[-1]
    assert event.actor_id == route.user.id
    assert (event.object_type, event.object_id) == (route.object_type, route.object_id)
    assert event.details["pad"] == str(route.path.relative_to(app.instance_path))
    assert event.details["probleem"] == ("ontbreekt" if damage == "missing" else "gewijzigd")


def test_verify_names_every_missing_or_changed_file_and_exits_1(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    intact = runner.invoke(args=["tender", "verify", world.tender.reference])
    assert intact.exit_code == 0, intact.output
    assert "opgeslagen bestanden hebben hun vastgelegde SHA-256" in intact.output

    bid = world.bids[0]
    upload = bid.attachments[0]
    copy = _copy(world, bid)
    record = _document(world, documents.OPENING_RECORD)
    place = storage.current()
    place.delete(world.uploads / upload.stored_name)
    assert copy.sanitised_name is not None
    place.put(world.uploads / copy.sanitised_name, b"%PDF-1.4 vervangen")
    place.delete(world.documents / record.stored_name)

    result = runner.invoke(args=["tender", "verify", world.tender.reference])
    assert result.exit_code == 1
    output = result.output
    assert "3 van" in output and "ontbreken of zijn gewijzigd" in output
    assert (
        f"Inschrijving met intern nummer {bid.id}, upload {upload.id}" in output
        and f"uploads/{upload.stored_name} ontbreekt" in output
    )
    assert (
        f"kopie {copy.id} voor de commissie (geschoond)" in output
        and f"uploads/{copy.sanitised_name} is gewijzigd of beschadigd" in output
    )
    assert (
        f"Document {record.id} ‘{record.filename}’" in output
        and f"documents/{record.stored_name} ontbreekt" in output
    )
    # The receipts check still says it in its own terms, and both are in the audit trail.
    assert "ontbreekt in de opslag" in output
    world.db.expire_all()
    actions = set(
        world.db.scalars(select(AuditEvent.action).where(AuditEvent.tender_id == world.tender.id))
    )
    assert {"tender.storage_check_failed", "tender.receipts_check_failed"} <= actions


# -- award documents ------------------------------------------------------------------------


@pytest.fixture
def awarded(app: Flask, session: Session, now: datetime):  # type: ignore[no-untyped-def]
    """A demo tender whose award decision is sent: letters and report made and stored."""
    result = demo.build(
        session,
        criteria_path=None,
        bids=3,
        now=now,
        instance_path=app.instance_path,
        phase="scored",
    )
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    assert officer is not None
    decide_all_gaps(session, result.tender, officer, now)
    decision = award_steps.decide(session, result.tender, preparer=officer, now=now)
    session.commit()
    clock.set_clock(lambda: now)
    award_steps.send_over_http(app, decision)
    session.expire_all()
    return result.tender, officer, decision


def test_award_documents_one_by_one_and_as_zip(app: Flask, session: Session, awarded) -> None:  # type: ignore[no-untyped-def]
    tender, officer, decision = awarded
    folder = documents.documents_dir(app.instance_path)
    made = session.scalars(
        select(Document).where(Document.decision_id == decision.id).order_by(Document.id)
    ).all()
    report = next(d for d in made if d.kind == documents.AWARD_REPORT)
    letter = next(d for d in made if d.kind == documents.AWARD_LETTER and d.released_at)
    bid = session.get(Bid, letter.bid_id)
    assert bid is not None
    provider = session.scalar(select(User).where(User.organisation_id == bid.organisation_id))
    assert provider is not None
    base = f"/aanbestedingen/{tender.id}/gunning"
    routes = [
        (Route(officer, f"{base}/documenten/{letter.id}", folder / letter.stored_name,
               "document", letter.id), "missing"),
        (Route(officer, f"{base}/rapport", folder / report.stored_name, "document", report.id),
         "changed"),
        (Route(provider, f"/mijn-documenten/{letter.id}", folder / letter.stored_name,
               "document", letter.id), "changed"),
        (Route(officer, f"{base}/documenten.zip", folder / report.stored_name, "document",
               report.id), "missing"),
    ]  # fmt: skip
    for number, (route, damage) in enumerate(routes):
        client = app.test_client()
        login(client, route.user)
        original = storage.current().get(route.path)
        assert client.get(route.url).status_code == 200, route.url
        _damage(route.path, damage)
        _assert_refused(app, session, client.get(route.url), route, damage, earlier_events=number)
        storage.current().put(route.path, original)  # restored from the back-up
        assert client.get(route.url).status_code == 200, route.url
