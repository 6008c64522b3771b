"""A change of a published tender's dates, made on its own (issue 14 item 3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.accounts.models import User
from tender.db import Base, UTCDateTime
from tender.qa.models import QaRound
from tender.tenders.models import Tender


class ScheduleChange(Base):
    """Who moved which dates of a published tender, when and why; published as a nota.

    Old and new values are both stored for every date (equal when it did not move),
    so the history reads without the audit trail.
    """

    __tablename__ = "schedule_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"))
    # The nota van inlichtingen that published the change: one change per nota.
    qa_round_id: Mapped[int] = mapped_column(ForeignKey("qa_round.id"))
    number: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    old_question_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    new_question_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    old_submission_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    new_submission_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    old_planned_opening: Mapped[datetime] = mapped_column(UTCDateTime)
    new_planned_opening: Mapped[datetime] = mapped_column(UTCDateTime)

    tender: Mapped[Tender] = relationship()
    qa_round: Mapped[QaRound] = relationship()
    changed_by: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("tender_id", "number"),
        UniqueConstraint("qa_round_id"),
    )

    @property
    def shortened(self) -> bool:
        return self.new_submission_deadline < self.old_submission_deadline
