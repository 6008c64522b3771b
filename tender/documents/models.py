"""Generated documents, stored in the instance folder with their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
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
    # The audit chain's head when the document was made (also printed in its footer),
    # so that deleting the newest audit events is detected (``tender.audit``). Empty
    # for documents made before anchoring existed, or while the chain was empty.
    audit_seq: Mapped[int | None] = mapped_column(Integer)
    audit_hash: Mapped[str | None] = mapped_column(String(64))

    tender: Mapped[Tender] = relationship()

    __table_args__ = (
        CheckConstraint("(audit_seq IS NULL) = (audit_hash IS NULL)", name="audit_anchor_complete"),
    )
