"""The scoring engine: totals, pass/fail reasons, ranking and award per lot.

Pure functions over plain frozen dataclasses: no Flask, no database, no clock. The
service layer turns requirement checks and consensus scores into ``BidResult``s and
the tender's copied criteria into ``ScoringRules``; the same functions then serve
the scoring pages (computed on read), the award decision snapshot and the letters.

Rules (DOMAIN.md section 6, Aw 2012 art. 2.130):

- **Total**: ``100 * sum(w_i * s_i) / (scale_max * sum(w_i))``, on 0..100. When the
  weights add up to 100 this is the published ``sum(w_i * s_i / scale_max)``; other
  weights are normalised, so a criteria file may use weights such as 3/2/1.
- **Exactness and rounding**: every comparison (minimum total, ranking, ties) is
  made on the exact rational total, never on a rounded number. ``weighted_total``
  returns that value as a ``Decimal``: exact whenever its decimal expansion ends
  (always when the weights add up to 100), otherwise to 28 significant digits.
  Rounding happens only for display, in ``format_total``: two decimals, rounded
  *down*, so a printed total never exceeds the real one and a letter can never
  show a rejected bid as reaching the minimum it missed.
- **Pass**: every requirement met, every consensus score at least the criterion's
  minimum, and the total at least ``minimum_total``. A bid that fails a requirement
  is not assessed on quality: it gets only its requirement reasons.
- **Rank** per lot among passing bids: total descending, then the tender's
  tie-break (``TIE_BREAKS``). Bids the tie-break cannot separate share a rank
  (competition ranking: 1, 2, 2, 4).
- **Award** per lot by the tender's award mode (``AWARD_MODES``). In ranked mode a
  tie that straddles the number of awards is never decided silently: it is reported
  in ``Outcome.unresolved_ties`` until a draw ("loting") is passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType

_DECIMAL = Context(prec=28, rounding=ROUND_HALF_EVEN)
_CENT = Decimal("0.01")


class ReasonKind(StrEnum):
    REQUIREMENT = "requirement"  # a requirement (eis) was not met
    CRITERION_MINIMUM = "criterion_minimum"  # a consensus score below the criterion's minimum
    TOTAL_MINIMUM = "total_minimum"  # the total below the tender's minimum total
    RANK = "rank"  # ranked mode: passing, but outside the number of awards of the lot
    INCOMPLETE = "incomplete"  # a consensus score still missing: no decision yet


class LotStatus(StrEnum):
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    # Neither awarded nor rejected yet: scores missing, or a tie awaiting a draw.
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class CriterionRule:
    """One award criterion as scoring needs it; ``ScoringRules.criteria`` is in file order."""

    code: str
    weight: Decimal
    minimum: int


@dataclass(frozen=True)
class RequirementFailure:
    """A requirement (eis) the bid does not meet, with the inkoper's recorded reason."""

    code: str
    title: str
    reason: str


@dataclass(frozen=True)
class BidResult:
    """What scoring needs of one bid.

    ``label`` is the blind code ("Inschrijving 07"); ``scores`` maps a criterion code
    to the consensus score, ``None`` (or absent) while not yet scored.
    """

    bid_id: int
    label: str
    lots: frozenset[str]
    failed_requirements: tuple[RequirementFailure, ...]
    scores: Mapping[str, int | None] = field(hash=False)

    def __post_init__(self) -> None:
        # Copies, so that the caller's dict or set cannot change a frozen result.
        object.__setattr__(self, "lots", frozenset(self.lots))
        object.__setattr__(self, "failed_requirements", tuple(self.failed_requirements))
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))


