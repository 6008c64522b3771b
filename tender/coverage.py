"""The coverage check ("dekkend aanbod", DOMAIN.md section 5.5): matrix, gaps, fragility.

Pure functions over plain frozen dataclasses: no Flask, no database. An adapter
(``tender.award.coverage_data``) turns the scoring engine's outcome and the bids'
declarations into ``LotGrid``s and ``ProviderCoverage``s; the same report then
serves the coverage page, the CLI and the award decision.

Rules, per lot:

- **Cell** (municipality x target group): the providers awarded *in that lot* that
  declared to serve the cell count. The cell is covered (``ok``) when that count is
  at least the lot's ``minimum`` (``min_providers_per_cell``).
- **Critical providers** of a covered cell: those whose single drop-out would bring
  the cell below the minimum; that is all of them when the count equals the
  minimum, none when there is a spare provider. A cell with critical providers is
  *fragile* ("kwetsbaar"). A gap has no critical providers: it is short already.
- **Declared but failed**: providers that declared the cell but are not awarded in
  the lot, with the reasons, so the officer sees the cause of a gap.
- **Undecided**: providers whose result in the lot is still open (scores missing,
  a tie awaiting a draw) are neither counted nor listed as failed.
- **Network** per municipality of the lot: the awarded providers of the lot with a
  local network partner there; at least one is needed.

A gap (a cell or a network that is not ok) does not stop the award, but the inkoper
must record a decision on it; ``gaps`` lists them under a stable key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from tender.timefmt import count_of


@dataclass(frozen=True)
class LotGrid:
    """One lot's grid: its municipalities and target groups as (code, name), in display order."""

    code: str
    name: str
    minimum: int
    municipalities: tuple[tuple[str, str], ...]
    target_groups: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "municipalities", tuple(map(tuple, self.municipalities)))
        object.__setattr__(self, "target_groups", tuple(map(tuple, self.target_groups)))
        if self.minimum < 1:
            raise ValueError(f"lot {self.code}: minimum must be at least 1, got {self.minimum}")


@dataclass(frozen=True)
class ProviderCoverage:
    """What the coverage check needs of one received bid.

    ``cells`` are (lot, municipality, target group) codes the provider declared to
    serve; ``network_municipalities`` the municipality codes where it has a local
    network partner. ``failure_reasons`` maps a lot code to why the bid is not
    awarded there; a lot that is neither in ``awarded_lots`` nor has reasons is
    undecided.
    """

    bid_id: int
    name: str
    cells: frozenset[tuple[str, str, str]]
    network_municipalities: frozenset[str]
    awarded_lots: frozenset[str]
    failure_reasons: Mapping[str, tuple[str, ...]] = field(hash=False)

    def serves_in(self, lot: str, municipality: str) -> bool:
        """Whether the provider declared any target group in ``municipality`` in ``lot``."""
        return any(c[0] == lot and c[1] == municipality for c in self.cells)

    def __post_init__(self) -> None:
        # Copies, so that the caller's sets and dicts cannot change a frozen input.
        object.__setattr__(self, "cells", frozenset(self.cells))
        object.__setattr__(self, "network_municipalities", frozenset(self.network_municipalities))
        object.__setattr__(self, "awarded_lots", frozenset(self.awarded_lots))
        object.__setattr__(
            self,
            "failure_reasons",
            MappingProxyType({lot: tuple(r) for lot, r in self.failure_reasons.items() if r}),
        )
        both = self.awarded_lots & set(self.failure_reasons)
        if both:
            raise ValueError(f"{self.name}: awarded and failed in lot(s) {sorted(both)}")

    def status(self, lot: str) -> str:
        """'awarded', 'failed' or 'undecided' in ``lot``."""
        if lot in self.awarded_lots:
            return "awarded"
        if lot in self.failure_reasons:
            return "failed"
        return "undecided"


@dataclass(frozen=True)
class FailedProvider:
    """A provider that declared a cell but is not awarded in the lot, and why."""

    bid_id: int
    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """One municipality x target group cell of a lot.

    ``providers`` are the awarded providers serving it (names, sorted);
    ``critical`` those of them whose drop-out would leave the cell short.
    """

    municipality: str
    municipality_name: str
    target_group: str
    target_group_name: str
    minimum: int
    providers: tuple[str, ...]
    critical: tuple[str, ...]
    declared_but_failed: tuple[FailedProvider, ...]
    undecided: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.providers)

    @property
    def ok(self) -> bool:
        return self.count >= self.minimum

    @property
    def fragile(self) -> bool:
        return bool(self.critical)


