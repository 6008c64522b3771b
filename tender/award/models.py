"""The award decision, its frozen snapshot, gap decisions and objections."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.db import Base, UTCDateTime
from tender.tenders.models import Lot, Municipality, TargetGroup, Tender


class DecisionStatus(StrEnum):
    """Where one version of the award decision stands (DOMAIN.md section 4)."""

    ADVICE = "advies"  # prepared by an inkoper, awaiting a second inkoper's review
    RETURNED = "teruggestuurd"  # sent back with a reason; the preparer revises it
    APPROVED = "goedgekeurd"  # approved; the decision itself is still to be recorded
    DECIDED = "besloten"  # decided by the competent body; letters not yet sent
    SENT = "verzonden"  # letters released; the standstill runs
    WITHDRAWN = "ingetrokken"  # withdrawn with a reason; a new version may follow


class AwardDecision(Base):
    """One version of the award decision of a tender, from advice to sent letters.

    ``snapshot`` freezes the outcome (scores, totals, ranks, coverage, draws) when
    the advice is prepared; letters, report and contracts are built from it. A
    sent decision can be withdrawn (``withdrawn_*``); the next version ``replaces``
    it, with new letters and a new standstill, and the old letters stay.
    """

    __tablename__ = "award_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default=DecisionStatus.ADVICE)
    snapshot: Mapped[dict] = mapped_column(JSON)
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Every time a reviewer sent the advice back: [{"at", "by", "reason"}].
    returns: Mapped[list[dict]] = mapped_column(JSON, default=list)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    deciding_body: Mapped[str] = mapped_column(Text, default="")
    mandate: Mapped[str] = mapped_column(Text, default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_function: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    previewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    letters_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    standstill_end: Mapped[date | None] = mapped_column(Date)
    objection_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    objection_note: Mapped[str] = mapped_column(Text, default="")
    definitive_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    definitive_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("award_decision.id"))
    # Ranked mode: what distinguishes each awarded bid, as the letters print it,
    # drafted from its consensus motivations and reviewed by the inkoper:
    # {"<bid_id>": {"text", "draft", "edited_by", "edited_at"}}.
    strengths: Mapped[dict] = mapped_column(JSON, default=dict)
    strengths_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    strengths_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()
    replaces: Mapped[AwardDecision | None] = relationship(remote_side=[id])

    __table_args__ = (UniqueConstraint("tender_id", "version"),)


class GapDecision(Base):
    """The inkoper's decision on a coverage gap (cell or municipality network)."""

    __tablename__ = "gap_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    # None: the municipality lacks an awarded provider with a local network.
    target_group_id: Mapped[int | None] = mapped_column(ForeignKey("target_group.id"))
    decision: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    lot: Mapped[Lot] = relationship()
    municipality: Mapped[Municipality] = relationship()
    target_group: Mapped[TargetGroup | None] = relationship()

    __table_args__ = (
        UniqueConstraint("lot_id", "municipality_id", "target_group_id"),
        Index("ix_gap_decision_tender", "tender_id"),  # a tender's gap decisions
        # NULLs are distinct in a unique constraint: one network decision per
        # municipality needs its own partial index.
        Index(
            "uq_gap_decision_network",
            "lot_id",
            "municipality_id",
            unique=True,
            sqlite_where=text("target_group_id IS NULL"),
            postgresql_where=text("target_group_id IS NULL"),
        ),
    )


class DocumentJob(Base):
    """A batch of documents generated in the background, with its progress.

    Progress lives in the database so that every web worker can show it. The
    documents of a job belong to one decision version (``decision_id``).
    """

    __tablename__ = "document_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    kind: Mapped[str] = mapped_column(String(30))  # "award_letters" or "contracts"
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("award_decision.id"))
    status: Mapped[str] = mapped_column(String(12), default="wachtend")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Written by the worker at every step; a running job whose heartbeat is older
    # than ``jobs.STALE_AFTER`` has lost its worker and can be resumed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TieDraw(Base):
    """The order drawn by lot ("loting") for bids tied on the cut-off of a lot.

    Only a full tie that the tender's tie-break cannot resolve is decided this way;
    the scoring engine refuses an order that does not match the tie exactly. The
    record says how the lots were drawn, by whom, in whose presence and when.
    """

    __tablename__ = "tie_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    lot_code: Mapped[str] = mapped_column(String(20))
    drawn_order: Mapped[list[int]] = mapped_column(JSON)  # bid ids, first drawn first
    note: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text, default="")
    drawn_by: Mapped[str] = mapped_column(String(200), default="")
    witnesses: Mapped[list[str]] = mapped_column(JSON, default=list)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("tender_id", "lot_code"),)
