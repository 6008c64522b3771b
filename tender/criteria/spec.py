"""Typed, validated contents of a criteria file (see CRITERIA-FORMAT.md).

The loader in ``tender.criteria.loader`` turns a TOML file into a ``CriteriaFile``;
``tender.tenders.service.create_tender_from_criteria`` copies it onto a tender.
All objects are immutable so that a validated file cannot be altered afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tender.criteria.clauses import ClauseSource

AWARD_MODES = ("threshold", "ranked")
TIE_BREAKS = ("criteria_order",)
PROCEDURES = ("SAS",)
EVIDENCE_KINDS = ("required", "optional", "none")


@dataclass(frozen=True)
class ScaleLevel:
    score: int
    label: str
    description: str


@dataclass(frozen=True)
class Municipality:
    code: str  # CBS gemeentecode, 4 digits
    name: str


@dataclass(frozen=True)
class TargetGroup:
    code: str
    name: str


@dataclass(frozen=True)
class Lot:
    code: str
    name: str
    target_groups: tuple[str, ...]  # target group codes; defaulted to all
    municipalities: tuple[str, ...]  # municipality codes; defaulted to all
    min_providers_per_cell: int
    max_awards: int
    estimated_value_eur: Decimal
    maximum_value_eur: Decimal


@dataclass(frozen=True)
class Requirement:
    code: str
    title: str
    text: str
    evidence: str  # one of EVIDENCE_KINDS


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    question: str
    aspects: tuple[str, ...]
    weight: Decimal
    minimum: int
    max_words: int


@dataclass(frozen=True)
class ContractTerms:
    initial_years: int
    extension_years: tuple[int, ...]
    start_date: date
    notice_months: int
    # This project's addition (criteria/README.md): the clause template of the
    # framework contract, as read when the file was loaded; the default when absent.
    clauses: ClauseSource | None = None


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    unit: str
    tariff_eur: Decimal


@dataclass(frozen=True)
class Signatory:
    """Who signs the award decisions (this project's ``[signatory]`` table, optional)."""

    name: str
    function: str


@dataclass(frozen=True)
class TenderSettings:
    reference: str
    title: str
    region: str
    contracting_authority: str
    procedure: str
    award_mode: str
    minimum_total: Decimal
    standstill_days: int
    spread_flag: int
    court: str
    tie_break: str


@dataclass(frozen=True)
class CriteriaFile:
    format: int
    tender: TenderSettings
    scale: tuple[ScaleLevel, ...]
    municipalities: tuple[Municipality, ...]
    target_groups: tuple[TargetGroup, ...]
    lots: tuple[Lot, ...]
    requirements: tuple[Requirement, ...]
    criteria: tuple[Criterion, ...]
    contract: ContractTerms
    products: tuple[Product, ...]
    signatory: Signatory | None = None
