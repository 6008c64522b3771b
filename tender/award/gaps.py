"""Decisions on coverage gaps (DOMAIN.md section 5.5).

A gap does not stop the award, but before the award decision the inkoper records,
for every gap, what the municipalities will do about it (e.g. "aanvullende
contractering door de RBL", "geaccepteerd omdat ..."); the award report shows
these decisions. Once the award decision is taken they are frozen with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender import audit, coverage
from tender.accounts.models import User
from tender.award import versions
from tender.award.coverage_data import TenderCoverage, tender_coverage
from tender.award.models import GapDecision
from tender.award.outcome import TenderOutcome
from tender.errors import DomainError
from tender.tenders.models import Lot, Municipality, TargetGroup, Tender, TenderState

MIN_DECISION_LENGTH = 10
MAX_DECISION_LENGTH = 2000
# Gap decisions are taken between the opening and the award decision.
DECIDING_STATES = (TenderState.OPENED, TenderState.EVALUATED)

GapKey = tuple[str, str, str | None]  # lot, municipality, target group codes (None: network)


class GapDecisionError(DomainError):
    pass


def decision_refusal(session: Session, tender: Tender) -> str | None:
    """Why gap decisions cannot be recorded now (Dutch), or None when they can."""
    if tender.state not in DECIDING_STATES:
        if tender.state in (TenderState.CONCEPT, TenderState.PUBLISHED, TenderState.CLOSED):
            return "Besluiten over tekorten kunnen pas na de opening van de inschrijvingen."
        return (
            f"Aanbesteding {tender.reference} heeft status '{tender.state}': besluiten over "
            "tekorten in het dekkend aanbod liggen vast."
        )
    decided = versions.active_decision(session, tender)
    if decided is not None:
        return (
            f"Het gunningsadvies (versie {decided.version}) is vastgelegd; de besluiten over "
            "tekorten liggen daarmee vast. Laat het advies terugsturen om ze te wijzigen."
        )
    return None


def gap_decisions(session: Session, tender: Tender) -> dict[GapKey, GapDecision]:
    """The recorded gap decisions of a tender by (lot, municipality, target group) code."""
    decisions = session.scalars(
        select(GapDecision)
        .where(GapDecision.tender_id == tender.id)
        .options(
            selectinload(GapDecision.lot),
            selectinload(GapDecision.municipality),
            selectinload(GapDecision.target_group),
        )
    )
    return {
        (d.lot.code, d.municipality.code, d.target_group.code if d.target_group else None): d
        for d in decisions
    }


def undecided_gaps(
    session: Session, tender: Tender, data: TenderOutcome | None = None
) -> list[coverage.Gap]:
    """The current coverage gaps without a recorded decision, in report order.

    The award decision is refused while this is not empty. ``data`` reuses an
    outcome the caller computed already. Raises ``CoverageUnavailable`` before the
    opening (the bids are sealed).
    """
    found = tender_coverage(session, tender, data).gaps
    decided = gap_decisions(session, tender)
    return [gap for gap in found if gap.key not in decided]


def record_gap_decision(
    session: Session,
    *,
    tender: Tender,
    lot: Lot,
    municipality: Municipality,
    target_group: TargetGroup | None,
    decision: str,
    actor: User,
    now: datetime,
    checked: TenderCoverage | None = None,
) -> GapDecision:
    """Record (or change) the decision on one current gap; ``target_group`` None: network.

    Refused before the opening, once the award decision is taken, and for a cell or
    network that is not a gap. ``checked`` reuses a coverage check the caller made.
    """
    refusal = decision_refusal(session, tender)
    if refusal:
        raise GapDecisionError(refusal)
    text = decision.strip()
    if len(text) < MIN_DECISION_LENGTH:
        raise GapDecisionError(
            f"Beschrijf het besluit over dit tekort in minstens {MIN_DECISION_LENGTH} tekens, "
            "bijvoorbeeld 'aanvullende contractering door de RBL'."
        )
    if len(text) > MAX_DECISION_LENGTH:
        raise GapDecisionError(f"Het besluit is langer dan {MAX_DECISION_LENGTH} tekens.")
    if (
        lot.tender_id != tender.id
        or municipality not in lot.municipalities
        or (target_group is not None and target_group not in lot.target_groups)
    ):
        raise GapDecisionError("Deze gemeente of doelgroep hoort niet bij het perceel.")
    key: GapKey = (lot.code, municipality.code, target_group.code if target_group else None)
    checked = checked or tender_coverage(session, tender)
    if key not in {gap.key for gap in checked.gaps}:
        raise GapDecisionError(
            "Hier is (nu) geen tekort in het dekkend aanbod; er is geen besluit nodig."
        )
    existing = session.scalar(
        select(GapDecision).where(
            GapDecision.tender_id == tender.id,
            GapDecision.lot_id == lot.id,
            GapDecision.municipality_id == municipality.id,
            GapDecision.target_group_id == target_group.id
            if target_group is not None
            else GapDecision.target_group_id.is_(None),
        )
    )
    previous = existing.decision if existing else None
    if existing is None:
        existing = GapDecision(
            tender_id=tender.id,
            lot=lot,
            municipality=municipality,
            target_group=target_group,
            decision=text,
            decided_by_id=actor.id,
            decided_at=now,
        )
        session.add(existing)
    else:
        existing.decision = text
        existing.decided_by_id = actor.id
        existing.decided_at = now
    session.flush()
    details = {
        "perceel": lot.code,
        "gemeente": municipality.code,
        "doelgroep": target_group.code if target_group else None,
        "besluit": text,
    }
    if previous is not None:
        details["vorig_besluit"] = previous
    audit.record(
        session,
        actor=actor,
        action="coverage.gap_decision",
        object_type="gap_decision",
        object_id=existing.id,
        tender_id=tender.id,
        now=now,
        details=details,
    )
    return existing
