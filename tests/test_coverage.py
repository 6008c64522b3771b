"""The coverage check (DOMAIN.md 5.5) on constructed cases: pure functions, no database."""

from __future__ import annotations

import json

import pytest

from tender.coverage import (
    CoverageReport,
    GapKind,
    LotGrid,
    ProviderCoverage,
    coverage_report,
    critical_providers,
    gaps,
    to_json_dict,
    to_text,
)

IB = LotGrid(
    code="IB",
    name="Individuele begeleiding",
    minimum=2,
    municipalities=(("0321", "Houten"), ("0331", "Lopik")),
    target_groups=(("PG", "Psychogeriatrisch"), ("LVB", "Licht verstandelijke beperking")),
)


def provider(
    bid_id: int,
    name: str,
    cells: set[tuple[str, str]],
    *,
    networks: set[str] = frozenset(),  # type: ignore[assignment]
    awarded: bool = True,
    reasons: tuple[str, ...] = (),
    lot: str = "IB",
) -> ProviderCoverage:
    return ProviderCoverage(
        bid_id=bid_id,
        name=name,
        cells=frozenset((lot, m, g) for m, g in cells),
        network_municipalities=frozenset(networks),
        awarded_lots=frozenset({lot}) if awarded else frozenset(),
        failure_reasons={lot: reasons} if reasons else {},
    )


ALL_CELLS = {("0321", "PG"), ("0321", "LVB"), ("0331", "PG"), ("0331", "LVB")}


def constructed() -> CoverageReport:
    """Houten fully covered with a spare provider in PG; Lopik PG kept by exactly two;
    Lopik LVB a gap (one awarded, one failed, one undecided); no network in Lopik."""
    return coverage_report(
        [IB],
        [
            provider(1, "Anker Zorg", ALL_CELLS, networks={"0321"}),
            provider(2, "Beek Begeleiding", {("0321", "PG"), ("0321", "LVB"), ("0331", "PG")}),
            provider(3, "Cirkel Wmo", {("0321", "PG")}, networks={"0321"}),
            provider(
                4,
                "Duin Thuiszorg",
                {("0331", "LVB")},
                networks={"0331"},
                awarded=False,
                reasons=("Eis E3 niet voldaan: geen VOG", "Score G1 onder het minimum"),
            ),
            provider(5, "Eik Begeleiding", {("0331", "LVB")}, awarded=False),
        ],
    )


def test_cell_counts_awarded_providers_that_declared_it_against_the_minimum() -> None:
    lot = constructed().lot("IB")
    houten_pg = lot.cell("0321", "PG")
    assert houten_pg.providers == ("Anker Zorg", "Beek Begeleiding", "Cirkel Wmo")
    assert (houten_pg.count, houten_pg.ok) == (3, True)
    assert lot.cell("0321", "LVB").providers == ("Anker Zorg", "Beek Begeleiding")


def test_a_cell_below_the_minimum_is_a_gap() -> None:
    report = constructed()
    cell = report.lot("IB").cell("0331", "LVB")
    assert (cell.providers, cell.count, cell.ok) == (("Anker Zorg",), 1, False)
    found = gaps(report)
    cell_gaps = [g for g in found if g.kind == GapKind.CELL]
    assert [g.key for g in cell_gaps] == [("IB", "0331", "LVB")]
    assert (cell_gaps[0].count, cell_gaps[0].minimum) == (1, 2)
    assert (
        cell_gaps[0].text
        == "Perceel IB, Lopik, Licht verstandelijke beperking: 1 van minimaal 2 aanbieders"
    )


def test_a_gap_has_no_critical_providers_it_is_short_already() -> None:
    assert constructed().lot("IB").cell("0331", "LVB").critical == ()


def test_a_cell_kept_by_exactly_the_minimum_is_fragile_every_provider_critical() -> None:
    lot = constructed().lot("IB")
    lopik_pg = lot.cell("0331", "PG")
    assert lopik_pg.ok and lopik_pg.fragile
    assert lopik_pg.critical == ("Anker Zorg", "Beek Begeleiding")
    houten_pg = lot.cell("0321", "PG")
    assert houten_pg.critical == () and not houten_pg.fragile


def test_a_cell_kept_by_one_provider_with_minimum_one_names_that_provider() -> None:
    lot = LotGrid("OUD", "Ouderen", 1, (("0546", "Leiden"),), (("PG", "PG"),))
    report = coverage_report([lot], [provider(1, "Enige Aanbieder", {("0546", "PG")}, lot="OUD")])
    cell = report.lot("OUD").cell("0546", "PG")
    assert (cell.ok, cell.critical) == (True, ("Enige Aanbieder",))


