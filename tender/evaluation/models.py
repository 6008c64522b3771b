"""Committee, conflict declarations, requirement checks and scores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.accounts.models import Organisation, User
from tender.bids.models import Bid
from tender.db import Base, UTCDateTime
from tender.tenders.models import Criterion, Requirement, Tender


class CommitteeMember(Base):
    """An evaluator assigned to a tender; one member per tender is the chair.

    A member taken off the committee keeps its row, with when, why and by whom, so
    that its declaration and its set-aside scores stay on the record.
    """

    __tablename__ = "committee_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    declaration: Mapped[ConflictDeclaration | None] = relationship(
        back_populates="member", uselist=False
    )

    __table_args__ = (UniqueConstraint("tender_id", "user_id"),)


class ConflictDeclaration(Base):
    """A signed conflict-of-interest declaration (art. 1.10b) for one tender.

    It holds one answer per bidding organisation, named as submitted; a member can
    add a band later, and the inkoper can keep a member away from one bid.
    """

    __tablename__ = "conflict_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("committee_member.id"), unique=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    statement: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[CommitteeMember] = relationship(back_populates="declaration")
    answers: Mapped[list[ConflictAnswer]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="ConflictAnswer.id"
    )
    # The answers with a band only: what the blind pages need to know, without loading
    # an answer per bidder. Read-only; ``bands`` decides which of the two to read.
    band_answers: Mapped[list[ConflictAnswer]] = relationship(
        primaryjoin="and_(ConflictAnswer.declaration_id == ConflictDeclaration.id, "
        "ConflictAnswer.band.is_(True))",
        viewonly=True,
        order_by="ConflictAnswer.id",
    )

    @property
    def bands(self) -> list[ConflictAnswer]:
        """The answers with a band. From ``answers`` once those are loaded (they hold
        every change made in this session), otherwise from ``band_answers``."""
        if "answers" in inspect(self).unloaded:
            return list(self.band_answers)
        return [a for a in self.answers if a.band]

    @property
    def conflicts(self) -> list[Organisation]:
        """The organisations this member has a band with (declared or set by the inkoper)."""
        return [a.organisation for a in self.bands]


class ConflictAnswer(Base):
    """A member's answer for one bidding organisation: "geen band" or "band" with why.

    ``declared_later`` marks a band reported after signing; ``recorded_by_id`` is set
    when the inkoper, not the member, removed the member from that organisation's bid.
    """

    __tablename__ = "conflict_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("conflict_declaration.id", ondelete="CASCADE")
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    band: Mapped[bool] = mapped_column(Boolean)
    explanation: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    declared_later: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    declaration: Mapped[ConflictDeclaration] = relationship(back_populates="answers")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (UniqueConstraint("declaration_id", "organisation_id"),)


class RequirementCheck(Base):
    """The inkoper's verdict on one requirement of one bid."""

    __tablename__ = "requirement_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id"))
    complies: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    bid: Mapped[Bid] = relationship()
    requirement: Mapped[Requirement] = relationship()

    __table_args__ = (UniqueConstraint("bid_id", "requirement_id"),)


class Score(Base):
    """One evaluator's individual score and motivation for a bid and criterion."""

    __tablename__ = "score"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    score: Mapped[int] = mapped_column(Integer)
    motivation: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set aside (kept, never deleted) when the evaluator turns out to have a band with
    # the bidder or leaves the committee: no longer counted anywhere.
    set_aside_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    set_aside_reason: Mapped[str] = mapped_column(Text, default="")

    bid: Mapped[Bid] = relationship()
    criterion: Mapped[Criterion] = relationship()
    evaluator: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("bid_id", "criterion_id", "evaluator_id"),)


class ConsensusScore(Base):
    """The committee's agreed score: the only score that counts.

    ``version`` is checked on every update so that two chairs editing at once
    cannot silently overwrite each other. A reopened consensus (``reopened_at`` set)
    counts as not agreed: the individual scores are open again until the chair
    records it anew. The row stays, so its version keeps counting up and a page
    that showed an earlier version cannot overwrite the new one.
    """

    __tablename__ = "consensus_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    score: Mapped[int] = mapped_column(Integer)
    motivation: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reopen_reason: Mapped[str | None] = mapped_column(Text)

    bid: Mapped[Bid] = relationship()
    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (UniqueConstraint("bid_id", "criterion_id"),)
    __mapper_args__ = {"version_id_col": version}


class AttachmentCopy(Base):
    """The committee's copy of one plan attachment, derived at opening from the original.

    The original upload stays untouched; evaluators only ever get this copy: with
    metadata, XMP, JavaScript, embedded files and annotations removed (``sanitised_*``),
    or, when its text names the bidder, nothing until an inkoper releases a redacted
    version (``redacted_*``) or withholds it with a reason. Each stored file keeps its
    own SHA-256.
    """

    __tablename__ = "attachment_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    source_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    sanitised_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    sanitised_sha256: Mapped[str | None] = mapped_column(String(64))
    findings: Mapped[list] = mapped_column(JSON, default=list)
    redacted_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    redacted_sha256: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    bid: Mapped[Bid] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("bid_id", "source_sha256"),
        CheckConstraint(
            "status IN ('schoon', 'achtergehouden', 'vrijgegeven', 'geweigerd')",
            name="status_known",
        ),
    )
