"""The audit trail is hash-chained: editing or deleting a row is detected."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from factories import make_published_tender
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from statements import counted

from tender import audit
from tender.audit import AuditEvent, AuditTrailIsAppendOnly
from tender.documents import service as documents
from tender.documents.models import Document


def _events(session: Session) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_untouched_chain_verifies(app: Flask, session: Session, now: datetime) -> None:
    make_published_tender(session, now=now)
    session.commit()
    assert len(_events(session)) >= 3
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Logboek in orde" in result.output


def test_each_event_links_to_the_previous(session: Session, now: datetime) -> None:
    make_published_tender(session, now=now)
    events = _events(session)
    assert events[0].prev_hash == audit.GENESIS_HASH
    for previous, current in itertools.pairwise(events):
        assert current.prev_hash == previous.hash


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE audit_event SET actor_label = 'iemand anders' WHERE id = :id",
        "UPDATE audit_event SET action = 'tender.create' WHERE id = :id",
        "UPDATE audit_event SET occurred_at = occurred_at + INTERVAL '1 hour' WHERE id = :id",
    ],
    ids=["actor", "action", "time"],
)
def test_edited_row_is_named_by_verify(
    app: Flask, session: Session, now: datetime, tampering: str
) -> None:
    make_published_tender(session, now=now)
    session.commit()
    victim = _events(session)[1]
    if "INTERVAL" in tampering and session.get_bind().dialect.name == "sqlite":
        tampering = "UPDATE audit_event SET occurred_at = '2020-01-01 00:00:00' WHERE id = :id"
    session.execute(text(tampering), {"id": victim.id})
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"gebeurtenis {victim.id}:" in result.output
    assert "inhoud is gewijzigd" in result.output


def test_deleted_row_is_detected_at_its_successor(
    app: Flask, session: Session, now: datetime
) -> None:
    make_published_tender(session, now=now)
    session.commit()
    events = _events(session)
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"gebeurtenis {events[2].id}:" in result.output


def test_orm_refuses_to_change_or_delete_events(session: Session, now: datetime) -> None:
    make_published_tender(session, now=now)
    session.commit()
    event = _events(session)[0]
    event.actor_label = "iemand anders"
    with pytest.raises(AuditTrailIsAppendOnly):
        session.flush()
    session.rollback()
    session.delete(_events(session)[0])
    with pytest.raises(AuditTrailIsAppendOnly):
        session.flush()


# -- anchors: documents record the chain's head, so removing the newest events shows -----


def _document_at_head(app: Flask, session: Session, now: datetime) -> Document:
    tender = make_published_tender(session, now=now)
    document = documents.store_document(
        session,
        storage_dir=documents.documents_dir(app.instance_path),
        tender_id=tender.id,
        kind=documents.QA_NOTA,
        filename="nota-van-inlichtingen-1.pdf",
        build=lambda: b"%PDF-1.4 nota",
        now=now,
    )
    session.commit()
    return document


def test_a_document_records_the_head_of_the_chain(
    app: Flask, session: Session, now: datetime
) -> None:
    document = _document_at_head(app, session, now)
    newest = _events(session)[-1]
    assert (document.audit_seq, document.audit_hash) == (newest.id, newest.hash)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    # The nota, and the leidraad and concept contract made at publication.
    assert "3 documenten verwijzen naar gebeurtenissen die er ongewijzigd zijn" in result.output


def test_deleting_the_newest_events_after_a_document_is_detected(
    app: Flask, session: Session, now: datetime
) -> None:
    document = _document_at_head(app, session, now)
    events = _events(session)
    # Later activity, then someone removes the newest rows, back to before the document.
    audit.record(session, actor=None, action="tender.state", object_type="tender",
                 object_id=document.tender_id, now=now)  # fmt: skip
    session.commit()
    session.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": events[-2].id})
    session.commit()
    assert audit.verify(session) is None  # the shortened chain itself still checks out
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"document {document.id} ‘nota-van-inlichtingen-1.pdf’" in result.output
    assert f"gebeurtenis {events[-1].id} ontbreekt in het logboek" in result.output


def test_deleted_events_replaced_by_new_ones_are_detected(
    app: Flask, session: Session, now: datetime
) -> None:
    document = _document_at_head(app, session, now)
    anchored = _events(session)[-1]
    session.execute(text("DELETE FROM audit_event WHERE id >= :id"), {"id": anchored.id})
    session.commit()
    session.expunge_all()  # forget the deleted rows, as a new process would
    # New events extend the shortened chain (SQLite even reuses the freed ids).
    for _ in range(2):
        audit.record(session, actor=None, action="tender.state", object_type="tender",
                     object_id=document.tender_id, now=now)  # fmt: skip
    session.commit()
    assert audit.verify(session) is None
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"document {document.id}" in result.output
    assert f"gebeurtenis {anchored.id}" in result.output


def test_the_chain_lock_is_taken_once_per_transaction_and_held_to_its_end(
    app: Flask, session: Session
) -> None:
    """On PostgreSQL: a second ``lock_chain`` in the same transaction issues nothing, yet
    the lock is held until commit or rollback, and the next transaction takes it anew."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the chain lock is PostgreSQL's advisory lock")
    engine = app.extensions["tender.engine"]
    try_lock = text("SELECT pg_try_advisory_xact_lock(:key)")

    def free_for_another_connection() -> bool:
        with engine.connect() as other:
            return bool(other.scalar(try_lock, {"key": audit._ADVISORY_LOCK_KEY}))

    for end in (session.commit, session.rollback):
        with counted(app) as statements:
            audit.lock_chain(session)
            audit.lock_chain(session)
        assert len(statements) == 1, statements.statements
        assert not free_for_another_connection()
        end()
        assert free_for_another_connection()
    with session.begin_nested() as savepoint:
        audit.lock_chain(session)
        savepoint.rollback()
    with counted(app) as statements:
        audit.lock_chain(session)  # the savepoint's rollback may have let it go: again
    assert len(statements) == 1
    assert not free_for_another_connection()
    session.rollback()