def test_critical_providers_rule() -> None:
    assert critical_providers(("A", "B"), 2) == ("A", "B")
    assert critical_providers(("A", "B", "C"), 2) == ()
    assert critical_providers(("A",), 2) == ()


def test_declared_but_failed_providers_are_listed_with_their_reasons_not_counted() -> None:
    cell = constructed().lot("IB").cell("0331", "LVB")
    assert [(f.name, f.reasons) for f in cell.declared_but_failed] == [
        ("Duin Thuiszorg", ("Eis E3 niet voldaan: geen VOG", "Score G1 onder het minimum"))
    ]
    assert "Duin Thuiszorg" not in cell.providers


def test_undecided_providers_are_neither_counted_nor_failed() -> None:
    cell = constructed().lot("IB").cell("0331", "LVB")
    assert cell.undecided == ("Eik Begeleiding",)
    assert "Eik Begeleiding" not in cell.providers
    assert all(f.name != "Eik Begeleiding" for f in cell.declared_but_failed)


def test_a_municipality_without_any_awarded_local_network_is_a_gap() -> None:
    report = constructed()
    networks = {n.municipality: n for n in report.lot("IB").networks}
    assert networks["0321"].providers == ("Anker Zorg", "Cirkel Wmo")
    assert networks["0321"].ok
    # Duin Thuiszorg has a network in Lopik but is not awarded: it does not count.
    assert (networks["0331"].providers, networks["0331"].ok) == ((), False)
    network_gaps = [g for g in gaps(report) if g.kind == GapKind.NETWORK]
    assert [g.key for g in network_gaps] == [("IB", "0331", None)]
    assert network_gaps[0].slug == "IB-0331-netwerk"
    assert "geen gegunde aanbieder met een lokaal netwerk" in network_gaps[0].text


def test_a_network_with_one_awarded_provider_is_fragile() -> None:
    report = coverage_report([IB], [provider(1, "Anker Zorg", {("0321", "PG")}, networks={"0321"})])
    houten = report.lot("IB").networks[0]
    assert houten.ok and houten.critical == ("Anker Zorg",)


def test_a_network_counts_only_where_the_provider_serves_in_the_lot() -> None:
    """Issue 14 item 6: a partner in Lopik does not make a local network in Lopik for a
    provider that serves only Houten in this lot (nor one that serves Lopik in another)."""
    other = LotGrid("HH", "Huishoudelijke hulp", 1, (("0331", "Lopik"),), (("PG", "PG"),))
    houten_only = ProviderCoverage(
        bid_id=1,
        name="Anker Zorg",
        cells=frozenset({("IB", "0321", "PG"), ("HH", "0331", "PG")}),
        network_municipalities=frozenset({"0321", "0331"}),
        awarded_lots=frozenset({"IB", "HH"}),
        failure_reasons={},
    )
    report = coverage_report([IB, other], [houten_only])
    networks = {n.municipality: n for n in report.lot("IB").networks}
    assert networks["0321"].providers == ("Anker Zorg",)
    assert (networks["0331"].providers, networks["0331"].ok) == ((), False)
    assert report.lot("HH").networks[0].providers == ("Anker Zorg",)
    assert ("IB", "0331", None) in [g.key for g in gaps(report) if g.kind == GapKind.NETWORK]


def test_a_provider_counts_only_in_the_lots_it_is_awarded() -> None:
    other = LotGrid("JEUGD", "Jeugd", 1, (("0321", "Houten"),), (("PG", "PG"),))
    both = ProviderCoverage(
        bid_id=1,
        name="Twee Percelen",
        cells=frozenset({("IB", "0321", "PG"), ("JEUGD", "0321", "PG")}),
        network_municipalities=frozenset({"0321"}),
        awarded_lots=frozenset({"JEUGD"}),
        failure_reasons={"IB": ("Rangorde 5 in perceel IB; er worden 4 inschrijvingen gegund",)},
    )
    report = coverage_report([IB, other], [both])
    assert report.lot("JEUGD").cell("0321", "PG").providers == ("Twee Percelen",)
    assert report.lot("JEUGD").networks[0].providers == ("Twee Percelen",)
    ib_cell = report.lot("IB").cell("0321", "PG")
    assert ib_cell.providers == ()
    assert [f.name for f in ib_cell.declared_but_failed] == ["Twee Percelen"]
    assert report.lot("IB").networks[0].providers == ()


