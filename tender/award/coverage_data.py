"""From the database to the coverage check's plain inputs (``tender.coverage``).

The scoring engine's outcome says who is awarded where; the received bids'
coverage declarations and network partners, as submitted, say who serves what. Everything is
loaded in a fixed number of queries, whatever the number of bids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tender import coverage, scoring
from tender.award.outcome import TenderOutcome, tender_outcome
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


def provider_coverage(data: TenderOutcome) -> tuple[coverage.ProviderCoverage, ...]:
    """Each received bid's declarations as submitted and its result per lot."""
    providers = []
    for bid in sorted(data.bids, key=lambda b: b.bid_id):
        outcome = data.outcome.for_bid(bid.bid_id)
        providers.append(
            coverage.ProviderCoverage(
                bid_id=bid.bid_id,
                name=bid.organisation.name,
                cells=bid.cells,
                network_municipalities=bid.network_municipalities,
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
    report = coverage.coverage_report(lot_grids(session, tender), provider_coverage(data))
    return TenderCoverage(data=data, report=report)


def coverage_for_reference(session: Session, reference: str) -> TenderCoverage:
    """The coverage check of the tender with ``reference`` (for the CLI)."""
    tender = session.scalar(select(Tender).where(Tender.reference == reference))
    if tender is None:
        raise CoverageUnavailable(f"Onbekende aanbesteding: {reference}.")
    return tender_coverage(session, tender)
