"""The award decision, its frozen snapshot, gap decisions and objections."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.db import Base, UTCDateTime
from tender.tenders.models import Lot, Municipality, TargetGroup, Tender


class AwardDecision(Base):
    """The (provisional, then definitive) award of one tender.

    ``snapshot`` freezes the outcome (scores, totals, ranks, coverage) once, at
    the decision; letters, report and contracts are built from it.
    """

    __tablename__ = "award_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), unique=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    snapshot: Mapped[dict] = mapped_column(JSON)
    letters_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    standstill_end: Mapped[date | None] = mapped_column(Date)
    objection_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    objection_note: Mapped[str] = mapped_column(Text, default="")
    definitive_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    definitive_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()


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

    Progress lives in the database so that every web worker can show it.
    """

    __tablename__ = "document_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    kind: Mapped[str] = mapped_column(String(30))  # "award_letters" or "contracts"
    status: Mapped[str] = mapped_column(String(12), default="wachtend")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


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
