"""Verify what was received: every counting submission and file against its receipt.

A receipt states the SHA-256 of the submission's canonical form and of each file it
names. Before the bids are opened, and at any time with ``flask tender verify``,
the stored canonical form is hashed again and compared with the recorded digest and
with the digest the audit trail recorded at submission, and every named file
(requirement evidence and plan attachments) is read from the upload storage and
hashed again. Any difference means that what would be evaluated is not what was
received; the opening is then refused and the failed check is recorded, so that
the record of opening states it.

Until opening nothing here may name the bidder: a bid is described by its internal
number and time of receipt, a file by the requirement or criterion it belongs to.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender import audit, storage
from tender.accounts.models import User
from tender.bids import submitted
from tender.bids.models import Bid, BidStatus, BidSubmission
from tender.bids.service import digest_of
from tender.documents.opening_record import FailedCheck, ReceiptCheck
from tender.errors import DomainError
from tender.tenders.models import Tender
from tender.timefmt import format_datetime_seconds

FAILED_ACTION = "tender.receipts_check_failed"
_SUBMIT_ACTION = "bid.submit"


class ReceiptMismatch(DomainError):
    """What is stored differs from the receipts. The failed check has been recorded in
    the audit trail: the caller commits that record instead of rolling it back."""


@dataclass(frozen=True)
class NamedFile:
    """A file a canonical form names, with where it belongs (no file name: it may identify)."""

    place: str  # e.g. "het bewijsstuk bij eis E2"
    sha256: str


@dataclass(frozen=True)
class ReceivedCheck:
    """The outcome of one check of a tender's received bids."""

    bids: int
    files: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """The sentence the record of opening and the command state when all is well."""
        bids = f"{self.bids} {'inschrijving' if self.bids == 1 else 'inschrijvingen'}"
        files = f"{self.files} {'bestand' if self.files == 1 else 'bestanden'}"
        return f"{bids} en {files} komen overeen met de ontvangstbewijzen"


def named_files(canonical: Mapping[str, Any]) -> list[NamedFile]:
    """Every file the canonical form names: evidence per requirement, attachment per plan."""
    files = [
        NamedFile(f"het bewijsstuk bij eis {item['eis']}", item["bewijs"]["sha256"])
        for item in canonical.get("eisen", [])
        if item.get("bewijs")
    ]
    files += [
        NamedFile(
            f"de bijlage bij gunningscriterium {item['criterium']}", item["bijlage"]["sha256"]
        )
        for item in canonical.get("plannen", [])
        if item.get("bijlage")
    ]
    return files


def _short(sha256: str) -> str:
    return f"{sha256[:12]}…"


def submission_problems(
    *,
    label: str,
    canonical: Mapping[str, Any],
    digest: str,
    logged_digest: str | None,
    stored: Mapping[str, Sequence[str | None]],
) -> list[str]:
    """What does not match the receipt of one submission (pure).

    ``logged_digest`` is the digest the audit trail recorded at submission (None if
    the submission is not in it); ``stored`` maps each file digest to the digests of
    the stored copies of that file, hashed again (None for a copy missing on disk).
    """
    problems = []
    if digest_of(dict(canonical)) != digest:
        problems.append(
            f"{label}: de opgeslagen inhoud komt niet meer overeen met de vingerafdruk "
            f"(SHA-256 {_short(digest)}) op het ontvangstbewijs; de inhoud is na ontvangst "
            "gewijzigd."
        )
    if logged_digest is None:
        problems.append(f"{label}: deze indiening staat niet in het logboek.")
    elif logged_digest != digest:
        problems.append(
            f"{label}: de vingerafdruk op het ontvangstbewijs (SHA-256 {_short(digest)}) is "
            f"niet die in het logboek (SHA-256 {_short(logged_digest)}); de vastgelegde "
            "indiening is na ontvangst vervangen."
        )
    for file in named_files(canonical):
        copies = stored.get(file.sha256, ())
        if not copies or None in copies:
            problems.append(
                f"{label}: {file.place} (SHA-256 {_short(file.sha256)}) ontbreekt in de opslag."
            )
        elif any(rehashed != file.sha256 for rehashed in copies):
            problems.append(
                f"{label}: {file.place} is na ontvangst gewijzigd: het opgeslagen bestand heeft "
                f"niet meer de vingerafdruk (SHA-256 {_short(file.sha256)}) van het "
                "ontvangstbewijs."
            )
    return problems


def bid_label(bid: Bid, submission: BidSubmission) -> str:
    """How a message names a bid: never by its bidder, which is sealed until opening."""
    received = format_datetime_seconds(submission.received_at)
    code = f"{bid.blind_code}, " if bid.blind_number else ""
    return (
        f"Inschrijving met intern nummer {bid.id} ({code}indiening {submission.number}, "
        f"ontvangen {received})"
    )


