"""From the database to the coverage check's plain inputs (``tender.coverage``).

The scoring engine's outcome says who is awarded where; the received bids'
coverage declarations and network partners say who serves what. Everything is
loaded in a fixed number of queries, whatever the number of bids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender import coverage, scoring
from tender.award.outcome import TenderOutcome, tender_outcome
from tender.bids.models import Bid
from tender.errors import DomainError
from tender.evaluation.service import READING_STATES
from tender.tenders.models import Lot, Tender


class CoverageUnavailable(DomainError):
    pass


@dataclass(frozen=True)
class TenderCoverage:
    """The coverage report of a tender with the outcome it was computed from."""

    data: TenderOutcome
    report: coverage.CoverageReport

    @property
    def gaps(self) -> list[coverage.Gap]:
        return coverage.gaps(self.report)


def lot_grids(session: Session, tender: Tender) -> tuple[coverage.LotGrid, ...]:
    """The tender's lots with their municipalities and target groups, in file order."""
    lots = session.scalars(
        select(Lot)
        .where(Lot.tender_id == tender.id)
        .order_by(Lot.position)
        .options(selectinload(Lot.municipalities), selectinload(Lot.target_groups))
    )
    return tuple(
        coverage.LotGrid(
            code=lot.code,
            name=lot.name,
            minimum=lot.min_providers_per_cell,
            municipalities=tuple((m.code, m.name) for m in lot.municipalities),
            target_groups=tuple((g.code, g.name) for g in lot.target_groups),
        )
        for lot in lots
    )


def provider_coverage(
    session: Session, data: TenderOutcome
) -> tuple[coverage.ProviderCoverage, ...]:
    """Each received bid's declarations and its result per lot, as the check needs them."""
    tender = data.tender
    lots = {lot.id: lot.code for lot in tender.lots}
    municipalities = {m.id: m.code for m in tender.municipalities}
    groups = {g.id: g.code for g in tender.target_groups}
    bids = session.scalars(
        select(Bid)
        .where(Bid.id.in_([bid.id for bid in data.bids]))
        .options(selectinload(Bid.coverage), selectinload(Bid.network_partners))
        .order_by(Bid.id)
    )
    providers = []
    for bid in bids:
        outcome = data.outcome.for_bid(bid.id)
        providers.append(
            coverage.ProviderCoverage(
                bid_id=bid.id,
                name=bid.organisation_name,
                cells=frozenset(
                    (lots[c.lot_id], municipalities[c.municipality_id], groups[c.target_group_id])
                    for c in bid.coverage
                ),
                network_municipalities=frozenset(
                    municipalities[p.municipality_id] for p in bid.network_partners
                ),
                awarded_lots=frozenset(outcome.awarded_lots),
                failure_reasons={
                    decision.lot: tuple(reason.text for reason in decision.reasons)
                    for decision in outcome.lots
                    if decision.status == scoring.LotStatus.NOT_AWARDED
                },
            )
        )
    return tuple(providers)


def tender_coverage(
    session: Session, tender: Tender, data: TenderOutcome | None = None
) -> TenderCoverage:
    """The coverage check of an opened tender, from ``data`` or a fresh outcome.

    Raises ``CoverageUnavailable`` before the opening: until then the bids are sealed.
    """
    if tender.state not in READING_STATES:
        raise CoverageUnavailable(
            f"Aanbesteding {tender.reference} heeft status '{tender.state}'; de dekking is "
            "pas te zien na de opening van de inschrijvingen."
        )
    data = data or tender_outcome(session, tender)
    report = coverage.coverage_report(lot_grids(session, tender), provider_coverage(session, data))
    return TenderCoverage(data=data, report=report)


def coverage_for_reference(session: Session, reference: str) -> TenderCoverage:
    """The coverage check of the tender with ``reference`` (for the CLI)."""
    tender = session.scalar(select(Tender).where(Tender.reference == reference))
    if tender is None:
        raise CoverageUnavailable(f"Onbekende aanbesteding: {reference}.")
    return tender_coverage(session, tender)