@dataclass(frozen=True)
class ScoringRules:
    """The tender's published scoring rules, as copied from its criteria file.

    ``max_awards`` maps a lot code to the number of bids awarded in ranked mode.
    """

    criteria: tuple[CriterionRule, ...]
    scale_max: int
    minimum_total: Decimal  # 0 when the tender sets none
    award_mode: str  # a key of AWARD_MODES
    tie_break: str  # a key of TIE_BREAKS
    max_awards: Mapping[str, int] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "max_awards", MappingProxyType(dict(self.max_awards)))
        codes = [criterion.code for criterion in self.criteria]
        if not codes:
            raise ValueError("at least one criterion is needed")
        if len(set(codes)) != len(codes):
            raise ValueError(f"criterion codes must be unique: {codes}")
        if not 0 <= self.minimum_total <= 100:
            raise ValueError(f"minimum_total must lie in 0..100, got {self.minimum_total}")
        if self.scale_max <= 0:
            raise ValueError(f"scale_max must be positive, got {self.scale_max}")
        for criterion in self.criteria:
            if criterion.weight <= 0:
                raise ValueError(f"criterion {criterion.code}: weight must be positive")
            if not 0 <= criterion.minimum <= self.scale_max:
                raise ValueError(f"criterion {criterion.code}: minimum outside 0..scale_max")
        if self.award_mode not in AWARD_MODES:
            raise ValueError(f"unknown award mode {self.award_mode!r}")
        if self.tie_break not in TIE_BREAKS:
            raise ValueError(f"unknown tie-break {self.tie_break!r}")
        if self.award_mode == "ranked" and any(n < 1 for n in self.max_awards.values()):
            raise ValueError("ranked mode needs max_awards of at least 1 per lot")


@dataclass(frozen=True)
class Reason:
    """One reason why a bid is not (yet) awarded, as text for the letters and as data.

    Machine fields by kind: REQUIREMENT ``code``; CRITERION_MINIMUM ``code``, ``score``,
    ``minimum``; TOTAL_MINIMUM ``score`` (the exact total) and ``minimum``; RANK
    ``code`` (the lot), ``rank``, ``places`` (awards in the lot) and ``drawn`` (lost a
    draw); INCOMPLETE ``code`` (the criterion without a consensus score).
    """

    kind: ReasonKind
    text: str
    code: str | None = None
    score: int | Decimal | None = None
    minimum: int | Decimal | None = None
    rank: int | None = None
    places: int | None = None
    drawn: bool = False


@dataclass(frozen=True)
class Evaluation:
    """A bid measured against the rules, independent of the other bids.

    ``reasons`` lists every reason in a fixed order: requirements, then criteria in
    file order, then the total. ``total`` is None while a score is missing.
    """

    bid: BidResult
    passed: bool
    total: Decimal | None
    reasons: tuple[Reason, ...]

    @property
    def failed(self) -> bool:
        """Rejected whatever the missing scores turn out to be."""
        return any(reason.kind != ReasonKind.INCOMPLETE for reason in self.reasons)

    @property
    def pending(self) -> bool:
        """Not decided yet: only consensus scores are missing."""
        return not self.passed and not self.failed


@dataclass(frozen=True)
class Ranked:
    """A passing bid's place in one lot.

    ``tied`` marks bids sharing their rank (the tie-break could not separate them);
    ``decided_by_tie_break`` marks bids whose total equals another's but whose rank
    the tie-break settled, which the award report should explain.
    """

    bid_id: int
    label: str
    total: Decimal
    rank: int
    tied: bool
    decided_by_tie_break: bool


@dataclass(frozen=True)
class LotContext:
    """Everything an award mode gets to decide one lot."""

    lot: str
    ranking: tuple[Ranked, ...]  # the passing bids on the lot, best first
    pending: tuple[int, ...]  # bids on the lot still waiting for consensus scores
    rules: ScoringRules
    draw: tuple[int, ...] | None  # the order drawn by lot for this lot, if any


@dataclass(frozen=True)
class LotSelection:
    """An award mode's decision for one lot; ranked bids in neither map are undecided."""

    awarded: frozenset[int]
    rejected: Mapping[int, Reason]
    unresolved_tie: tuple[int, ...] = ()
    used_draw: bool = False


@dataclass(frozen=True)
class LotDecision:
    """One bid's result in one lot it bid on.

    ``rank`` is None for bids that did not pass. ``reasons`` say why the bid is not
    awarded (its evaluation reasons, or the rank reason); empty when awarded or
    when it waits for a draw or for other bids' scores.
    """

    lot: str
    status: LotStatus
    rank: int | None
    tied: bool
    reasons: tuple[Reason, ...]

    @property
    def awarded(self) -> bool:
        return self.status == LotStatus.AWARDED


