"""The CONCEPT watermark and the PDF dates, on letters, the report and contracts.

Drafts (anything produced before the letters are sent, DOMAIN.md 5.9) carry a
diagonal CONCEPT on every page, portrait and landscape; every PDF is dated the
moment it was generated, and the same input at the same moment gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pymupdf
import pytest
from pypdf import PdfReader
from test_documents_award import EILAND, contract_data, letter_data, report_data

from tender.documents.award_letter import build_award_letter
from tender.documents.award_report import build_award_report
from tender.documents.framework_contract import build_framework_contract
from tender.documents.pdf import CONCEPT_MARK, concept, generated_at, is_concept

MOMENT = datetime(2026, 12, 2, 15, 4, 59, tzinfo=ZoneInfo("Europe/Amsterdam"))

BUILDERS: dict[str, Callable[[], bytes]] = {
    "letter": lambda: build_award_letter(letter_data("ranked", EILAND)),
    "report": lambda: build_award_report(report_data()),
    "contract": lambda: build_framework_contract(contract_data()),
}


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(BytesIO(content)).pages]


@pytest.fixture(scope="module")
def drafts() -> dict[str, bytes]:
    with generated_at(MOMENT), concept():
        return {kind: build() for kind, build in BUILDERS.items()}


@pytest.fixture(scope="module")
def finals() -> dict[str, bytes]:
    with generated_at(MOMENT):
        return {kind: build() for kind, build in BUILDERS.items()}


@pytest.mark.parametrize("kind", BUILDERS)
def test_a_draft_says_concept_on_every_page(kind: str, drafts: dict[str, bytes]) -> None:
    pages = _pages(drafts[kind])
    assert len(pages) > 1
    for page in pages:
        assert CONCEPT_MARK in page


@pytest.mark.parametrize("kind", BUILDERS)
def test_a_final_document_says_concept_nowhere(kind: str, finals: dict[str, bytes]) -> None:
    assert not any(CONCEPT_MARK in page for page in _pages(finals[kind]))


def _watermarks(content: bytes) -> list[tuple[pymupdf.Page, dict, tuple[float, float]]]:
    """Per page: the page, the CONCEPT span and its writing direction."""
    found = []
    for page in pymupdf.open(stream=content, filetype="pdf"):
        spans = [
            (span, line["dir"])
            for block in page.get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
            if span["text"] == CONCEPT_MARK
        ]
        assert len(spans) == 1, f"page {page.number + 1}"
        found.append((page, *spans[0]))
    return found


def test_the_watermark_is_large_diagonal_light_and_see_through_on_both_orientations(
    drafts: dict[str, bytes],
) -> None:
    orientations = set()
    for page, span, (dx, dy) in _watermarks(drafts["report"]):
        rect = page.rect
        orientations.add(rect.width > rect.height)
        # Rising from bottom left to top right (y grows downwards in PyMuPDF).
        assert dx > 0.5 and dy < -0.5
        assert span["size"] >= 80
        # Across the page's middle, spanning most of it.
        x0, y0, x1, y1 = span["bbox"]
        assert x0 < rect.width / 2 < x1 and y0 < rect.height / 2 < y1
        assert x1 - x0 > rect.width * 0.6 and y1 - y0 > rect.height * 0.6
        red, green, blue = (span["color"] >> shift & 0xFF for shift in (16, 8, 0))
        assert red == green == blue and red >= 128
        assert span["alpha"] < 128
    # The report turns to landscape for its wide tables: both kinds of page are marked.
    assert orientations == {True, False}


def test_the_watermark_lies_over_the_content(drafts: dict[str, bytes]) -> None:
    # Drawn last, so a shaded table or notice cannot hide it.
    for page in pymupdf.open(stream=drafts["letter"], filetype="pdf"):
        texts = [span["text"] for span in _spans(page)]
        assert texts.index(CONCEPT_MARK) >= len(texts) - 2


def _spans(page: pymupdf.Page) -> list[dict]:
    return [
        span
        for block in page.get_text("dict")["blocks"]
        for line in block.get("lines", [])
        for span in line["spans"]
    ]


def test_concept_scope_ends_with_the_block_even_on_an_error() -> None:
    assert not is_concept()
    with pytest.raises(RuntimeError), concept():
        assert is_concept()
        raise RuntimeError
    assert not is_concept()


def test_the_mark_is_part_of_the_bytes(drafts: dict[str, bytes], finals: dict[str, bytes]) -> None:
    for kind in BUILDERS:
        assert drafts[kind] != finals[kind]


# --- PDF dates -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_pdf_dates_are_the_moment_of_generation(kind: str, finals: dict[str, bytes]) -> None:
    metadata = PdfReader(BytesIO(finals[kind])).metadata
    assert metadata is not None
    assert metadata.creation_date == MOMENT
    assert metadata.modification_date == MOMENT


def test_pdf_dates_are_whole_seconds_in_utc() -> None:
    with generated_at(datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)):
        content = BUILDERS["letter"]()
    metadata = PdfReader(BytesIO(content)).metadata
    assert metadata is not None
    assert metadata.creation_date == datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)
    assert b"/CreationDate (D:20260329005959+00'00')" in content


def test_without_a_moment_the_pdf_is_dated_now() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    content = BUILDERS["letter"]()
    after = datetime.now(UTC)
    metadata = PdfReader(BytesIO(content)).metadata
    assert metadata is not None and metadata.creation_date is not None
    assert before <= metadata.creation_date <= after
    assert metadata.creation_date.year != 2000


def test_generated_at_refuses_a_naive_moment() -> None:
    with pytest.raises(ValueError, match="aware"), generated_at(datetime(2026, 12, 2, 15, 0)):
        pass


def test_same_input_at_the_same_moment_gives_the_same_bytes(finals: dict[str, bytes]) -> None:
    for kind, build in BUILDERS.items():
        with generated_at(MOMENT):
            assert build() == finals[kind]
        with generated_at(MOMENT + timedelta(seconds=1)):
            assert build() != finals[kind]


def test_the_document_id_depends_on_input_and_moment_only(finals: dict[str, bytes]) -> None:
    def document_id(content: bytes) -> object:
        return PdfReader(BytesIO(content)).trailer["/ID"]

    with generated_at(MOMENT):
        again = BUILDERS["letter"]()
    with generated_at(MOMENT + timedelta(days=1)):
        later = BUILDERS["letter"]()
    assert document_id(again) == document_id(finals["letter"])
    assert document_id(later) != document_id(finals["letter"])
