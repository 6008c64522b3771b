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

from sqlalchemy import Integer, String, cast, literal, null, select, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, object_session

from tender.tenders.models import (
    Criterion,
    Lot,
    Municipality,
    Requirement,
    TargetGroup,
    Tender,
    TenderState,
)


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
        parts = frozen[key] = _read(session, tender.id)
    return parts


def _read(session: Session, tender_id: int) -> TenderParts:
    """The parts in one statement (a page that fills the copy issues no more statements
    than one that reads the collections it needs), as ``parts_of`` would give them."""
    no_text, no_number = cast(null(), String), cast(null(), Integer)
    kinds = (
        (Lot, Lot.name, no_text, no_number),
        (Municipality, Municipality.name, no_text, no_number),
        (TargetGroup, TargetGroup.name, no_text, no_number),
        (Requirement, Requirement.title, Requirement.evidence, no_number),
        (Criterion, Criterion.title, no_text, Criterion.max_words),
    )
    statement = union_all(
        *(
            select(
                literal(index).label("kind"),
                model.position,
                model.id,
                model.code,
                label.label("label"),
                evidence.label("evidence"),
                max_words.label("max_words"),
            ).where(model.tender_id == tender_id)
            for index, (model, label, evidence, max_words) in enumerate(kinds)
        )
    )
    rows = sorted(session.execute(statement), key=lambda row: (row.kind, row.position))
    lots, municipalities, groups, required, criteria = (
        [row for row in rows if row.kind == index] for index in range(len(kinds))
    )
    return TenderParts(
        lots=tuple(Part(r.id, r.code, r.label) for r in lots),
        municipalities=tuple(Part(r.id, r.code, r.label) for r in municipalities),
        target_groups=tuple(Part(r.id, r.code, r.label) for r in groups),
        requirements=tuple(RequirementPart(r.id, r.code, r.label, r.evidence) for r in required),
        criteria=tuple(CriterionPart(r.id, r.code, r.label, r.max_words) for r in criteria),
    )
