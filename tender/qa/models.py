"""Questions from providers and the published nota van inlichtingen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.accounts.models import Organisation
from tender.db import Base, UTCDateTime
from tender.documents.models import Document
from tender.tenders.models import Tender


class QaRound(Base):
    """A published nota van inlichtingen; may move the submission deadline."""

    __tablename__ = "qa_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    previous_submission_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_submission_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The nota as published: every provider downloads these identical bytes.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    tender: Mapped[Tender] = relationship()
    document: Mapped[Document | None] = relationship()
    questions: Mapped[list[Question]] = relationship(
        back_populates="qa_round", order_by="Question.id"
    )

    __table_args__ = (UniqueConstraint("tender_id", "number"),)


class Question(Base):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    section: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    qa_round_id: Mapped[int | None] = mapped_column(ForeignKey("qa_round.id"))

    tender: Mapped[Tender] = relationship()
    organisation: Mapped[Organisation] = relationship()
    qa_round: Mapped[QaRound | None] = relationship(back_populates="questions")