def _rehash(path: Path) -> str | None:
    try:
        return hashlib.sha256(storage.current().get(path)).hexdigest()
    except FileNotFoundError:
        return None


def _logged_digests(session: Session, tender: Tender) -> dict[tuple[int, int], str]:
    """(bid id, submission number) -> the digest the audit trail recorded at submission."""
    events = session.scalars(
        select(audit.AuditEvent).where(
            audit.AuditEvent.tender_id == tender.id, audit.AuditEvent.action == _SUBMIT_ACTION
        )
    )
    return {
        (event.object_id, event.details["indiening"]): event.details["sha256"]
        for event in events
        if event.object_id is not None and "indiening" in event.details
    }


def check_received(session: Session, tender: Tender, *, uploads_dir: Path) -> ReceivedCheck:
    """Hash every received bid's counting submission and its files again (reads only)."""
    bids = list(
        session.scalars(
            select(Bid)
            .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
            .order_by(Bid.id)
            .options(selectinload(Bid.submissions), selectinload(Bid.attachments))
            # What is in the database now, not what this session loaded earlier.
            .execution_options(populate_existing=True)
        )
    )
    logged = _logged_digests(session, tender)
    problems: list[str] = []
    files = 0
    for bid in bids:
        submission = submitted.counting_submission(bid)
        if submission is None:
            problems.append(
                f"Inschrijving met intern nummer {bid.id}: er is geen indiening vóór de uiterste "
                "inschrijfdatum vastgelegd."
            )
            continue
        named = {file.sha256 for file in named_files(submission.canonical)}
        stored: dict[str, list[str | None]] = defaultdict(list)
        # Only the files the submission names: uploads of the working copy are not read.
        for attachment in bid.attachments:
            if attachment.sha256 in named:
                stored[attachment.sha256].append(_rehash(uploads_dir / attachment.stored_name))
        files += len(named)
        problems += submission_problems(
            label=bid_label(bid, submission),
            canonical=submission.canonical,
            digest=submission.digest,
            logged_digest=logged.get((bid.id, submission.number)),
            stored=stored,
        )
    return ReceivedCheck(bids=len(bids), files=files, problems=tuple(problems))


def verify_received(
    session: Session, *, tender: Tender, uploads_dir: Path, actor: User | None, now: datetime
) -> ReceivedCheck:
    """Check the received bids; a failed check is recorded in the audit trail in full."""
    check = check_received(session, tender, uploads_dir=uploads_dir)
    if not check.ok:
        audit.record(
            session,
            actor=actor,
            action=FAILED_ACTION,
            object_type="tender",
            object_id=tender.id,
            tender_id=tender.id,
            now=now,
            details={
                "inschrijvingen": check.bids,
                "bestanden": check.files,
                "afwijkingen": list(check.problems),
            },
        )
    return check


def refusal(check: ReceivedCheck) -> str:
    """The Dutch message that stops an opening after a failed check."""
    count = len(check.problems)
    return (
        "De opening is gestopt: wat is opgeslagen komt niet overeen met de "
        f"ontvangstbewijzen ({count} {'afwijking' if count == 1 else 'afwijkingen'}). "
        + " ".join(check.problems)
        + " Er is niets geopend; de afwijkingen staan in het logboek en komen in het "
        "proces-verbaal van opening. Laat de beheerder uitzoeken wat er is gebeurd en de "
        "opgeslagen gegevens herstellen (bijvoorbeeld uit de back-up); bevestig de opening "
        "daarna opnieuw."
    )


def failed_checks(session: Session, tender: Tender) -> list[FailedCheck]:
    """Every earlier failed check of this tender, oldest first."""
    events = session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.tender_id == tender.id, audit.AuditEvent.action == FAILED_ACTION)
        .order_by(audit.AuditEvent.id)
    )
    return [
        FailedCheck(checked_at=event.occurred_at, problems=tuple(event.details["afwijkingen"]))
        for event in events
    ]


def receipt_check(session: Session, tender: Tender, check: ReceivedCheck) -> ReceiptCheck:
    """What the record of opening states about the check that let the opening proceed."""
    return ReceiptCheck(
        statement=check.summary(),
        earlier_failures=tuple(failed_checks(session, tender)),
    )


def submission_anchor(session: Session, submission: BidSubmission) -> audit.AuditAnchor | None:
    """The audit event that recorded ``submission``: the anchor its receipt prints."""
    candidates: Iterable[audit.AuditEvent] = session.scalars(
        select(audit.AuditEvent)
        .where(
            audit.AuditEvent.action == _SUBMIT_ACTION,
            audit.AuditEvent.object_type == "bid",
            audit.AuditEvent.object_id == submission.bid_id,
        )
        .order_by(audit.AuditEvent.id)
    )
    for event in candidates:
        if event.details.get("indiening") == submission.number:
            return audit.AuditAnchor(event_id=event.id, hash=event.hash)
    return None