@dataclass(frozen=True)
class Network:
    """The awarded providers of a lot with a local network partner in one municipality.

    ``critical`` names the only such provider, whose drop-out would leave the
    municipality without one.
    """

    municipality: str
    municipality_name: str
    providers: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return bool(self.providers)

    @property
    def critical(self) -> tuple[str, ...]:
        return self.providers if len(self.providers) == 1 else ()


@dataclass(frozen=True)
class LotCoverage:
    """A lot's coverage: cells row by row (municipality, then target group), networks."""

    code: str
    name: str
    minimum: int
    municipalities: tuple[tuple[str, str], ...]
    target_groups: tuple[tuple[str, str], ...]
    cells: tuple[Cell, ...]
    networks: tuple[Network, ...]

    def cell(self, municipality: str, target_group: str) -> Cell:
        for cell in self.cells:
            if cell.municipality == municipality and cell.target_group == target_group:
                return cell
        raise KeyError((municipality, target_group))

    @property
    def rows(self) -> tuple[tuple[tuple[str, str], tuple[Cell, ...]], ...]:
        """((municipality code, name), cells in target group order) per municipality."""
        width = len(self.target_groups)
        return tuple(
            (municipality, self.cells[index * width : (index + 1) * width])
            for index, municipality in enumerate(self.municipalities)
        )

    @property
    def fragile_cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell in self.cells if cell.fragile)


@dataclass(frozen=True)
class CoverageReport:
    """The coverage of every lot, in the tender's lot order."""

    lots: tuple[LotCoverage, ...]

    def lot(self, code: str) -> LotCoverage:
        for lot in self.lots:
            if lot.code == code:
                return lot
        raise KeyError(code)


class GapKind(StrEnum):
    CELL = "cell"  # too few awarded providers for a municipality x target group
    NETWORK = "network"  # no awarded provider with a local network in a municipality


@dataclass(frozen=True)
class Gap:
    """A cell or network that is not ok, identified by (lot, municipality, target group).

    ``target_group`` is None for a network gap, as in ``GapDecision``.
    """

    kind: GapKind
    lot: str
    municipality: str
    municipality_name: str
    target_group: str | None
    target_group_name: str | None
    count: int
    minimum: int

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.lot, self.municipality, self.target_group)

    @property
    def slug(self) -> str:
        return gap_slug(self.lot, self.municipality, self.target_group)

    @property
    def text(self) -> str:
        """The gap in Dutch, for lists and the award report."""
        if self.kind == GapKind.NETWORK:
            return (
                f"Perceel {self.lot}, {self.municipality_name}: geen gegunde aanbieder "
                "met een lokaal netwerk"
            )
        return (
            f"Perceel {self.lot}, {self.municipality_name}, {self.target_group_name}: "
            f"{self.count} van minimaal {count_of(self.minimum, 'aanbieder', 'aanbieders')}"
        )


def gap_slug(lot: str, municipality: str, target_group: str | None) -> str:
    """A gap's key as one string, e.g. for an HTML id: 'IB-0321-PG', 'IB-0321-netwerk'."""
    return f"{lot}-{municipality}-{target_group or 'netwerk'}"


def _sorted_names(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda name: (name.casefold(), name)))


def _check_inputs(lots: Sequence[LotGrid], providers: Sequence[ProviderCoverage]) -> None:
    codes = [lot.code for lot in lots]
    if len(set(codes)) != len(codes):
        raise ValueError(f"lot codes must be unique: {codes}")
    ids = [provider.bid_id for provider in providers]
    if len(set(ids)) != len(ids):
        raise ValueError("bid ids must be unique")
    grid = {
        (lot.code, m, g)
        for lot in lots
        for m, _ in lot.municipalities
        for g, _ in lot.target_groups
    }
    for provider in providers:
        outside = provider.cells - grid
        if outside:
            raise ValueError(f"{provider.name}: cells outside the lots' grids: {sorted(outside)}")


def critical_providers(providers: Sequence[str], minimum: int) -> tuple[str, ...]:
    """The providers of a covered cell whose single drop-out leaves it below ``minimum``.

    Every provider counts the same, so either all of them are critical (exactly
    the minimum) or none (a spare one, or already short).
    """
    return tuple(providers) if len(providers) == minimum else ()


