"""`flask coverage REFERENCE`: the coverage check of a scored demo tender, as JSON and text.

Built with ``demo --bids 60 --phase scored`` for the Lekstroom file (threshold mode, one
lot) and for a file with three lots over different municipalities in ranked mode.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from factories import LEKSTROOM, ROOT, make_published_tender
from flask import Flask
from sqlalchemy.orm import Session

from tender import demo
from tender.award.outcome import tender_outcome
from tender.criteria import load_criteria
from tender.scoring import LotStatus

THREE_LOTS = ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"

LOT_KEYS = {"code", "minimum", "cells", "networks"}
CELL_KEYS = {
    "municipality",
    "target_group",
    "providers",
    "count",
    "ok",
    "critical",
    "declared_but_failed",
}
NETWORK_KEYS = {"municipality", "providers", "ok"}


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def _scored_demo(session: Session, app: Flask, now: datetime, criteria: Path) -> dict[str, Any]:
    """Build the scored demo; return each lot's awarded and not-awarded organisation names."""
    result = demo.build(
        session,
        criteria_path=criteria,
        bids=60,
        now=now,
        instance_path=app.instance_path,
        phase="scored",
    )
    session.commit()
    data = tender_outcome(session, result.tender)
    by_lot: dict[str, dict[str, set[str]]] = {}
    for bid in data.bids:
        for decision in data.outcome.for_bid(bid.bid_id).lots:
            names = by_lot.setdefault(decision.lot, {s: set() for s in LotStatus})
            names[decision.status].add(bid.organisation.name)
    return by_lot


@pytest.mark.parametrize("criteria", [LEKSTROOM, THREE_LOTS], ids=["lekstroom", "three-lots"])
def test_coverage_json_of_a_scored_demo_has_the_shape_and_is_consistent(
    app: Flask, session: Session, now: datetime, criteria: Path
) -> None:
    spec = load_criteria(criteria)
    outcome_names = _scored_demo(session, app, now, criteria)

    result = app.test_cli_runner().invoke(
        args=["coverage", spec.tender.reference, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)

    assert set(document) == {"tender", "lots"}
    assert document["tender"] == spec.tender.reference
    assert [lot["code"] for lot in document["lots"]] == [lot.code for lot in spec.lots]
    failed_somewhere = False
    for lot, lot_spec in zip(document["lots"], spec.lots, strict=True):
        assert set(lot) == LOT_KEYS
        assert lot["minimum"] == lot_spec.min_providers_per_cell
        awarded = outcome_names[lot["code"]][LotStatus.AWARDED]
        not_awarded = outcome_names[lot["code"]][LotStatus.NOT_AWARDED]
        # Every cell of the lot, once, row by row in the file's order of municipalities
        # and of target groups (the tender's order, whatever order the lot lists them in).
        municipalities = [m.code for m in spec.municipalities if m.code in lot_spec.municipalities]
        groups = [g.code for g in spec.target_groups if g.code in lot_spec.target_groups]
        assert [(c["municipality"], c["target_group"]) for c in lot["cells"]] == [
            (m, g) for m in municipalities for g in groups
        ]
        for cell in lot["cells"]:
            assert set(cell) == CELL_KEYS
            assert _names(cell["providers"]) and _names(cell["critical"])
            assert cell["providers"] == sorted(cell["providers"], key=str.casefold)
            assert isinstance(cell["count"], int) and isinstance(cell["ok"], bool)
            assert cell["count"] == len(cell["providers"])
            assert cell["ok"] == (cell["count"] >= lot["minimum"])
            expected_critical = cell["providers"] if cell["count"] == lot["minimum"] else []
            assert cell["critical"] == expected_critical
            assert set(cell["providers"]) <= awarded
            for failed in cell["declared_but_failed"]:
                assert set(failed) == {"name", "reasons"}
                assert isinstance(failed["name"], str) and failed["name"] in not_awarded
                assert _names(failed["reasons"]) and failed["reasons"]
                failed_somewhere = True
        assert [n["municipality"] for n in lot["networks"]] == municipalities
        for network in lot["networks"]:
            assert set(network) == NETWORK_KEYS
            assert _names(network["providers"]) and isinstance(network["ok"], bool)
            assert network["ok"] == bool(network["providers"])
            assert set(network["providers"]) <= awarded
    assert failed_somewhere, "the demo fails some bids: their declarations must show"
    if spec.tender.award_mode == "ranked":
        # Bids beyond a lot's number of awards fail on their rank.
        reasons = [
            reason
            for lot in document["lots"]
            for cell in lot["cells"]
            for failed in cell["declared_but_failed"]
            for reason in failed["reasons"]
        ]
        assert any(reason.startswith("Rangorde") for reason in reasons)

    text = app.test_cli_runner().invoke(args=["coverage", spec.tender.reference])
    assert text.exit_code == 0, text.output
    assert text.output.startswith(f"Dekkend aanbod {spec.tender.reference}")
    for lot_spec in spec.lots:
        assert f"Perceel {lot_spec.code}: {lot_spec.name}" in text.output


def test_unknown_reference_exits_1_in_dutch(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["coverage", "BESTAAT-NIET", "--format", "json"])
    assert result.exit_code == 1
    assert "Onbekende aanbesteding: BESTAAT-NIET." in result.output


def test_sealed_bids_give_no_coverage_before_the_opening(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = make_published_tender(session, now=now)
    session.commit()
    result = app.test_cli_runner().invoke(args=["coverage", tender.reference])
    assert result.exit_code == 1
    assert "pas te zien na de opening" in result.output
