"""A sent award decision is withdrawn after a kort geding and chosen criteria go back to
the committee: the inkoper withdraws with a reason, then picks bids and criteria on the
herbeoordeling page (a refused form keeps its input). Every page is scanned by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.demo_scenes import built_demo

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn

REASON = "Voorzieningenrechter: criterium G1 opnieuw beoordelen."


def test_inkoper_withdraws_the_decision_and_reopens_a_criterion(
    page: Page, live_app: Flask, log_in: LogIn, check_a11y: Callable[[], None]
) -> None:
    with built_demo(live_app, bids=3, phase="sent") as (_, result, logins):
        tender_id = result.tender.id
    log_in(*logins.account("inkoper"))
    page.goto(f"/aanbestedingen/{tender_id}/gunning")
    check_a11y()
    expect(page.get_by_text("Brieven verzonden", exact=True)).to_be_visible()
    page.get_by_label(re.compile("^Reden van intrekking")).fill(REASON)
    page.get_by_role("button", name="Gunningsbeslissing intrekken").click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("is ingetrokken")
    expect(page.locator(".lead .state")).to_have_text("geopend")
    page.get_by_role("link", name="Herbeoordeling na intrekking").click()
    check_a11y()
    page.get_by_label(re.compile("^G1 ")).check()
    page.get_by_label("Waarom opnieuw beoordelen?").fill(REASON)
    page.get_by_role("button", name="Consensus heropenen").click()
    check_a11y()  # no bid chosen: refused, what was typed is kept
    expect(page.get_by_text("Kies minstens één inschrijving.")).to_be_visible()
    expect(page.get_by_label("Waarom opnieuw beoordelen?")).to_have_value(REASON)
    page.locator('input[name="bids"]').first.check()
    page.get_by_role("button", name="Consensus heropenen").click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("zijn heropend")
