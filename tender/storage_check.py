"""Every stored file of a tender checked against its recorded SHA-256 (``flask tender verify``).

The receipts check (``tender.bids.verification``) asks whether what would be
evaluated is what was received. This check asks the administrator's question:
which file on disk is missing or changed? It covers every upload of every bid
(draft, replaced and submitted ones), the committee's sanitised and redacted
copies, every generated document of the tender and every dossier made of it, and
names each by what it belongs to and where it should be. Bids are named by their internal number and
uploads not by their file name, which may identify the bidder before opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import audit
from tender.accounts.models import User
from tender.bids.models import Attachment, Bid
from tender.documents.models import Document
from tender.dossier.models import Dossier
from tender.evaluation.models import AttachmentCopy
from tender.stored_files import MISSING, problem_of
from tender.tenders.models import Tender
from tender.timefmt import format_datetime_seconds

FAILED_ACTION = "tender.storage_check_failed"


@dataclass(frozen=True)
class StoredCheck:
    files: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _describe(what: str, path: Path, root: Path, problem: str) -> str:
    try:
        shown = path.relative_to(root)
    except ValueError:
        shown = path
    if problem == MISSING:
        return f"{what}: het bestand {shown} ontbreekt."
    return (
        f"{what}: het bestand {shown} is gewijzigd of beschadigd (de SHA-256 komt niet "
        "overeen met de vastgelegde)."
    )


def check_stored(
    session: Session, tender: Tender, *, uploads_dir: Path, documents_dir: Path
) -> StoredCheck:
    """Hash every stored file of ``tender`` again (reads only)."""
    root = uploads_dir.parent
    entries: list[tuple[str, Path, str]] = []
    attachments = session.execute(
        select(Attachment, Bid.id)
        .join(Bid, Attachment.bid_id == Bid.id)
        .where(Bid.tender_id == tender.id)
        .order_by(Bid.id, Attachment.id)
    )
    for attachment, bid_id in attachments:
        entries.append(
            (
                f"Inschrijving met intern nummer {bid_id}, upload {attachment.id} (ontvangen "
                f"{format_datetime_seconds(attachment.uploaded_at)})",
                uploads_dir / attachment.stored_name,
                attachment.sha256,
            )
        )
    copies = session.scalars(
        select(AttachmentCopy)
        .join(Bid, AttachmentCopy.bid_id == Bid.id)
        .where(Bid.tender_id == tender.id)
        .order_by(Bid.id, AttachmentCopy.id)
    )
    for copy in copies:
        owner = f"Inschrijving met intern nummer {copy.bid_id}, kopie {copy.id} voor de commissie"
        if copy.sanitised_name and copy.sanitised_sha256:
            entries.append(
                (f"{owner} (geschoond)", uploads_dir / copy.sanitised_name, copy.sanitised_sha256)
            )
        if copy.redacted_name and copy.redacted_sha256:
            entries.append(
                (f"{owner} (geredigeerd)", uploads_dir / copy.redacted_name, copy.redacted_sha256)
            )
    documents = session.scalars(
        select(Document).where(Document.tender_id == tender.id).order_by(Document.id)
    )
    for document in documents:
        owner = f" van inschrijving met intern nummer {document.bid_id}" if document.bid_id else ""
        entries.append(
            (
                f"Document {document.id} ‘{document.filename}’ ({document.kind}{owner})",
                documents_dir / document.stored_name,
                document.sha256,
            )
        )
    dossiers = session.scalars(
        select(Dossier).where(Dossier.tender_id == tender.id).order_by(Dossier.id)
    )
    for dossier in dossiers:
        entries.append(
            (
                f"Dossier {dossier.id} ‘{dossier.filename}’",
                documents_dir / dossier.stored_name,
                dossier.sha256,
            )
        )
    problems = []
    for what, path, sha256 in entries:
        problem = problem_of(path, sha256)
        if problem is not None:
            problems.append(_describe(what, path, root, problem))
    return StoredCheck(files=len(entries), problems=tuple(problems))


def verify_stored(
    session: Session,
    *,
    tender: Tender,
    uploads_dir: Path,
    documents_dir: Path,
    actor: User | None,
    now: datetime,
) -> StoredCheck:
    """Check the tender's stored files; a failed check is recorded in the audit trail."""
    check = check_stored(session, tender, uploads_dir=uploads_dir, documents_dir=documents_dir)
    if not check.ok:
        audit.record(
            session,
            actor=actor,
            action=FAILED_ACTION,
            object_type="tender",
            object_id=tender.id,
            tender_id=tender.id,
            now=now,
            details={"bestanden": check.files, "afwijkingen": list(check.problems)},
        )
    return check
