"""A tender and the configuration copied onto it from its criteria file.

Everything under a tender except its dates, TenderNed reference and state is
frozen once it is published; ``tender.tenders.lifecycle`` enforces that.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tender.db import Base, UTCDateTime

if TYPE_CHECKING:
    from tender.accounts.models import User


class TenderState(StrEnum):
    CONCEPT = "concept"
    PUBLISHED = "gepubliceerd"
    CLOSED = "gesloten"
    OPENED = "geopend"
    EVALUATED = "beoordeeld"
    PROVISIONALLY_AWARDED = "voorlopig gegund"
    AWARDED = "definitief gegund"
    WITHDRAWN = "ingetrokken"


_STATE_VALUES = ", ".join(f"'{state.value}'" for state in TenderState)


class Tender(Base):
    __tablename__ = "tender"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    region: Mapped[str] = mapped_column(String(200))
    contracting_authority: Mapped[str] = mapped_column(String(500))
    procedure: Mapped[str] = mapped_column(String(20))
    award_mode: Mapped[str] = mapped_column(String(20))
    minimum_total: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    standstill_days: Mapped[int] = mapped_column(Integer)
    spread_flag: Mapped[int] = mapped_column(Integer)
    court: Mapped[str] = mapped_column(String(200))
    tie_break: Mapped[str] = mapped_column(String(40))

    state: Mapped[TenderState] = mapped_column(String(20), default=TenderState.CONCEPT)
    tenderned_reference: Mapped[str | None] = mapped_column(String(60))
    question_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_opening: Mapped[datetime | None] = mapped_column(UTCDateTime)

    criteria_filename: Mapped[str] = mapped_column(String(200))
    criteria_sha256: Mapped[str] = mapped_column(String(64))
    criteria_text: Mapped[str] = mapped_column(Text)
    # The framework contract's clause template, copied from its file when the tender
    # is created (criteria/README.md). NULL for a tender created before templates
    # existed: its contract follows the default template as shipped.
    contract_clauses_source: Mapped[str | None] = mapped_column(String(200))
    contract_clauses_sha256: Mapped[str | None] = mapped_column(String(64))
    contract_clauses_text: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opening_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opening_started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who signs the award decisions; not frozen: it may change until the definitive award.
    signatory_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signatory_function: Mapped[str] = mapped_column(String(200), default="", server_default="")

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    scale_levels: Mapped[list[ScaleLevel]] = relationship(
        back_populates="tender", order_by="ScaleLevel.position", cascade="all, delete-orphan"
    )
    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="tender", order_by="Municipality.position", cascade="all, delete-orphan"
    )
    target_groups: Mapped[list[TargetGroup]] = relationship(
        back_populates="tender", order_by="TargetGroup.position", cascade="all, delete-orphan"
    )
    lots: Mapped[list[Lot]] = relationship(
        back_populates="tender", order_by="Lot.position", cascade="all, delete-orphan"
    )
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="tender", order_by="Requirement.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="tender", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    products: Mapped[list[Product]] = relationship(
        back_populates="tender", order_by="Product.position", cascade="all, delete-orphan"
    )
    contract_terms: Mapped[ContractTerms] = relationship(
        back_populates="tender", cascade="all, delete-orphan", uselist=False
    )

    __table_args__ = (
        CheckConstraint(f"state IN ({_STATE_VALUES})", name="state_known"),
        CheckConstraint("award_mode IN ('threshold', 'ranked')", name="award_mode_known"),
        CheckConstraint("standstill_days >= 20", name="standstill_at_least_20"),
    )

    @property
    def scale_max(self) -> int:
        return max(level.score for level in self.scale_levels)

    @property
    def scale_min(self) -> int:
        return min(level.score for level in self.scale_levels)


class ScaleLevel(Base):
    __tablename__ = "scale_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")

    tender: Mapped[Tender] = relationship(back_populates="scale_levels")

    __table_args__ = (UniqueConstraint("tender_id", "score"),)


lot_municipality = Table(
    "lot_municipality",
    Base.metadata,
    Column("lot_id", ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True),
)

lot_target_group = Table(
    "lot_target_group",
    Base.metadata,
    Column("lot_id", ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True),
    Column("target_group_id", ForeignKey("target_group.id", ondelete="CASCADE"), primary_key=True),
)


class Municipality(Base):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(100))

    tender: Mapped[Tender] = relationship(back_populates="municipalities")

    __table_args__ = (UniqueConstraint("tender_id", "code"),)


class TargetGroup(Base):
    __tablename__ = "target_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))

    tender: Mapped[Tender] = relationship(back_populates="target_groups")

    __table_args__ = (UniqueConstraint("tender_id", "code"),)


class Lot(Base):
    __tablename__ = "lot"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    min_providers_per_cell: Mapped[int] = mapped_column(Integer)
    max_awards: Mapped[int] = mapped_column(Integer)
    estimated_value_eur: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    maximum_value_eur: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    tender: Mapped[Tender] = relationship(back_populates="lots")
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=lot_municipality, order_by="Municipality.position"
    )
    target_groups: Mapped[list[TargetGroup]] = relationship(
        secondary=lot_target_group, order_by="TargetGroup.position"
    )

    __table_args__ = (
        UniqueConstraint("tender_id", "code"),
        CheckConstraint("min_providers_per_cell >= 1", name="min_providers_positive"),
        CheckConstraint("max_awards >= 0", name="max_awards_not_negative"),
    )


class Requirement(Base):
    """A knock-out requirement (eis)."""

    __tablename__ = "requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(String(10))

    tender: Mapped[Tender] = relationship(back_populates="requirements")

    __table_args__ = (
        UniqueConstraint("tender_id", "code"),
        CheckConstraint("evidence IN ('required', 'optional', 'none')", name="evidence_known"),
    )


class Criterion(Base):
    """An award criterion (gunningscriterium)."""

    __tablename__ = "criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(Text)
    aspects: Mapped[list[str]] = mapped_column(JSON)
    weight: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    minimum: Mapped[int] = mapped_column(Integer)
    max_words: Mapped[int] = mapped_column(Integer)

    tender: Mapped[Tender] = relationship(back_populates="criteria")

    __table_args__ = (
        UniqueConstraint("tender_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("max_words > 0", name="max_words_positive"),
    )


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    tariff_eur: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    tender: Mapped[Tender] = relationship(back_populates="products")

    __table_args__ = (
        UniqueConstraint("tender_id", "code"),
        CheckConstraint("tariff_eur >= 0", name="tariff_not_negative"),
    )


class ContractTerms(Base):
    """Term and start of the framework contracts (2 + 1 + 1 years at most 4)."""

    __tablename__ = "contract_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), unique=True)
    initial_years: Mapped[int] = mapped_column(Integer)
    extension_years: Mapped[list[int]] = mapped_column(JSON)
    start_date: Mapped[date] = mapped_column(Date)
    notice_months: Mapped[int] = mapped_column(Integer)

    tender: Mapped[Tender] = relationship(back_populates="contract_terms")

    __table_args__ = (CheckConstraint("initial_years >= 1", name="initial_years_positive"),)
