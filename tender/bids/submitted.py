"""What was submitted: the one place that says what a bid is, for everyone but its writer.

At submission the bid's whole content is frozen into a ``BidSubmission`` (its
canonical form and the SHA-256 on the receipt); a resubmission adds a new one.
Everything after the deadline (requirement check, committee reading and scoring,
consensus, coverage, outcome, draws, exports, award documents, the adviesraad's
pages, the CLI) reads the bid through ``submitted_version``: the last version
received before the deadline, exactly the content the receipt's digest covers.
The working copy (``Bid`` and its rows) belongs to the provider alone; a change
not resubmitted reaches no one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from tender.bids.models import Attachment, Bid, BidStatus, BidSubmission
from tender.errors import DomainError
from tender.tenders.models import Tender


class SubmissionImmutable(DomainError):
    pass


def _refuse_changed_submissions(session: Session, _context: Any, _instances: Any) -> None:
    """A received version is never changed or removed, whatever code tries it."""
    for submission in (*session.dirty, *session.deleted):
        if isinstance(submission, BidSubmission) and (
            submission in session.deleted or session.is_modified(submission)
        ):
            raise SubmissionImmutable(
                "Een ontvangen inschrijving kan niet worden gewijzigd of verwijderd; "
                "een nieuwe indiening maakt een nieuwe versie."
            )


event.listen(Session, "before_flush", _refuse_changed_submissions)


@dataclass(frozen=True)
class SubmittedFile:
    """An attachment as the canonical form names it: file name and content digest."""

    filename: str
    sha256: str


@dataclass(frozen=True)
class SubmittedOrganisation:
    name: str
    kvk_number: str
    street_address: str
    postcode: str
    city: str
    contact_person: str
    email: str
    phone: str
    website: str


@dataclass(frozen=True)
class DeclaredRequirement:
    code: str
    complies: bool
    evidence: SubmittedFile | None


@dataclass(frozen=True)
class SubmittedNetworkPartner:
    municipality: str  # CBS code
    name: str
    kind: str
    cooperation: str


@dataclass(frozen=True)
class SubmittedSubcontractor:
    name: str
    kvk_number: str
    activities: str


@dataclass(frozen=True)
class SubmittedPlan:
    criterion: str  # criterion code
    text: str
    attachment: SubmittedFile | None


@dataclass(frozen=True)
class SubmittedBid:
    """One bid as received: immutable, by codes of the tender's configuration."""

    bid_id: int
    tender_id: int
    organisation_id: int
    blind_number: int | None
    submission_number: int
    received_at: datetime
    digest: str
    organisation: SubmittedOrganisation
    lots: frozenset[str]
    declarations: Mapping[str, DeclaredRequirement]  # by requirement code
    cells: frozenset[tuple[str, str, str]]  # (lot, municipality, target group) codes
    network: tuple[SubmittedNetworkPartner, ...]
    subcontractors: tuple[SubmittedSubcontractor, ...]
    plans: Mapping[str, SubmittedPlan]  # by criterion code

    @property
    def blind_code(self) -> str:
        """The code evaluators know the bid by ("Inschrijving 07")."""
        return f"Inschrijving {self.blind_number:02d}" if self.blind_number else "Inschrijving"

    @property
    def network_municipalities(self) -> frozenset[str]:
        return frozenset(partner.municipality for partner in self.network)

    def files(self) -> Iterator[SubmittedFile]:
        """Every attachment the submission names: evidence first, then plan attachments."""
        for declaration in self.declarations.values():
            if declaration.evidence is not None:
                yield declaration.evidence
        for plan in self.plans.values():
            if plan.attachment is not None:
                yield plan.attachment


def _file(data: Mapping[str, str] | None) -> SubmittedFile | None:
    return SubmittedFile(filename=data["bestand"], sha256=data["sha256"]) if data else None


def version_of(bid: Bid, submission: BidSubmission) -> SubmittedBid:
    """The submitted version of ``bid`` that ``submission`` froze."""
    canonical: dict[str, Any] = submission.canonical
    organisation = canonical["organisatie"]
    return SubmittedBid(
        bid_id=bid.id,
        tender_id=bid.tender_id,
        organisation_id=bid.organisation_id,
        blind_number=bid.blind_number,
        submission_number=submission.number,
        received_at=submission.received_at,
        digest=submission.digest,
        organisation=SubmittedOrganisation(
            name=organisation["organisation_name"],
            kvk_number=organisation["kvk_number"],
            street_address=organisation["street_address"],
            postcode=organisation["postcode"],
            city=organisation["city"],
            contact_person=organisation["contact_person"],
            email=organisation["email"],
            phone=organisation["phone"],
            website=organisation["website"],
        ),
        lots=frozenset(canonical["percelen"]),
        declarations={
            item["eis"]: DeclaredRequirement(
                code=item["eis"], complies=bool(item["voldoet"]), evidence=_file(item["bewijs"])
            )
            for item in canonical["eisen"]
        },
        cells=frozenset(tuple(cell) for cell in canonical["dekking"]),  # type: ignore[misc]
        network=tuple(
            SubmittedNetworkPartner(municipality=m, name=name, kind=kind, cooperation=cooperation)
            for m, name, kind, cooperation in canonical["netwerk"]
        ),
        subcontractors=tuple(
            SubmittedSubcontractor(name=name, kvk_number=kvk, activities=activities)
            for name, kvk, activities in canonical["onderaannemers"]
        ),
        plans={
            item["criterium"]: SubmittedPlan(
                criterion=item["criterium"], text=item["tekst"], attachment=_file(item["bijlage"])
            )
            for item in canonical["plannen"]
        },
    )


def counting_submission(bid: Bid) -> BidSubmission | None:
    """The submission that counts: the newest received before the deadline.

    A withdrawn bid, or one never submitted, has none.
    """
    if bid.status != BidStatus.SUBMITTED:
        return None
    deadline = bid.tender.submission_deadline
    in_time = [s for s in bid.submissions if deadline is None or s.received_at < deadline]
    return max(in_time, key=lambda s: s.number) if in_time else None


def submitted_version(bid: Bid) -> SubmittedBid | None:
    """The bid as received (see the module docstring), or None if nothing counts."""
    submission = counting_submission(bid)
    return version_of(bid, submission) if submission is not None else None


def received_versions(session: Session, tender: Tender) -> list[SubmittedBid]:
    """Every received bid's submitted version, by blind number (then bid id)."""
    bids = session.scalars(
        select(Bid)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.SUBMITTED)
        .options(selectinload(Bid.submissions))
    )
    versions = [v for bid in bids if (v := submitted_version(bid)) is not None]
    return sorted(versions, key=lambda v: (v.blind_number or 0, v.bid_id))


def stored_file(session: Session, version: SubmittedBid, file: SubmittedFile) -> Attachment | None:
    """The stored upload whose content the submission names (attachments are never deleted)."""
    return session.scalar(
        select(Attachment)
        .where(Attachment.bid_id == version.bid_id, Attachment.sha256 == file.sha256)
        .order_by(Attachment.id)
        .limit(1)
    )
