"""Dutch numbers, sizes and singular/plural through one helper (tender/timefmt.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from tender.timefmt import count_of, format_eur, format_number, format_size

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PACKAGE = TEMPLATES.parent / "tender"


@pytest.mark.parametrize(
    "value,shown",
    [
        (40, "40"),
        (Decimal("40.00"), "40"),
        (12.5, "12,5"),
        (Decimal("0.125"), "0,125"),
        (1234, "1.234"),
        (1234567.5, "1.234.567,5"),
        (None, ""),
    ],
)
def test_numbers_use_dutch_separators_without_trailing_zeros(value, shown) -> None:  # type: ignore[no-untyped-def]
    assert format_number(value) == shown


def test_euro_amounts_have_two_decimals_and_dutch_separators() -> None:
    assert format_eur(Decimal("1234567.891")) == "€ 1.234.567,89"
    assert format_eur(0) == "€ 0,00"


@pytest.mark.parametrize(
    "count,shown",
    [(0, "0 woorden"), (1, "1 woord"), (2, "2 woorden"), (1200, "1.200 woorden")],
)
def test_one_is_singular_every_other_count_plural(count: int, shown: str) -> None:
    assert count_of(count, "woord", "woorden") == shown


@pytest.mark.parametrize(
    "size,shown",
    [
        (10 * 1024 * 1024, "10 MB"),
        (int(2.5 * 1024 * 1024), "2,5 MB"),
        (10 * 1024 * 1024 - 1, "10 MB"),
        (340 * 1024, "340 KB"),
        (1, "1 KB"),
    ],
)
def test_sizes_read_as_people_write_them(size: int, shown: str) -> None:
    assert format_size(size) == shown


def test_templates_have_the_filters(app: Flask) -> None:
    with app.test_request_context():
        text = render_template_string(
            "{{ 1|aantal('perceel', 'percelen') }}; {{ 3|aantal('perceel', 'percelen') }}; "
            "{{ 10485760|grootte }}; {{ 2500|getal }}"
        )
    assert text == "1 perceel; 3 percelen; 10 MB; 2.500"


def test_no_template_or_module_writes_a_plural_in_brackets() -> None:
    """'aanbieder(s)', 'perce(e)l(en)', 'verlenging(en)': the count decides the form.

    Templates are all Dutch; in the Python modules only Dutch text has '(en)' (English
    code comments may say 'lot(s)')."""
    pages = [(path, ("(s)", "(en)")) for path in TEMPLATES.rglob("*.html")]
    dutch = ("(en)", "perce(e)l", "aanbieder(s)", "organisatie(s)")
    modules = [(path, dutch) for path in PACKAGE.rglob("*.py")]
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}: {marker}"
        for path, markers in [*pages, *modules]
        for marker in markers
        if marker in path.read_text(encoding="utf-8") and "migrations" not in path.parts
    ]
    assert offenders == []