@dataclass(frozen=True)
class BidOutcome:
    """One bid's evaluation and its decision in every lot it bid on (by lot code)."""

    evaluation: Evaluation
    lots: tuple[LotDecision, ...]

    @property
    def bid_id(self) -> int:
        return self.evaluation.bid.bid_id

    @property
    def awarded_lots(self) -> tuple[str, ...]:
        return tuple(decision.lot for decision in self.lots if decision.awarded)

    def lot(self, code: str) -> LotDecision:
        for decision in self.lots:
            if decision.lot == code:
                return decision
        raise KeyError(code)


@dataclass(frozen=True)
class Outcome:
    """The award of a whole tender: bids by id, rankings and open questions by lot code.

    The award decision may be taken only when ``final``: no bid waits for consensus
    scores and no tie at a lot's cut-off waits for a draw.
    """

    bids: tuple[BidOutcome, ...]
    rankings: Mapping[str, tuple[Ranked, ...]] = field(hash=False)
    unresolved_ties: Mapping[str, tuple[int, ...]] = field(hash=False)
    pending: tuple[int, ...]

    @property
    def final(self) -> bool:
        return not self.unresolved_ties and not self.pending

    def for_bid(self, bid_id: int) -> BidOutcome:
        return self._by_bid[bid_id]  # KeyError for a bid the outcome does not hold

    @cached_property
    def _by_bid(self) -> dict[int, BidOutcome]:
        return {outcome.bid_id: outcome for outcome in self.bids}

    def awarded(self, lot: str) -> tuple[int, ...]:
        """The ids of the bids awarded in ``lot``, ascending."""
        return tuple(
            outcome.bid_id
            for outcome in self.bids
            if any(d.lot == lot and d.awarded for d in outcome.lots)
        )


def format_total(total: Decimal) -> str:
    """A total for display: two decimals with a decimal comma, rounded down ('66,66').

    Rounded down so that a printed total is never more than the real one.
    """
    return _dutch(total.quantize(_CENT, rounding=ROUND_DOWN))


def _format_minimum_total(minimum: Decimal) -> str:
    """A configured minimum shown exactly, with at least two decimals ('60,00')."""
    # Normalised first: the database returns 55 as 55.000, which must read as the file's 55.
    exponent = minimum.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return _dutch(minimum.quantize(_CENT))
    return _dutch(minimum.normalize())


def _dutch(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",")


def _exact_total(
    scores: Mapping[str, int | None], criteria: Sequence[CriterionRule], scale_max: int
) -> Fraction:
    weighted = Fraction(0)
    weights = Fraction(0)
    for criterion in criteria:
        score = scores.get(criterion.code)
        if score is None:
            raise ValueError(f"criterion {criterion.code} has no consensus score yet")
        if not 0 <= score <= scale_max:
            raise ValueError(f"criterion {criterion.code}: score {score} outside 0..{scale_max}")
        weight = Fraction(criterion.weight)
        weighted += weight * score
        weights += weight
    return 100 * weighted / (scale_max * weights)


def _decimal(value: Fraction) -> Decimal:
    return _DECIMAL.divide(Decimal(value.numerator), Decimal(value.denominator))


def weighted_total(
    scores: Mapping[str, int | None], criteria: Sequence[CriterionRule], scale_max: int
) -> Decimal:
    """The total on 0..100: ``100 * sum(w_i * s_i) / (scale_max * sum(w_i))``.

    Equal to ``sum(w_i * s_i / scale_max)`` when the weights add up to 100. Exact
    whenever the quotient's decimal expansion ends (always for weights adding up to
    100), otherwise to 28 significant digits; not rounded for display (see
    ``format_total``). Raises ValueError when a criterion has no score or a score
    lies outside 0..scale_max.
    """
    return _decimal(_exact_total(scores, criteria, scale_max))


def _requirement_reason(failure: RequirementFailure) -> Reason:
    text = f"Eis {failure.code} ({failure.title}): niet voldaan"
    if failure.reason.strip():
        text += f" – {failure.reason.strip()}"
    return Reason(kind=ReasonKind.REQUIREMENT, text=text, code=failure.code)


