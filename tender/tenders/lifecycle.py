"""The tender state machine (DOMAIN.md section 4), enforced in this one place.

Two guards live here:
- ``transition`` refuses any move that is not in ``TRANSITIONS``;
- a flush guard refuses any change to the frozen configuration (criteria,
  weights, scale, minimums, word limits, award mode, lots, products, contract
  terms) of a tender that is no longer a concept, whichever code attempts it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from tender import audit
from tender.errors import DomainError
from tender.tenders.models import (
    ContractTerms,
    Criterion,
    Lot,
    Municipality,
    Product,
    Requirement,
    ScaleLevel,
    TargetGroup,
    Tender,
    TenderState,
)

S = TenderState
_BEFORE_DEFINITIVE = (S.CONCEPT, S.PUBLISHED, S.CLOSED, S.OPENED, S.EVALUATED)

TRANSITIONS: dict[TenderState, frozenset[TenderState]] = {
    S.CONCEPT: frozenset({S.PUBLISHED, S.WITHDRAWN}),
    S.PUBLISHED: frozenset({S.CLOSED, S.WITHDRAWN}),
    S.CLOSED: frozenset({S.OPENED, S.WITHDRAWN}),
    # All bids may fail the requirements: then there is nothing to score.
    S.OPENED: frozenset({S.EVALUATED, S.PROVISIONALLY_AWARDED, S.WITHDRAWN}),
    # Back to the evaluation when a decision is withdrawn and scores are reopened.
    S.EVALUATED: frozenset({S.OPENED, S.PROVISIONALLY_AWARDED, S.WITHDRAWN}),
    S.PROVISIONALLY_AWARDED: frozenset({S.OPENED, S.AWARDED, S.WITHDRAWN}),
    S.AWARDED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
assert set(TRANSITIONS) == set(TenderState)
assert all(S.WITHDRAWN in TRANSITIONS[state] for state in _BEFORE_DEFINITIVE)

FROZEN_TENDER_FIELDS = (
    "reference",
    "title",
    "region",
    "contracting_authority",
    "procedure",
    "award_mode",
    "minimum_total",
    "standstill_days",
    "spread_flag",
    "court",
    "tie_break",
    "criteria_filename",
    "criteria_sha256",
    "criteria_text",
    "contract_clauses_source",
    "contract_clauses_sha256",
    "contract_clauses_text",
    # The collections: adding or removing a part is a change too.
    "scale_levels",
    "municipalities",
    "target_groups",
    "lots",
    "requirements",
    "criteria",
    "products",
    "contract_terms",
)
FROZEN_PARTS = (
    ScaleLevel,
    Municipality,
    TargetGroup,
    Lot,
    Requirement,
    Criterion,
    Product,
    ContractTerms,
)


class IllegalTransition(DomainError):
    pass


class ConfigurationFrozen(DomainError):
    pass


def may_transition(tender: Tender, target: TenderState) -> bool:
    return target in TRANSITIONS[TenderState(tender.state)]


def transition(
    session: Session,
    tender: Tender,
    target: TenderState,
    *,
    actor: Any,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> None:
    """Move the tender to ``target`` or raise ``IllegalTransition`` in Dutch."""
    current = TenderState(tender.state)
    if not may_transition(tender, target):
        raise IllegalTransition(
            f"Een aanbesteding met status '{current.value}' kan niet naar status "
            f"'{target.value}'." + (" De status is definitief." if not TRANSITIONS[current] else "")
        )
    tender.state = target
    audit.record(
        session,
        actor=actor,
        action="tender.state",
        object_type="tender",
        object_id=tender.id,
        tender_id=tender.id,
        now=now,
        details={"van": current.value, "naar": target.value, **(details or {})},
    )


def _state_before_flush(tender: Tender) -> TenderState:
    history = inspect(tender).attrs.state.history
    if history.deleted:
        return TenderState(history.deleted[0])
    return TenderState(tender.state)


def _owning_tender(obj: Any) -> Tender | None:
    if isinstance(obj, Tender):
        return obj
    if isinstance(obj, FROZEN_PARTS):
        return obj.tender
    return None


def frozen_changes(session: Session) -> list[str]:
    """Descriptions of pending changes to frozen configuration, for the flush guard."""
    problems: list[str] = []
    for obj in session.new | session.dirty | session.deleted:
        tender = _owning_tender(obj)
        if tender is None or inspect(tender).pending or inspect(tender).transient:
            continue
        if _state_before_flush(tender) == TenderState.CONCEPT:
            continue
        if isinstance(obj, Tender):
            state = inspect(obj)
            changed = [f for f in FROZEN_TENDER_FIELDS if state.attrs[f].history.has_changes()]
            if changed and obj not in session.deleted:
                problems.append(f"{', '.join(changed)} van {tender.reference}")
            elif obj in session.deleted:
                problems.append(f"de aanbesteding {tender.reference}")
        elif obj in session.new or obj in session.deleted or session.is_modified(obj):
            problems.append(f"{type(obj).__name__} van {tender.reference}")
    return problems


def _refuse_frozen_changes(session: Session, _context: Any, _instances: Any) -> None:
    problems = frozen_changes(session)
    if problems:
        raise ConfigurationFrozen(
            "Na publicatie liggen de gunningscriteria, wegingen, beoordelingsschaal, "
            "minimumscores, woordlimieten en gunningswijze vast; wijzigen is niet "
            "toegestaan (" + "; ".join(sorted(problems)) + ")."
        )


event.listen(Session, "before_flush", _refuse_frozen_changes)
