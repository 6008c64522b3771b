"""The adviesraad downloads the open data (OCDS release package) from the tender page;
a provider's tender page has no such link. Scanned by axe."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

LINK = "OCDS-releasepakket (JSON)"


def test_council_downloads_the_open_data_and_a_provider_sees_no_link(
    page: Page,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    log_in(*demo.login("adviesraad"))
    page.get_by_role("link", name=demo.reference).click()  # the list of tenders
    check_a11y()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=LINK).click()
    download = download_info.value
    assert download.suggested_filename == f"{demo.reference}-ocds.json"
    package = json.loads(Path(download.path()).read_bytes())
    assert package["version"] == "1.1"
    assert [r["id"] for r in package["releases"]] == [
        f"ocds-voorbeeld-{demo.reference}-planning",
        f"ocds-voorbeeld-{demo.reference}-tender",
    ]

    log_out()
    log_in(*demo.login("aanbieder"))
    page.get_by_role("link", name="Inkoop Wmo individuele begeleiding 2022").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inkoop Wmo")
    expect(page.get_by_role("link", name=LINK)).to_have_count(0)
