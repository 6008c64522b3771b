"""Coverage, end to end on a scored demo: the inkoper reads the matrix, opens a cell's
details, records a decision on a gap (a too short one first: the text stays); the
adviesraad reads the same matrix as counts, without names, reasons or forms, and no award
report before the decision. Every page is scanned by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tender.bids.models import Bid
from tests.browser.demo_scenes import DemoData, built_demo

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn


def _scored_demo(live_app: Flask) -> tuple[int, DemoData, list[str]]:
    """(tender id, the demo's logins, what identifies each bidder)."""
    with built_demo(live_app, bids=6, phase="scored") as (session, result, logins):
        bids = session.scalars(select(Bid).where(Bid.tender_id == result.tender.id)).all()
        identities = [
            text
            for bid in bids
            for text in (bid.organisation.name, bid.organisation.kvk_number, bid.blind_code)
        ]
        return result.tender.id, logins, identities


def test_officer_decides_a_gap_and_the_council_reads_along(
    live_app: Flask,
    page: Page,
    log_in: LogIn,
    visit: Callable[[str], None],
    check_a11y: Callable[[], None],
) -> None:
    tender_id, logins, identities = _scored_demo(live_app)
    log_in(*logins.login("inkoper"))
    visit(f"/aanbestedingen/{tender_id}")
    page.get_by_role("link", name=re.compile("^Dekking")).click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dekkend aanbod")
    matrix = page.get_by_role("table", name=re.compile("^Dekking perceel IB"))
    expect(matrix.get_by_role("rowheader")).to_have_count(5)
    short = matrix.locator("summary", has_text="tekort").first
    short.click()
    expect(matrix.locator("details[open]")).to_have_count(1)
    check_a11y()

    form = page.locator("form[action$='/dekking/besluit']").first
    form.get_by_role("textbox").fill("te kort")
    form.get_by_role("button", name=re.compile("^Besluit vastleggen")).click()
    check_a11y()
    expect(page.get_by_role("alert")).to_contain_text("Het besluit is niet vastgelegd.")
    kept = page.locator("textarea[aria-invalid='true']")
    expect(kept).to_have_value("te kort")
    kept.fill("Aanvullende contractering door de RBL.")
    kept.locator("xpath=ancestor::form").get_by_role("button").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("is vastgelegd")
    decided = page.locator("div.panel", has_text="Besluit: Aanvullende contractering door de RBL.")
    expect(decided).to_have_count(1)
    expect(decided.get_by_role("textbox")).to_have_value("Aanvullende contractering door de RBL.")

    page.context.clear_cookies()
    log_in(*logins.login("adviesraad"))
    visit(f"/aanbestedingen/{tender_id}/dekking")
    matrix = page.get_by_role("table", name=re.compile("^Dekking perceel IB"))
    expect(matrix).to_be_visible()
    expect(page.get_by_text("Aanvullende contractering door de RBL.").first).to_be_visible()
    expect(page.locator("textarea")).to_have_count(0)
    # Counts per cell and per network, nothing to open, nothing that tells who bid.
    expect(matrix.locator("details")).to_have_count(0)
    expect(matrix.get_by_text(re.compile(r"^\d+ aangemeld"))).to_have_count(25)
    networks = page.get_by_role("table", name=re.compile("^Lokale netwerken perceel IB"))
    expect(networks.get_by_role("cell", name=re.compile(r"^\d+$"))).to_have_count(5)
    main = page.locator("main").inner_text()
    assert [identity for identity in identities if identity in main] == []
    expect(page.get_by_role("link", name="Gunningsadvies (PDF)")).to_have_count(0)