def _lot_coverage(lot: LotGrid, providers: Sequence[ProviderCoverage]) -> LotCoverage:
    awarded = [p for p in providers if p.status(lot.code) == "awarded"]
    cells = []
    for municipality, municipality_name in lot.municipalities:
        for group, group_name in lot.target_groups:
            declared = [p for p in providers if (lot.code, municipality, group) in p.cells]
            names = _sorted_names(p.name for p in declared if p.status(lot.code) == "awarded")
            failed = sorted(
                (p for p in declared if p.status(lot.code) == "failed"),
                key=lambda p: (p.name.casefold(), p.name, p.bid_id),
            )
            cells.append(
                Cell(
                    municipality=municipality,
                    municipality_name=municipality_name,
                    target_group=group,
                    target_group_name=group_name,
                    minimum=lot.minimum,
                    providers=names,
                    critical=critical_providers(names, lot.minimum),
                    declared_but_failed=tuple(
                        FailedProvider(p.bid_id, p.name, p.failure_reasons[lot.code])
                        for p in failed
                    ),
                    undecided=_sorted_names(
                        p.name for p in declared if p.status(lot.code) == "undecided"
                    ),
                )
            )
    networks = tuple(
        Network(
            municipality=municipality,
            municipality_name=municipality_name,
            # A partner counts only where the provider serves in this lot: a network in
            # a municipality it does not serve helps no client of the lot there.
            providers=_sorted_names(
                p.name
                for p in awarded
                if municipality in p.network_municipalities and p.serves_in(lot.code, municipality)
            ),
        )
        for municipality, municipality_name in lot.municipalities
    )
    return LotCoverage(
        code=lot.code,
        name=lot.name,
        minimum=lot.minimum,
        municipalities=lot.municipalities,
        target_groups=lot.target_groups,
        cells=tuple(cells),
        networks=networks,
    )


def coverage_report(
    lots: Sequence[LotGrid], providers: Sequence[ProviderCoverage]
) -> CoverageReport:
    """The coverage matrix of every lot: cells, fragility, failed declarations, networks.

    A provider counts only in the lots it is awarded; the output does not depend on
    the order of ``providers``. Raises ValueError for duplicate lots or bids and for
    declared cells outside the lots' grids.
    """
    _check_inputs(lots, providers)
    return CoverageReport(lots=tuple(_lot_coverage(lot, providers) for lot in lots))


def gaps(report: CoverageReport) -> list[Gap]:
    """Every cell and network gap, per lot: cells row by row, then the networks."""
    found: list[Gap] = []
    for lot in report.lots:
        found.extend(
            Gap(
                kind=GapKind.CELL,
                lot=lot.code,
                municipality=cell.municipality,
                municipality_name=cell.municipality_name,
                target_group=cell.target_group,
                target_group_name=cell.target_group_name,
                count=cell.count,
                minimum=cell.minimum,
            )
            for cell in lot.cells
            if not cell.ok
        )
        found.extend(
            Gap(
                kind=GapKind.NETWORK,
                lot=lot.code,
                municipality=network.municipality,
                municipality_name=network.municipality_name,
                target_group=None,
                target_group_name=None,
                count=len(network.providers),
                minimum=1,
            )
            for network in lot.networks
            if not network.ok
        )
    return found


def to_json_dict(report: CoverageReport, reference: str) -> dict[str, Any]:
    """The report in the CLI's published JSON shape (codes as in the criteria file).

    ``{"tender", "lots": [{"code", "minimum", "cells": [{"municipality", "target_group",
    "providers", "count", "ok", "critical", "declared_but_failed": [{"name",
    "reasons"}]}], "networks": [{"municipality", "providers", "ok"}]}]}``
    """
    return {
        "tender": reference,
        "lots": [
            {
                "code": lot.code,
                "minimum": lot.minimum,
                "cells": [
                    {
                        "municipality": cell.municipality,
                        "target_group": cell.target_group,
                        "providers": list(cell.providers),
                        "count": cell.count,
                        "ok": cell.ok,
                        "critical": list(cell.critical),
                        "declared_but_failed": [
                            {"name": failed.name, "reasons": list(failed.reasons)}
                            for failed in cell.declared_but_failed
                        ],
                    }
                    for cell in lot.cells
                ],
                "networks": [
                    {
                        "municipality": network.municipality,
                        "providers": list(network.providers),
                        "ok": network.ok,
                    }
                    for network in lot.networks
                ],
            }
            for lot in report.lots
        ],
    }


GAP_MARK = "!"
FRAGILE_MARK = "*"


