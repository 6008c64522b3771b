"""The account page every user has: changing one's own password, in the browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn


def test_user_changes_own_password_after_a_wrong_attempt(
    page: Page,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    email, password = demo.login("adviesraad")
    log_in(email, password)
    page.get_by_role("link", name="Wachtwoord").click()
    check_a11y()
    page.get_by_label(re.compile("^Huidig wachtwoord")).fill("niet-het-goede-wachtwoord")
    page.get_by_label(re.compile("^Nieuw wachtwoord")).fill("een-nieuw-lang-wachtwoord")
    page.get_by_label(re.compile("^Herhaal nieuw wachtwoord")).fill("een-nieuw-lang-wachtwoord")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    check_a11y()
    expect(page.get_by_text("Het huidige wachtwoord is onjuist.")).to_be_visible()
    page.get_by_label(re.compile("^Huidig wachtwoord")).fill(password)
    page.get_by_label(re.compile("^Nieuw wachtwoord")).fill("een-nieuw-lang-wachtwoord")
    page.get_by_label(re.compile("^Herhaal nieuw wachtwoord")).fill("een-nieuw-lang-wachtwoord")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Uw wachtwoord is gewijzigd.")
    log_out()
    log_in(email, "een-nieuw-lang-wachtwoord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanbestedingen")