def _check_scores(bid: BidResult, rules: ScoringRules) -> None:
    known = {criterion.code for criterion in rules.criteria}
    unknown = sorted(set(bid.scores) - known)
    if unknown:
        raise ValueError(f"bid {bid.bid_id}: scores for unknown criteria {unknown}")
    for code, score in bid.scores.items():
        if score is not None and not 0 <= score <= rules.scale_max:
            raise ValueError(f"bid {bid.bid_id}: score {score} for {code} outside 0..scale_max")


def evaluate(bid: BidResult, rules: ScoringRules) -> Evaluation:
    """Whether ``bid`` passes on its own, with its total and every reason it does not.

    A bid failing a requirement is not assessed on quality: its reasons are its
    requirement failures only, and its total is given only when all scores happen
    to be there. Otherwise each criterion below its minimum is a reason, each
    missing score an INCOMPLETE reason, and a total below ``minimum_total`` (exact
    comparison) a reason. ``passed`` is True only without any reason.
    """
    _check_scores(bid, rules)
    complete = all(bid.scores.get(c.code) is not None for c in rules.criteria)
    exact = _exact_total(bid.scores, rules.criteria, rules.scale_max) if complete else None
    reasons = [_requirement_reason(failure) for failure in bid.failed_requirements]
    if not reasons:
        for criterion in rules.criteria:
            score = bid.scores.get(criterion.code)
            if score is None:
                reasons.append(
                    Reason(
                        kind=ReasonKind.INCOMPLETE,
                        text=f"Criterium {criterion.code}: nog geen consensusscore",
                        code=criterion.code,
                    )
                )
            elif score < criterion.minimum:
                reasons.append(
                    Reason(
                        kind=ReasonKind.CRITERION_MINIMUM,
                        text=(
                            f"Criterium {criterion.code}: score {score} is lager dan "
                            f"het minimum {criterion.minimum}"
                        ),
                        code=criterion.code,
                        score=score,
                        minimum=criterion.minimum,
                    )
                )
        if exact is not None and exact < Fraction(rules.minimum_total):
            total = _decimal(exact)
            reasons.append(
                Reason(
                    kind=ReasonKind.TOTAL_MINIMUM,
                    text=(
                        f"Totaalscore {format_total(total)} is lager dan de minimale "
                        f"totaalscore {_format_minimum_total(rules.minimum_total)}"
                    ),
                    score=total,
                    minimum=rules.minimum_total,
                )
            )
    return Evaluation(
        bid=bid,
        passed=not reasons,
        total=_decimal(exact) if exact is not None else None,
        reasons=tuple(reasons),
    )


# Tie-breaks: a sort key of a passing (fully scored) bid; the higher key ranks first.
TieBreak = Callable[[BidResult, ScoringRules], tuple[int, ...]]


def criteria_order(bid: BidResult, rules: ScoringRules) -> tuple[int, ...]:
    """Tie-break ``criteria_order``: the consensus scores criterion by criterion in file
    order, so the bid with the higher score on the first criterion that differs wins."""
    return tuple(_score(bid, criterion.code) for criterion in rules.criteria)


TIE_BREAKS: dict[str, TieBreak] = {"criteria_order": criteria_order}


def _score(bid: BidResult, code: str) -> int:
    score = bid.scores.get(code)
    if score is None:
        raise ValueError(f"bid {bid.bid_id}: criterion {code} has no consensus score yet")
    return score


def _unique_ids(bid_ids: Iterable[int]) -> None:
    seen: set[int] = set()
    for bid_id in bid_ids:
        if bid_id in seen:
            raise ValueError(f"bid {bid_id} appears more than once")
        seen.add(bid_id)


