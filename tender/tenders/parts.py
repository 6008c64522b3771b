"""The tender's parts a bid is checked against and frozen with, as plain values.

A bid's completeness and its canonical form (``tender.bids.service``) read the
tender's lots, municipalities, target groups, requirements and criteria on every
submit. After publication these parts cannot change any more (``tenders.lifecycle``
refuses every change to them outside the concept state, and a published tender never
returns to concept), so each process keeps one copy per published tender, keyed by
the tender's id, publication moment and criteria file digest, per database engine.
What can still change after publication (the schedule and its deadlines, questions
and answers, the bids themselves) is not part of this copy and is always read fresh.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import object_session

from tender.tenders.models import Tender, TenderState


@dataclass(frozen=True)
class Part:
    """A lot, municipality or target group: what a bid refers to it by."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class RequirementPart:
    id: int
    code: str
    title: str
    evidence: str


@dataclass(frozen=True)
class CriterionPart:
    id: int
    code: str
    title: str
    max_words: int


@dataclass(frozen=True)
class TenderParts:
    lots: tuple[Part, ...]
    municipalities: tuple[Part, ...]
    target_groups: tuple[Part, ...]
    requirements: tuple[RequirementPart, ...]
    criteria: tuple[CriterionPart, ...]


_Key = tuple[int, datetime | None, str]
_FROZEN: weakref.WeakKeyDictionary[Engine, dict[_Key, TenderParts]] = weakref.WeakKeyDictionary()


def parts_of(tender: Tender) -> TenderParts:
    """The parts as the tender's collections hold them now (in their positions' order)."""
    return TenderParts(
        lots=tuple(Part(lot.id, lot.code, lot.name) for lot in tender.lots),
        municipalities=tuple(Part(m.id, m.code, m.name) for m in tender.municipalities),
        target_groups=tuple(Part(g.id, g.code, g.name) for g in tender.target_groups),
        requirements=tuple(
            RequirementPart(r.id, r.code, r.title, r.evidence) for r in tender.requirements
        ),
        criteria=tuple(CriterionPart(c.id, c.code, c.title, c.max_words) for c in tender.criteria),
    )


def tender_parts(tender: Tender) -> TenderParts:
    """The tender's parts; once it is published, from this process's copy."""
    session = object_session(tender)
    if tender.state == TenderState.CONCEPT or session is None:
        return parts_of(tender)
    engine = session.get_bind().engine
    frozen = _FROZEN.setdefault(engine, {})
    key = (tender.id, tender.published_at, tender.criteria_sha256)
    parts = frozen.get(key)
    if parts is None:
        parts = frozen[key] = parts_of(tender)
    return parts