def test_every_cell_is_present_row_by_row_and_gaps_list_cells_before_networks() -> None:
    report = coverage_report([IB], [])
    lot = report.lot("IB")
    assert [(c.municipality, c.target_group) for c in lot.cells] == [
        ("0321", "PG"),
        ("0321", "LVB"),
        ("0331", "PG"),
        ("0331", "LVB"),
    ]
    assert [[c.target_group for c in cells] for _, cells in lot.rows] == [["PG", "LVB"]] * 2
    assert [g.key for g in gaps(report)] == [
        ("IB", "0321", "PG"),
        ("IB", "0321", "LVB"),
        ("IB", "0331", "PG"),
        ("IB", "0331", "LVB"),
        ("IB", "0321", None),
        ("IB", "0331", None),
    ]


def test_report_does_not_depend_on_provider_order() -> None:
    providers = [
        provider(1, "Anker Zorg", ALL_CELLS, networks={"0321"}),
        provider(2, "Beek Begeleiding", ALL_CELLS),
        provider(3, "Cirkel Wmo", {("0331", "PG")}, awarded=False, reasons=("te laag",)),
    ]
    assert coverage_report([IB], providers) == coverage_report([IB], providers[::-1])


@pytest.mark.parametrize(
    ("lots", "providers"),
    [
        ([IB, IB], []),
        ([IB], [provider(1, "A", set()), provider(1, "B", set())]),
        ([IB], [provider(1, "A", {("9999", "PG")})]),
    ],
    ids=["duplicate lot", "duplicate bid", "cell outside the grid"],
)
def test_inconsistent_inputs_are_refused(
    lots: list[LotGrid], providers: list[ProviderCoverage]
) -> None:
    with pytest.raises(ValueError):
        coverage_report(lots, providers)


def test_a_lot_cannot_be_awarded_and_failed() -> None:
    with pytest.raises(ValueError):
        ProviderCoverage(1, "A", frozenset(), frozenset(), frozenset({"IB"}), {"IB": ("x",)})


def test_json_has_exactly_the_published_shape() -> None:
    document = to_json_dict(constructed(), "LEK-WMO-IB-2022")
    assert document == {
        "tender": "LEK-WMO-IB-2022",
        "lots": [
            {
                "code": "IB",
                "minimum": 2,
                "cells": [
                    {
                        "municipality": "0321",
                        "target_group": "PG",
                        "providers": ["Anker Zorg", "Beek Begeleiding", "Cirkel Wmo"],
                        "count": 3,
                        "ok": True,
                        "critical": [],
                        "declared_but_failed": [],
                    },
                    {
                        "municipality": "0321",
                        "target_group": "LVB",
                        "providers": ["Anker Zorg", "Beek Begeleiding"],
                        "count": 2,
                        "ok": True,
                        "critical": ["Anker Zorg", "Beek Begeleiding"],
                        "declared_but_failed": [],
                    },
                    {
                        "municipality": "0331",
                        "target_group": "PG",
                        "providers": ["Anker Zorg", "Beek Begeleiding"],
                        "count": 2,
                        "ok": True,
                        "critical": ["Anker Zorg", "Beek Begeleiding"],
                        "declared_but_failed": [],
                    },
                    {
                        "municipality": "0331",
                        "target_group": "LVB",
                        "providers": ["Anker Zorg"],
                        "count": 1,
                        "ok": False,
                        "critical": [],
                        "declared_but_failed": [
                            {
                                "name": "Duin Thuiszorg",
                                "reasons": [
                                    "Eis E3 niet voldaan: geen VOG",
                                    "Score G1 onder het minimum",
                                ],
                            }
                        ],
                    },
                ],
                "networks": [
                    {"municipality": "0321", "providers": ["Anker Zorg", "Cirkel Wmo"], "ok": True},
                    {"municipality": "0331", "providers": [], "ok": False},
                ],
            }
        ],
    }
    # Plain JSON types only: the round trip changes nothing.
    assert json.loads(json.dumps(document)) == document


def test_text_report_marks_gaps_and_fragile_cells_in_the_grid() -> None:
    text = to_text(constructed(), "LEK-WMO-IB-2022")
    lines = text.splitlines()
    assert lines[0] == "Dekkend aanbod LEK-WMO-IB-2022"
    houten = next(line for line in lines if line.strip().startswith("Houten"))
    lopik = next(line for line in lines if line.strip().startswith("Lopik"))
    assert houten.split()[1:] == ["3/2", "2/2*"]
    assert lopik.split()[1:] == ["2/2*", "1/2!"]
    assert "TEKORT Perceel IB, Lopik, Licht verstandelijke beperking" in text
    assert "niet gegund: Duin Thuiszorg (Eis E3 niet voldaan: geen VOG; Score G1" in text
    assert "nog niet beslist: Eik Begeleiding" in text
    assert "Lopik (0331): TEKORT" in text
