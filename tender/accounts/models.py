"""Users, their roles, and provider organisations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.db import Base, UTCDateTime


class Role(StrEnum):
    PROCUREMENT_OFFICER = "inkoper"
    EVALUATOR = "beoordelaar"
    PROVIDER = "aanbieder"
    ADVISORY_COUNCIL = "adviesraad"
    ADMINISTRATOR = "beheerder"


ROLE_LABELS = {
    Role.PROCUREMENT_OFFICER: "Inkoper",
    Role.EVALUATOR: "Beoordelaar",
    Role.PROVIDER: "Aanbieder",
    Role.ADVISORY_COUNCIL: "Adviesraad",
    Role.ADMINISTRATOR: "Beheerder",
}

_ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


class Organisation(Base):
    """A care provider (aanbieder), identified by its KvK number."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str] = mapped_column(String(8), unique=True)
    street_address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(100))
    contact_person: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    __table_args__ = (CheckConstraint("length(kvk_number) = 8", name="kvk_length"),)


class User(UserMixin, Base):
    """An account. Providers belong to exactly one organisation; other roles to none."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
        CheckConstraint(
            "(role = 'aanbieder') = (organisation_id IS NOT NULL)",
            name="provider_has_organisation",
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]
