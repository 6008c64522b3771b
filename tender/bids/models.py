"""A provider's bid (inschrijving) and its parts.

A bid is sealed from the moment the tender is published until it is opened:
its content is read only through the access rules in ``tender.permissions``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.accounts.models import Organisation
from tender.db import Base, UTCDateTime
from tender.tenders.models import Criterion, Lot, Municipality, Requirement, TargetGroup, Tender


class BidStatus(StrEnum):
    DRAFT = "concept"
    SUBMITTED = "ingediend"
    WITHDRAWN = "ingetrokken"


def blind_code(blind_number: int | None) -> str:
    """The code evaluators know a bid by ("Inschrijving 07"), from its blind number."""
    return f"Inschrijving {blind_number:02d}" if blind_number else "Inschrijving"


class Bid(Base):
    __tablename__ = "bid"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[BidStatus] = mapped_column(String(12), default=BidStatus.DRAFT)
    # The evaluators' blind code ("Inschrijving 07"), assigned at opening.
    blind_number: Mapped[int | None] = mapped_column(Integer)

    # Organisation details as stated in this bid (prefilled, editable per bid).
    organisation_name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str] = mapped_column(String(8))
    street_address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(100))
    contact_person: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(200), default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digest: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the chair moves the bid to the consensus phase before every
    # individual score is in; otherwise the phase opens when they are.
    consensus_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consensus_opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    tender: Mapped[Tender] = relationship()
    organisation: Mapped[Organisation] = relationship()
    lots: Mapped[list[BidLot]] = relationship(back_populates="bid", cascade="all, delete-orphan")
    requirement_declarations: Mapped[list[RequirementDeclaration]] = relationship(
        back_populates="bid", cascade="all, delete-orphan"
    )
    coverage: Mapped[list[CoverageDeclaration]] = relationship(
        back_populates="bid", cascade="all, delete-orphan"
    )
    network_partners: Mapped[list[NetworkPartner]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", order_by="NetworkPartner.id"
    )
    subcontractors: Mapped[list[Subcontractor]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", order_by="Subcontractor.id"
    )
    plans: Mapped[list[Plan]] = relationship(back_populates="bid", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="bid", cascade="all, delete-orphan"
    )
    submissions: Mapped[list[BidSubmission]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", order_by="BidSubmission.number"
    )

    @property
    def blind_code(self) -> str:
        """The code evaluators know the bid by ("Inschrijving 07")."""
        return blind_code(self.blind_number)

    @property
    def latest_submission(self) -> BidSubmission | None:
        return self.submissions[-1] if self.submissions else None

    __table_args__ = (
        UniqueConstraint("tender_id", "organisation_id"),
        UniqueConstraint("tender_id", "blind_number"),
        CheckConstraint("status IN ('concept', 'ingediend', 'ingetrokken')", name="status_known"),
        Index("ix_bid_tender_status", "tender_id", "status"),  # received bids of a tender
    )


class BidLot(Base):
    __tablename__ = "bid_lot"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)

    bid: Mapped[Bid] = relationship(back_populates="lots")
    lot: Mapped[Lot] = relationship()


class Attachment(Base):
    """An uploaded PDF, stored under a random name in the instance folder."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    bid: Mapped[Bid] = relationship(back_populates="attachments")


class RequirementDeclaration(Base):
    """The provider's statement that it meets a requirement, with optional evidence."""

    __tablename__ = "requirement_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id"))
    complies: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))

    bid: Mapped[Bid] = relationship(back_populates="requirement_declarations")
    requirement: Mapped[Requirement] = relationship()
    # Joined: a page listing the declarations shows each one's file (no query per row).
    evidence: Mapped[Attachment | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("bid_id", "requirement_id"),)


class CoverageDeclaration(Base):
    """One cell the provider declares to serve: lot x municipality x target group."""

    __tablename__ = "coverage_declaration"

    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)
    target_group_id: Mapped[int] = mapped_column(ForeignKey("target_group.id"), primary_key=True)

    bid: Mapped[Bid] = relationship(back_populates="coverage")
    lot: Mapped[Lot] = relationship()
    municipality: Mapped[Municipality] = relationship()
    target_group: Mapped[TargetGroup] = relationship()


class NetworkPartner(Base):
    """A partner in the voorliggend veld of one municipality."""

    __tablename__ = "network_partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    cooperation: Mapped[str] = mapped_column(Text)

    bid: Mapped[Bid] = relationship(back_populates="network_partners")
    municipality: Mapped[Municipality] = relationship()


class Subcontractor(Base):
    __tablename__ = "subcontractor"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str] = mapped_column(String(8))
    activities: Mapped[str] = mapped_column(Text)

    bid: Mapped[Bid] = relationship(back_populates="subcontractors")


class Plan(Base):
    """The provider's answer to one award criterion."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))

    bid: Mapped[Bid] = relationship(back_populates="plans")
    criterion: Mapped[Criterion] = relationship()
    # Joined: a page listing the plans shows each one's file (no query per row).
    attachment: Mapped[Attachment | None] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("bid_id", "criterion_id"),)


class BidSubmission(Base):
    """One submission of a bid; the newest counts, earlier ones are kept."""

    __tablename__ = "bid_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str] = mapped_column(String(64))
    # The canonical form the digest was computed over, so it can be re-verified.
    canonical: Mapped[dict] = mapped_column(JSON)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    bid: Mapped[Bid] = relationship(back_populates="submissions")

    __table_args__ = (UniqueConstraint("bid_id", "number"),)
