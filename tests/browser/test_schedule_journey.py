"""Moving the dates (issue 14 item 3): the inkoper shortens the submission deadline of a
tender without bids, confirming the consequence, and a provider sees the notice in the
portal, the history on the tender page and the nota. Every page is scanned by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

REASON = "De regio wil de raamovereenkomsten eerder laten ingaan."


def test_inkoper_shortens_the_deadline_with_confirmation_and_a_provider_is_told(
    page: Page,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    log_in(*demo.login("inkoper"))
    page.get_by_role("link", name=demo.reference).click()
    check_a11y()
    page.get_by_role("link", name="Planning wijzigen").click()
    check_a11y()
    deadline = page.get_by_role("group", name=re.compile("^Uiterste inschrijfdatum"))
    current = date.fromisoformat(deadline.get_by_label("Datum").input_value())
    earlier = current - timedelta(days=1)
    deadline.get_by_label("Datum").fill(str(earlier))

    # Without a reason the form is refused, and the typed date is kept.
    page.get_by_role("button", name="Planning wijzigen en publiceren").click()
    check_a11y()
    expect(page.get_by_role("alert").first).to_contain_text("Het formulier is nog niet in orde.")
    expect(page.get_by_label("Reden van de wijziging")).to_have_attribute("aria-invalid", "true")
    expect(deadline.get_by_label("Datum")).to_have_value(str(earlier))

    # Shortening asks for a confirmation that names the consequence.
    page.get_by_label("Reden van de wijziging").fill(REASON)
    page.get_by_role("button", name="Planning wijzigen en publiceren").click()
    check_a11y()
    confirmation = page.locator("#bevestiging")
    expect(confirmation).to_contain_text("Bevestig het vervroegen")
    expect(confirmation).to_contain_text("1 dag minder tijd")
    page.get_by_label("Ja, ik vervroeg de uiterste inschrijfdatum").check()
    page.get_by_role("button", name="Planning wijzigen en publiceren").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("gepubliceerd als nota van inlichtingen 1")
    history = page.locator(".schedule-changes")
    expect(history).to_contain_text(REASON)
    expect(history).to_contain_text(f"→ {earlier:%d-%m-%Y}")
    log_out()

    # A provider sees the notice on its start page and reads the nota.
    provider_email = demo.emails_by_role["aanbieder"][0]
    log_in(provider_email, demo.passwords[provider_email])
    notice = page.get_by_text(re.compile("Planning gewijzigd op"))
    expect(notice).to_be_visible()
    expect(page.get_by_text(re.compile(REASON))).to_be_visible()
    page.get_by_role("link", name="nota van inlichtingen 1").click()
    check_a11y()
    expect(page.get_by_role("heading", name="Nota van inlichtingen 1")).to_be_visible()
    expect(page.get_by_text(re.compile("gewijzigd van .* naar"))).to_be_visible()
    page.get_by_role("link", name="planning van de aanbesteding").click()
    check_a11y()
    expect(page.locator(".schedule-changes")).to_contain_text(REASON)
