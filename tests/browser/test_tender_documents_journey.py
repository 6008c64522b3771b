"""A provider opens the published tender from its portal and downloads the leidraad and the
concept contract; the digests on the page are those of the files. Scanned by axe."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from pypdf import PdfReader

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn


def _download(page: Page, name: str) -> tuple[str, bytes]:
    with page.expect_download() as download_info:
        page.get_by_role("link", name=name).click()
    download = download_info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_provider_downloads_the_tender_documents(
    page: Page, demo: DemoData, log_in: LogIn, check_a11y: Callable[[], None]
) -> None:
    log_in(*demo.login("aanbieder"))
    page.get_by_role("link", name="Inkoop Wmo individuele begeleiding 2022").click()
    check_a11y()
    section = page.get_by_role("region", name="Aanbestedingsdocumenten")
    expect(section).to_be_visible()

    filename, leidraad = _download(page, "Aanbestedingsleidraad (PDF)")
    assert filename == f"aanbestedingsleidraad-{demo.reference}.pdf"
    expect(section).to_contain_text(hashlib.sha256(leidraad).hexdigest())
    text = re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(leidraad)).pages)
    )
    assert "Aanbestedingsleidraad" in text and "schaal van 0 tot en met 10" in text

    filename, contract = _download(page, "Concept-raamovereenkomst (PDF)")
    assert filename == f"concept-raamovereenkomst-{demo.reference}.pdf"
    expect(section).to_contain_text(hashlib.sha256(contract).hexdigest())
    check_a11y()
