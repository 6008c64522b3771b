"""The scoring engine's outcome for a tender, computed on read from the database.

Nothing here is stored: totals, ranks and awards are derived each time from the
requirement checks and consensus scores, until the award decision freezes them
into a snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import scoring
from tender.award import outcome_cache
from tender.award.models import TieDraw
from tender.bids.submitted import SubmittedBid, received_versions
from tender.evaluation import service as evaluation
from tender.tenders.models import Tender


@dataclass(frozen=True)
class TenderOutcome:
    tender: Tender = field(compare=False)
    rules: scoring.ScoringRules
    bids: tuple[SubmittedBid, ...]  # received bids as submitted, by blind number
    results: Mapping[int, scoring.BidResult]  # by bid id
    outcome: scoring.Outcome

    def bid(self, bid_id: int) -> SubmittedBid:
        return self._by_id[bid_id]

    @cached_property
    def _by_id(self) -> dict[int, SubmittedBid]:
        return {b.bid_id: b for b in self.bids}


def scoring_rules(tender: Tender) -> scoring.ScoringRules:
    """The tender's published rules in the engine's terms."""
    return scoring.ScoringRules(
        criteria=tuple(
            scoring.CriterionRule(code=c.code, weight=c.weight, minimum=c.minimum)
            for c in tender.criteria
        ),
        scale_max=tender.scale_max,
        minimum_total=tender.minimum_total,
        award_mode=tender.award_mode,
        tie_break=tender.tie_break,
        max_awards={lot.code: lot.max_awards for lot in tender.lots},
    )


def bid_results(
    session: Session, tender: Tender, bids: Sequence[SubmittedBid]
) -> dict[int, scoring.BidResult]:
    """Each received bid as the engine sees it: lots as submitted, failed requirements,
    consensus."""
    checks = evaluation.requirement_checks(session, tender)
    requirements = {r.id: r for r in tender.requirements}
    criteria = {c.id: c.code for c in tender.criteria}
    consensus: dict[int, dict[str, int]] = {}
    for item in evaluation.agreed_consensus(session, tender):
        consensus.setdefault(item.bid_id, {})[criteria[item.criterion_id]] = item.score
    failures: dict[int, list[scoring.RequirementFailure]] = {}
    for (bid_id, requirement_id), check in sorted(checks.items()):
        if not check.complies:
            failures.setdefault(bid_id, []).append(
                scoring.RequirementFailure(
                    code=requirements[requirement_id].code,
                    title=requirements[requirement_id].title,
                    reason=check.reason,
                )
            )
    results = {}
    for bid in bids:
        results[bid.bid_id] = scoring.BidResult(
            bid_id=bid.bid_id,
            label=bid.blind_code,
            lots=bid.lots,
            failed_requirements=tuple(failures.get(bid.bid_id, ())),
            scores=consensus.get(bid.bid_id, {}),
        )
    return results


def recorded_draws(session: Session, tender: Tender) -> dict[str, tuple[int, ...]]:
    """The orders drawn by lot, per lot code."""
    draws = session.scalars(select(TieDraw).where(TieDraw.tender_id == tender.id))
    return {draw.lot_code: tuple(draw.drawn_order) for draw in draws}


def tender_outcome(
    session: Session, tender: Tender, draw_order: Mapping[str, Sequence[int]] | None = None
) -> TenderOutcome:
    """Run the scoring engine over the tender's received bids.

    Without an explicit ``draw_order`` the recorded draws are applied, each only
    to the tie it was drawn for: a draw for bids that are no longer exactly the
    tied ones (scores changed since) decides nothing.

    That outcome is kept in the database for the version of the data it was
    computed from (``outcome_cache``), and served from there until any of that data
    changes.
    """
    rules = scoring_rules(tender)
    if draw_order is not None:
        return _computed(session, tender, rules, draw_order)
    version, cached = outcome_cache.load(session, tender.id)
    if cached is not None:
        bids, results, outcome = cached
        return TenderOutcome(
            tender=tender, rules=rules, bids=bids, results=results, outcome=outcome
        )
    data = _computed(session, tender, rules, None)
    outcome_cache.store(session, tender.id, version, (data.bids, data.results, data.outcome))
    return data


def received(session: Session, tender: Tender) -> tuple[SubmittedBid, ...]:
    """The received versions, by blind number: those stored with the outcome while it
    holds, else read (without computing, or storing, an outcome)."""
    _version, cached = outcome_cache.load(session, tender.id)
    if cached is not None:
        return cached[0]  # type: ignore[no-any-return]
    return tuple(received_versions(session, tender))


def _computed(
    session: Session,
    tender: Tender,
    rules: scoring.ScoringRules,
    draw_order: Mapping[str, Sequence[int]] | None,
) -> TenderOutcome:
    bids = tuple(received_versions(session, tender))
    results = bid_results(session, tender, bids)
    outcome = scoring.award(list(results.values()), rules, draw_order=draw_order)
    if draw_order is None and outcome.unresolved_ties:
        recorded = recorded_draws(session, tender)
        applicable = {
            lot: recorded[lot]
            for lot, tied in outcome.unresolved_ties.items()
            if lot in recorded and set(recorded[lot]) == set(tied)
        }
        if applicable:
            outcome = scoring.award(list(results.values()), rules, draw_order=applicable)
    return TenderOutcome(tender=tender, rules=rules, bids=bids, results=results, outcome=outcome)