def rank(evaluations: Sequence[Evaluation], lot_code: str, rules: ScoringRules) -> list[Ranked]:
    """The passing bids on ``lot_code``, best first, with their ranks.

    Ordered by exact total descending, then by the tender's tie-break. Bids still
    equal share a rank and are ``tied`` (competition ranking: 1, 2, 2, 4); within a
    rank they are listed by bid id, so the result does not depend on input order.
    """
    _unique_ids(evaluation.bid.bid_id for evaluation in evaluations)
    tie_break = TIE_BREAKS[rules.tie_break]
    candidates = sorted(
        (e for e in evaluations if e.passed and lot_code in e.bid.lots),
        key=lambda e: e.bid.bid_id,
    )
    keyed = [
        (_exact_total(e.bid.scores, rules.criteria, rules.scale_max), tie_break(e.bid, rules), e)
        for e in candidates
    ]
    # A stable sort, also when reversed: equal bids stay in bid-id order.
    keyed.sort(key=lambda item: (item[0], item[1]), reverse=True)
    shared = Counter((total, key) for total, key, _ in keyed)
    same_total = Counter(total for total, _, _ in keyed)
    ranked: list[Ranked] = []
    for position, (total, key, evaluation) in enumerate(keyed):
        if position == 0 or (keyed[position - 1][0], keyed[position - 1][1]) != (total, key):
            current_rank = position + 1
        assert evaluation.total is not None  # a passing bid is fully scored
        ranked.append(
            Ranked(
                bid_id=evaluation.bid.bid_id,
                label=evaluation.bid.label,
                total=evaluation.total,
                rank=current_rank,
                tied=shared[total, key] > 1,
                decided_by_tie_break=same_total[total] > shared[total, key],
            )
        )
    return ranked


# Award modes: decide one lot from its ranking of passing bids.
AwardMode = Callable[[LotContext], LotSelection]


def _rank_reason(lot: str, entry: Ranked, group_size: int, places: int, *, drawn: bool) -> Reason:
    text = f"Rangorde {entry.rank} in perceel {lot}"
    if group_size > 1:
        others = group_size - 1
        text += f", gedeeld met {others} andere inschrijving{'en' if others > 1 else ''}"
    if places == 1:
        text += "; er wordt 1 inschrijving gegund"
    else:
        text += f"; er worden {places} inschrijvingen gegund"
    if drawn:
        text += " en de loting is niet op deze inschrijving gevallen"
    return Reason(
        kind=ReasonKind.RANK, text=text, code=lot, rank=entry.rank, places=places, drawn=drawn
    )


def threshold_mode(context: LotContext) -> LotSelection:
    """Award mode ``threshold``: every passing bid is awarded for every lot it bid on."""
    return LotSelection(awarded=frozenset(entry.bid_id for entry in context.ranking), rejected={})


def _rank_groups(ranking: Sequence[Ranked]) -> list[list[Ranked]]:
    groups: list[list[Ranked]] = []
    for entry in ranking:
        if groups and groups[-1][0].rank == entry.rank:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return groups


def _checked_draw(context: LotContext, group: Sequence[Ranked]) -> tuple[int, ...]:
    draw = context.draw or ()
    tied = {entry.bid_id for entry in group}
    if len(set(draw)) != len(draw) or set(draw) != tied:
        labels = ", ".join(entry.label for entry in group)
        raise ValueError(
            f"De loting voor perceel {context.lot} moet precies de gelijk geëindigde "
            f"inschrijvingen bevatten ({labels}), elk één keer."
        )
    return draw


def ranked_mode(context: LotContext) -> LotSelection:
    """Award mode ``ranked``: the best ``max_awards[lot]`` passing bids are awarded.

    Bids ranked beyond that number get a RANK reason. A group of tied bids that only
    partly fits is decided by ``context.draw`` (the order drawn by lot: the first
    drawn take the places left) and otherwise left undecided as ``unresolved_tie``.
    While another bid on the lot waits for scores, no bid is awarded: that bid could
    still rank higher. Bids already beyond the cut-off are rejected all the same,
    since more bids can only push them further down.
    """
    lot = context.lot
    if lot not in context.rules.max_awards:
        raise ValueError(f"ranked mode: no max_awards for lot {lot}")
    places = context.rules.max_awards[lot]
    awarded: set[int] = set()
    rejected: dict[int, Reason] = {}
    unresolved: tuple[int, ...] = ()
    used_draw = False
    for group in _rank_groups(context.ranking):
        ahead = group[0].rank - 1
        if ahead >= places:
            for entry in group:
                rejected[entry.bid_id] = _rank_reason(lot, entry, len(group), places, drawn=False)
        elif context.pending:
            continue
        elif ahead + len(group) <= places:
            awarded.update(entry.bid_id for entry in group)
        elif context.draw is None:
            unresolved = tuple(entry.bid_id for entry in group)
        else:
            draw = _checked_draw(context, group)
            winners = set(draw[: places - ahead])
            awarded.update(winners)
            for entry in group:
                if entry.bid_id not in winners:
                    rejected[entry.bid_id] = _rank_reason(
                        lot, entry, len(group), places, drawn=True
                    )
            used_draw = True
    return LotSelection(
        awarded=frozenset(awarded),
        rejected=rejected,
        unresolved_tie=unresolved,
        used_draw=used_draw,
    )


