"""A made dossier: the ZIP stored in the instance folder with its SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.accounts.models import User
from tender.db import Base, UTCDateTime
from tender.tenders.models import Tender


class Dossier(Base):
    """One made dossier ZIP: the complete file (``bid_id`` NULL) or a bidder's inzage.

    A dossier describes the tender as of one audit event (``audit_seq``); the same
    tender, bidder and event give the same bytes, so such a dossier is made once and
    handed out again.
    """

    __tablename__ = "dossier"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bid.id"))
    audit_seq: Mapped[int] = mapped_column(Integer)
    audit_hash: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    interim: Mapped[bool] = mapped_column(Boolean)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship()
    made_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # One dossier per tender, bidder and moment; NULLs are distinct in a unique
        # constraint, so the complete file has its own partial index.
        Index(
            "uq_dossier_bid_moment",
            "tender_id",
            "bid_id",
            "audit_seq",
            unique=True,
            sqlite_where=text("bid_id IS NOT NULL"),
            postgresql_where=text("bid_id IS NOT NULL"),
        ),
        Index(
            "uq_dossier_full_moment",
            "tender_id",
            "audit_seq",
            unique=True,
            sqlite_where=text("bid_id IS NULL"),
            postgresql_where=text("bid_id IS NULL"),
        ),
    )
