"""Every generated document records the audit chain's head and prints it on every page,
so that deleting the newest audit events can be shown from the documents."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import award_steps
from factories import (
    ask_question,
    login,
    make_opened_tender,
    make_published_tender,
    make_user,
    publish_qa_round,
)
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from test_award import decide_all_gaps

from tender import audit, clock, demo
from tender.accounts.models import Role, User
from tender.bids.models import Bid, BidSubmission
from tender.documents import service as documents
from tender.documents.models import Document
from tender.documents.pdf import anchor_text


def _pages(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def _assert_anchored(session: Session, document: Document, storage_dir: Path) -> None:
    """The row names an event that is in the chain with that hash; every page prints it."""
    assert document.audit_seq is not None and document.audit_hash is not None
    event = session.get(audit.AuditEvent, document.audit_seq)
    assert event is not None and event.hash == document.audit_hash
    line = anchor_text(audit.AuditAnchor(document.audit_seq, document.audit_hash))
    pages = _pages(documents.read_document(document, storage_dir=storage_dir))
    assert pages and all(line in page for page in pages), (document.filename, pages[0][-300:])


def test_opening_record_carries_the_head(app: Flask, session: Session, now: datetime) -> None:
    make_opened_tender(session, now=now, bids=2, instance_path=app.instance_path)
    session.commit()
    [record] = session.scalars(select(Document).where(Document.kind == documents.OPENING_RECORD))
    # Made after the opening event: the head it records is that event.
    opened_event = session.scalar(
        select(audit.AuditEvent).where(audit.AuditEvent.action == "tender.opened")
    )
    assert record.audit_seq == opened_event.id
    _assert_anchored(session, record, documents.documents_dir(app.instance_path))


def test_qa_nota_carries_the_head(app: Flask, session: Session, now: datetime) -> None:
    tender = make_published_tender(session, now=now)
    provider = make_user(session, Role.PROVIDER, now=now)
    officer = make_user(session, Role.PROCUREMENT_OFFICER, now=now)
    storage = documents.documents_dir(app.instance_path)
    question = ask_question(session, tender, asker=provider, now=now)
    publish_qa_round(session, tender, question=question, officer=officer, now=now,
                     storage_dir=storage)  # fmt: skip
    session.commit()
    [nota] = session.scalars(select(Document).where(Document.kind == documents.QA_NOTA))
    _assert_anchored(session, nota, storage)


def test_award_letters_report_and_contracts_carry_the_head(
    app: Flask, session: Session, now: datetime
) -> None:
    result = demo.build(
        session, criteria_path=None, bids=4, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
    decide_all_gaps(session, result.tender, officer, now)
    decision = award_steps.decide(session, result.tender, preparer=officer, now=now)
    session.commit()
    client = app.test_client()
    login(client, officer)
    clock.set_clock(lambda: now)
    award_steps.send_over_http(app, decision)
    clock.set_clock(lambda: now + timedelta(days=40))
    assert client.post(f"/aanbestedingen/{result.tender.id}/gunning/definitief").status_code == 302
    session.expire_all()
    stored = list(session.scalars(select(Document).order_by(Document.id)))
    kinds = {document.kind for document in stored}
    assert {documents.AWARD_LETTER, documents.AWARD_REPORT, documents.CONTRACT} <= kinds
    assert documents.OPENING_RECORD in kinds
    for document in stored:
        _assert_anchored(session, document, documents.documents_dir(app.instance_path))
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert f"{len(stored)} documenten verwijzen" in verified.output


def test_receipt_prints_the_event_of_its_submission(
    app: Flask, session: Session, now: datetime
) -> None:
    tender, providers, _officers, _opened_at = make_opened_tender(
        session, now=now, bids=1, instance_path=app.instance_path
    )
    session.commit()
    bid = session.scalar(select(Bid).where(Bid.tender_id == tender.id))
    submission = session.scalar(select(BidSubmission).where(BidSubmission.bid_id == bid.id))
    submitted = session.scalar(
        select(audit.AuditEvent).where(
            audit.AuditEvent.action == "bid.submit", audit.AuditEvent.object_id == bid.id
        )
    )
    client = app.test_client()
    login(client, providers[0])
    response = client.get(f"/inschrijvingen/{bid.id}/ontvangstbevestiging/{submission.number}.pdf")
    assert response.status_code == 200
    line = anchor_text(audit.AuditAnchor(submitted.id, submitted.hash))
    assert all(line in page for page in _pages(response.data))


def test_documents_command_prints_the_head_in_what_it_writes(
    app: Flask, session: Session, now: datetime, tmp_path: Path
) -> None:
    result = demo.build(
        session, criteria_path=None, bids=3, now=now, instance_path=app.instance_path,
        phase="scored",
    )  # fmt: skip
    session.commit()
    make_user(session, Role.ADVISORY_COUNCIL, now=now)  # one more event: the head moves on
    session.commit()
    head = audit.head(session)
    assert head is not None
    written = app.test_cli_runner().invoke(
        args=["documents", result.tender.reference, "--out", str(tmp_path / "out")]
    )
    assert written.exit_code == 0, written.output
    files = sorted((tmp_path / "out").iterdir())
    assert files
    for path in files:
        assert all(anchor_text(head) in page for page in _pages(path.read_bytes())), path.name