AWARD_MODES: dict[str, AwardMode] = {"threshold": threshold_mode, "ranked": ranked_mode}


def _lot_decision(
    evaluation: Evaluation, lot: str, ranking: Sequence[Ranked], selection: LotSelection
) -> LotDecision:
    bid_id = evaluation.bid.bid_id
    if not evaluation.passed:
        status = LotStatus.NOT_AWARDED if evaluation.failed else LotStatus.UNDECIDED
        return LotDecision(lot, status, rank=None, tied=False, reasons=evaluation.reasons)
    entry = next(entry for entry in ranking if entry.bid_id == bid_id)
    if bid_id in selection.awarded:
        status, reasons = LotStatus.AWARDED, ()
    elif bid_id in selection.rejected:
        status, reasons = LotStatus.NOT_AWARDED, (selection.rejected[bid_id],)
    else:
        status, reasons = LotStatus.UNDECIDED, ()
    return LotDecision(lot, status, rank=entry.rank, tied=entry.tied, reasons=reasons)


def award(
    bids: Sequence[BidResult],
    rules: ScoringRules,
    draw_order: Mapping[str, Sequence[int]] | None = None,
) -> Outcome:
    """Evaluate, rank and award every bid in every lot it bid on.

    ``draw_order`` maps a lot code to the order in which the bids of an unresolved
    tie at that lot's cut-off were drawn by lot. It must name exactly the tied bids
    and is accepted only where such a tie exists and all bids are scored (ValueError
    otherwise), so that a draw can never silently decide anything else.

    The output does not depend on the order of ``bids``: bids by id, lots by code.
    """
    _unique_ids(bid.bid_id for bid in bids)
    draws = {lot: tuple(order) for lot, order in (draw_order or {}).items()}
    evaluations = sorted((evaluate(bid, rules) for bid in bids), key=lambda e: e.bid.bid_id)
    lots = sorted(set().union(*(bid.lots for bid in bids), rules.max_awards, draws))
    mode = AWARD_MODES[rules.award_mode]
    rankings: dict[str, tuple[Ranked, ...]] = {}
    selections: dict[str, LotSelection] = {}
    unresolved: dict[str, tuple[int, ...]] = {}
    for lot in lots:
        ranking = tuple(rank(evaluations, lot, rules))
        pending = tuple(e.bid.bid_id for e in evaluations if e.pending and lot in e.bid.lots)
        selection = mode(LotContext(lot, ranking, pending, rules, draws.get(lot)))
        if lot in draws and not selection.used_draw:
            raise ValueError(
                f"Voor perceel {lot} is een loting opgegeven, maar die beslist niets: er is "
                "geen gelijke stand op de grens van het aantal gunningen, of er ontbreken "
                "nog consensusscores."
            )
        rankings[lot] = ranking
        selections[lot] = selection
        if selection.unresolved_tie:
            unresolved[lot] = tuple(sorted(selection.unresolved_tie))
    outcomes = tuple(
        BidOutcome(
            evaluation=evaluation,
            lots=tuple(
                _lot_decision(evaluation, lot, rankings[lot], selections[lot])
                for lot in sorted(evaluation.bid.lots)
            ),
        )
        for evaluation in evaluations
    )
    return Outcome(
        bids=outcomes,
        rankings=MappingProxyType(rankings),
        unresolved_ties=MappingProxyType(unresolved),
        pending=tuple(e.bid.bid_id for e in evaluations if e.pending),
    )
