"""The benchmark (bench/) keeps working: its pages part runs against a small tender.

No timing is asserted (issue 16: performance is measured in bench/, never in tests);
this only proves that every benchmarked page answers for its role through gunicorn,
and that the bench-only endpoints never exist in the app itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import make_url

from bench import common, pages
from tender import create_app

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def test_the_app_itself_has_no_bench_endpoints(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}, str(tmp_path))
    assert not [rule.rule for rule in app.url_map.iter_rules() if "_bench" in rule.rule]


@pytest.mark.parametrize("database", ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else []))
def test_pages_part_measures_every_page(database: str, tmp_path: Path, worker_id: str) -> None:
    url = None
    if database == "postgresql":
        assert TEST_DATABASE_URL
        base = make_url(TEST_DATABASE_URL)
        url = base.set(database=f"{base.database}_bench_{worker_id}").render_as_string(False)
    instance = common.demo_instance(tmp_path, bids=3, phase="scored", database_url=url)

    section = pages.run(instance, bids=3, samples=1, bare_samples=3)

    rows = [line for line in section.splitlines() if line.startswith("| ") and "`/" in line]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == [
        p.label for p in pages.PAGES
    ]
    for row in rows:
        statements = int(row.split(" | ")[2])
        assert statements > 0, row
    assert re.search(r"median [\d.]+ ms", section)
