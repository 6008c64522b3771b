"""The criteria files that issue 12's document tests run on.

Both example regions shipped in ``criteria/`` and the test region with three lots,
a 1-5 scale and ranked award. A file that is not (yet) there is left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_FILES = (
    ("lekstroom", ROOT / "criteria" / "lekstroom-2022.toml"),
    ("h4", ROOT / "criteria" / "h4-begeleiding-2019.toml"),
    ("three-lots-ranked", ROOT / "tests" / "criteria" / "files" / "three-lots-ranked.toml"),
)

REGIONS = [pytest.param(path, id=name) for name, path in _FILES if path.exists()]
