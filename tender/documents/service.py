"""Storing generated documents in the instance folder, each with its SHA-256.

Files get a random name, so nothing about a bidder or a document can be read from
the file system, and a name can never be guessed or steered by user input. The
digest recorded at creation is checked on every read. Each document also records
the audit chain's head at the moment it was made, and prints it in its footer,
so that removing the newest audit events is detected (``tender.audit``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit, storage
from tender.documents.models import Document
from tender.documents.pdf import audit_footer
from tender.dossier.models import Dossier
from tender.stored_files import StoredFile, StoredFileError, read_verified

RECEIPT = "receipt"
QA_NOTA = "qa_nota"
OPENING_RECORD = "opening_record"
AWARD_LETTER = "award_letter"
AWARD_REPORT = "award_report"
CONTRACT = "contract"
LEIDRAAD = "leidraad"
CONCEPT_CONTRACT = "concept_contract"
PLANNING = "planning"
KINDS = (
    RECEIPT,
    QA_NOTA,
    OPENING_RECORD,
    AWARD_LETTER,
    AWARD_REPORT,
    CONTRACT,
    LEIDRAAD,
    CONCEPT_CONTRACT,
    PLANNING,
)
# Made at publication (and with a nota that moves dates) for every provider to read.
TENDER_DOCUMENT_KINDS = (LEIDRAAD, CONCEPT_CONTRACT, PLANNING)


# A stored document that is missing or no longer matches the digest recorded for it.
DocumentCorrupted = StoredFileError


def documents_dir(instance_path: str) -> Path:
    """``<instance>/documents``, created if missing: the place of generated documents
    and dossiers (in S3 the folder stays empty)."""
    path = Path(instance_path) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomically(path: Path, content: bytes) -> None:
    """Store ``content`` at ``path`` in the configured storage (``tender.storage``) so
    that a reader sees either nothing or all of it."""
    storage.current().put(path, content)


def store_document(
    session: Session,
    *,
    storage_dir: Path,
    tender_id: int,
    kind: str,
    filename: str,
    build: Callable[[], bytes],
    now: datetime,
    actor_id: int | None = None,
    bid_id: int | None = None,
    decision_id: int | None = None,
) -> Document:
    """Make the document with ``build``, write it under a random name and record it.

    ``build`` runs under the audit chain's current head (``audit_footer``), which
    the PDF prints and the row records. The row is added and flushed, not
    committed. If the flush fails the file is removed again; a file whose
    transaction is rolled back later stays behind, unreferenced and harmless.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    anchor = audit.head(session)
    with audit_footer(anchor):
        content = build()
    return store_built(
        session,
        storage_dir=storage_dir,
        tender_id=tender_id,
        kind=kind,
        filename=filename,
        content=content,
        anchor=anchor,
        now=now,
        actor_id=actor_id,
        bid_id=bid_id,
        decision_id=decision_id,
    )


def store_built(
    session: Session,
    *,
    storage_dir: Path,
    tender_id: int,
    kind: str,
    filename: str,
    content: bytes,
    anchor: audit.AuditAnchor | None,
    now: datetime,
    actor_id: int | None = None,
    bid_id: int | None = None,
    decision_id: int | None = None,
) -> Document:
    """Store ``content``, built under ``anchor`` (the audit chain's head it prints), as
    ``store_document`` does: for documents built elsewhere (``award.render_pool``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    stored_name = secrets.token_hex(16)
    path = storage_dir / stored_name
    write_atomically(path, content)
    document = Document(
        tender_id=tender_id,
        bid_id=bid_id,
        decision_id=decision_id,
        kind=kind,
        filename=filename,
        stored_name=stored_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
        created_at=now,
        created_by_id=actor_id,
        audit_seq=anchor.event_id if anchor else None,
        audit_hash=anchor.hash if anchor else None,
    )
    session.add(document)
    try:
        session.flush()
    except BaseException:
        storage.current().delete(path)
        raise
    return document


def audit_anchors(session: Session) -> list[audit.AnchoredRecord]:
    """Every stored document's and dossier's record of the audit chain's head, for
    ``audit verify``."""
    anchored = []
    for label, model in (("document", Document), ("dossier", Dossier)):
        rows = session.execute(
            select(model.id, model.filename, model.audit_seq, model.audit_hash)
            .where(model.audit_seq.is_not(None))
            .order_by(model.id)
        )
        anchored += [
            audit.AnchoredRecord(
                label=f"{label} {row.id} ‘{row.filename}’",
                anchor=audit.AuditAnchor(event_id=row.audit_seq, hash=row.audit_hash),
            )
            for row in rows
        ]
    return anchored


def read_document(document: Document, *, storage_dir: Path) -> bytes:
    """The stored bytes of ``document``, checked against its recorded SHA-256
    (``DocumentCorrupted`` when it is missing or changed)."""
    return read_verified(stored_document(document, storage_dir=storage_dir))


def stored_document(document: Document, *, storage_dir: Path) -> StoredFile:
    """Where ``document`` is stored and what it is called in messages."""
    return StoredFile(
        directory=storage_dir,
        stored_name=document.stored_name,
        sha256=document.sha256,
        label=f"het document ‘{document.filename}’",
        object_type="document",
        object_id=document.id,
        tender_id=document.tender_id,
    )