def _grid_lines(lot: LotCoverage) -> list[str]:
    def mark(cell: Cell) -> str:
        suffix = GAP_MARK if not cell.ok else FRAGILE_MARK if cell.fragile else ""
        return f"{cell.count}/{cell.minimum}{suffix}"

    header = ["Gemeente", *(code for code, _ in lot.target_groups)]
    body = [[name, *(mark(cell) for cell in cells)] for (_code, name), cells in lot.rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return [
        "  " + "  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip()
        for row in [header, *body]
    ]


def to_text(report: CoverageReport, reference: str) -> str:
    """A readable report: per lot a grid (count/minimum), then gaps, fragile cells, networks."""
    lines = [f"Dekkend aanbod {reference}"]
    for lot in report.lots:
        lines += [
            "",
            f"Perceel {lot.code}: {lot.name} "
            f"(minimaal {count_of(lot.minimum, 'aanbieder', 'aanbieders')} per gemeente "
            "en doelgroep)",
            "",
            *_grid_lines(lot),
            "",
            f"  {GAP_MARK} = TEKORT (minder gegunde aanbieders dan het minimum); "
            f"{FRAGILE_MARK} = kwetsbaar (tekort als één aanbieder uitvalt)",
            "  Doelgroepen: " + "; ".join(f"{code} = {name}" for code, name in lot.target_groups),
        ]
        lot_gaps = gaps(CoverageReport(lots=(lot,)))
        lines += ["", f"  Tekorten ({len(lot_gaps)}):"]
        if not lot_gaps:
            lines.append("  - geen")
        for gap in lot_gaps:
            lines.append(f"  - TEKORT {gap.text}")
            if gap.target_group is None:
                continue
            cell = lot.cell(gap.municipality, gap.target_group)
            lines += [
                f"      niet gegund: {failed.name} ({'; '.join(failed.reasons)})"
                for failed in cell.declared_but_failed
            ]
            if cell.undecided:
                lines.append(f"      nog niet beslist: {', '.join(cell.undecided)}")
        lines += ["", f"  Kwetsbare cellen ({len(lot.fragile_cells)}):"]
        lines += [
            f"  - {cell.municipality_name}, {cell.target_group_name}: {', '.join(cell.critical)}"
            for cell in lot.fragile_cells
        ] or ["  - geen"]
        lines += ["", "  Lokale netwerken:"]
        for network in lot.networks:
            status = "TEKORT" if not network.ok else "kwetsbaar" if network.critical else "in orde"
            names = ", ".join(network.providers) or "geen gegunde aanbieder met een lokaal netwerk"
            lines.append(
                f"  - {network.municipality_name} ({network.municipality}): {status}: {names}"
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class CellCount:
    """One cell as numbers only: how many providers, never which.

    ``count`` is the awarded providers serving the cell (as ``Cell.count``);
    ``declared`` every provider that declared the cell, awarded or not; ``undecided``
    those of them whose result in the lot is still open.
    """

    municipality: str
    municipality_name: str
    target_group: str
    target_group_name: str
    minimum: int
    count: int
    declared: int
    undecided: int
    ok: bool
    fragile: bool


@dataclass(frozen=True)
class NetworkCount:
    """How many awarded providers of the lot have a local network in one municipality."""

    municipality: str
    municipality_name: str
    count: int
    ok: bool
    fragile: bool


@dataclass(frozen=True)
class LotCounts:
    """A lot's coverage as counts: rows of (municipality (code, name), cells), networks."""

    code: str
    name: str
    minimum: int
    target_groups: tuple[tuple[str, str], ...]
    rows: tuple[tuple[tuple[str, str], tuple[CellCount, ...]], ...]
    networks: tuple[NetworkCount, ...]


@dataclass(frozen=True)
class CountMatrix:
    """The coverage report without names, scores, ranks or reasons (the adviesraad's view)."""

    lots: tuple[LotCounts, ...]


def _cell_count(cell: Cell) -> CellCount:
    return CellCount(
        municipality=cell.municipality,
        municipality_name=cell.municipality_name,
        target_group=cell.target_group,
        target_group_name=cell.target_group_name,
        minimum=cell.minimum,
        count=cell.count,
        declared=cell.count + len(cell.declared_but_failed) + len(cell.undecided),
        undecided=len(cell.undecided),
        ok=cell.ok,
        fragile=cell.fragile,
    )


def count_matrix(report: CoverageReport) -> CountMatrix:
    """The report reduced to numbers per municipality x target group and per network.

    Same gaps and fragility as the report; nothing that names or identifies a
    provider (name, bid id) or says why it is not awarded survives the reduction.
    """
    return CountMatrix(
        lots=tuple(
            LotCounts(
                code=lot.code,
                name=lot.name,
                minimum=lot.minimum,
                target_groups=lot.target_groups,
                rows=tuple(
                    (municipality, tuple(_cell_count(cell) for cell in cells))
                    for municipality, cells in lot.rows
                ),
                networks=tuple(
                    NetworkCount(
                        municipality=network.municipality,
                        municipality_name=network.municipality_name,
                        count=len(network.providers),
                        ok=network.ok,
                        fragile=bool(network.critical),
                    )
                    for network in lot.networks
                ),
            )
            for lot in report.lots
        )
    )
