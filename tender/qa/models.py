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
    # In published order: by topic and the inkoper's order, never by asking order.
    questions: Mapped[list[Question]] = relationship(
        back_populates="qa_round", order_by="[Question.published_number, Question.id]"
    )

    __table_args__ = (UniqueConstraint("tender_id", "number"),)


class Question(Base):
    """A question for the nota: a provider's, or one the inkoper raises itself.

    ``text`` is the wording that will be (or was) published; the inkoper may edit it
    (e.g. to anonymise it) until publication. ``asked_text`` is what the provider
    sent, kept unchanged and never shown to other providers.
    """

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    # None for a question the inkoper raises itself (an "eigen vraag").
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    section: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    asked_text: Mapped[str] = mapped_column(Text)
    # The inkoper's order within the section; None sorts last.
    position: Mapped[int | None] = mapped_column(Integer)
    # Set when this question is answered by another one (a duplicate merged into it).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    # The number under which it appears in its nota, fixed at publication.
    published_number: Mapped[int | None] = mapped_column(Integer)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    qa_round_id: Mapped[int | None] = mapped_column(ForeignKey("qa_round.id"))

    tender: Mapped[Tender] = relationship()
    organisation: Mapped[Organisation] = relationship()
    qa_round: Mapped[QaRound | None] = relationship(back_populates="questions")
    merged_into: Mapped[Question | None] = relationship(remote_side=[id])

    @property
    def own(self) -> bool:
        """Raised by the inkoper itself, not by a provider."""
        return self.organisation_id is None

    @property
    def edited(self) -> bool:
        return self.text != self.asked_text
