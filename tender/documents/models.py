"""Generated documents, stored in the instance folder with their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.db import Base, UTCDateTime
from tender.tenders.models import Tender


class Document(Base):
    """A generated document (receipt, record of opening, letter, report, contract)."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bid.id"))
    kind: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Letters, report and contracts belong to one version of the award decision; a
    # job that is resumed finds what it already made by (decision, kind, bid).
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("award_decision.id"))
    # The audit chain's head when the document was made (also printed in its footer),
    # so that deleting the newest audit events is detected (``tender.audit``). Empty
    # for documents made before anchoring existed, or while the chain was empty.
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    audit_hash: Mapped[str | None] = mapped_column(String(64))

    tender: Mapped[Tender] = relationship()

    __table_args__ = (
        CheckConstraint("(audit_seq IS NULL) = (audit_hash IS NULL)", name="audit_anchor_complete"),
        Index("ix_document_tender_kind", "tender_id", "kind"),  # a tender's documents by kind
        # One letter or contract per bidder, and one report, per decision version.
        Index(
            "uq_document_decision_bid",
            "decision_id",
            "kind",
            "bid_id",
            unique=True,
            sqlite_where=text("decision_id IS NOT NULL AND bid_id IS NOT NULL"),
            postgresql_where=text("decision_id IS NOT NULL AND bid_id IS NOT NULL"),
        ),
        Index(
            "uq_document_decision_kind",
            "decision_id",
            "kind",
            unique=True,
            sqlite_where=text("decision_id IS NOT NULL AND bid_id IS NULL"),
            postgresql_where=text("decision_id IS NOT NULL AND bid_id IS NULL"),
        ),
    )
