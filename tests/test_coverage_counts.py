"""The coverage matrix as counts (the adviesraad's view, DOMAIN.md section 3): the same
gaps and fragility as the full report, and nothing that names a provider or says why
it is not awarded. Pure functions, no database."""

from __future__ import annotations

import dataclasses

from test_coverage import IB, constructed, provider

from tender.coverage import CellCount, count_matrix, coverage_report

NAMES_AND_REASONS = (
    "Anker Zorg",
    "Beek Begeleiding",
    "Cirkel Wmo",
    "Duin Thuiszorg",
    "Eik Begeleiding",
    "Eis E3 niet voldaan: geen VOG",
    "Score G1 onder het minimum",
)


def _cells() -> dict[tuple[str, str], CellCount]:
    (lot,) = count_matrix(constructed()).lots
    return {
        (cell.municipality, cell.target_group): cell
        for _municipality, cells in lot.rows
        for cell in cells
    }


def test_each_cell_counts_awarded_declared_and_undecided_providers() -> None:
    cells = _cells()
    counted = {key: (c.count, c.declared, c.undecided) for key, c in cells.items()}
    assert counted == {
        ("0321", "PG"): (3, 3, 0),
        ("0321", "LVB"): (2, 2, 0),
        ("0331", "PG"): (2, 2, 0),
        # One awarded, one failed (Duin), one undecided (Eik).
        ("0331", "LVB"): (1, 3, 1),
    }


def test_gaps_and_fragility_are_those_of_the_full_report() -> None:
    report = constructed()
    (lot,) = count_matrix(report).lots
    for (_municipality, cells), (_same, full) in zip(lot.rows, report.lot("IB").rows, strict=True):
        for counted, cell in zip(cells, full, strict=True):
            assert (counted.ok, counted.fragile, counted.minimum) == (
                cell.ok,
                cell.fragile,
                cell.minimum,
            )
    assert {key: (c.ok, c.fragile) for key, c in _cells().items()} == {
        ("0321", "PG"): (True, False),  # a spare provider
        ("0321", "LVB"): (True, True),  # exactly the minimum
        ("0331", "PG"): (True, True),
        ("0331", "LVB"): (False, False),  # short already
    }


def test_rows_keep_the_grid_order_municipalities_then_target_groups() -> None:
    (lot,) = count_matrix(constructed()).lots
    assert (lot.code, lot.name, lot.minimum) == ("IB", "Individuele begeleiding", 2)
    assert lot.target_groups == IB.target_groups
    assert [municipality for municipality, _cells in lot.rows] == list(IB.municipalities)
    assert [[c.target_group for c in cells] for _m, cells in lot.rows] == [["PG", "LVB"]] * 2


def test_networks_per_municipality_as_counts_with_the_only_one_fragile() -> None:
    (lot,) = count_matrix(constructed()).lots
    assert [(n.municipality, n.count, n.ok, n.fragile) for n in lot.networks] == [
        ("0321", 2, True, False),
        ("0331", 0, False, False),  # Duin has the only network in Lopik but is not awarded
    ]
    single = coverage_report([IB], [provider(1, "Anker Zorg", {("0321", "PG")}, networks={"0321"})])
    houten = count_matrix(single).lots[0].networks[0]
    assert (houten.count, houten.ok, houten.fragile) == (1, True, True)


def test_no_name_bid_id_or_reason_survives_the_reduction() -> None:
    def values(obj: object) -> list[object]:
        if dataclasses.is_dataclass(obj):
            return [v for f in dataclasses.fields(obj) for v in values(getattr(obj, f.name))]
        if isinstance(obj, tuple):
            return [v for item in obj for v in values(item)]
        return [obj]

    leaves = values(count_matrix(constructed()))
    text = " ".join(str(leaf) for leaf in leaves)
    assert not [secret for secret in NAMES_AND_REASONS if secret in text]
    fields = {f.name for f in dataclasses.fields(CellCount)}
    assert not fields & {"providers", "critical", "declared_but_failed", "bid_id", "name"}
