"""A new inkoper, in the browser: the beheerder creates the account and never sees a
password; the user activates it with the mailed link and chooses its own; the role
waits until an existing inkoper confirms it. Every page is scanned by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, expect
from test_account_activation import activation_links

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

EMAIL = "iris@houten.example.nl"
PASSWORD = "kiest-zelf-een-lang-wachtwoord"


def test_new_inkoper_activates_its_account_and_waits_for_confirmation(
    page: Page,
    live_app: Flask,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
    visit: Callable[[str], None],
    check_a11y: Callable[[], None],
) -> None:
    log_in(*demo.login("beheerder"))
    page.get_by_role("link", name="Nieuwe gebruiker").click()
    check_a11y()
    page.get_by_label("Naam").fill("Iris Inkoper")
    page.get_by_label("E-mailadres").fill(EMAIL)
    page.get_by_label("Rol").select_option(label="Inkoper")
    page.get_by_role("button", name="Account aanmaken").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Account aangemaakt")
    expect(page.get_by_role("main")).to_contain_text("inkoper: wacht op bevestiging")
    expect(page.locator("code")).to_have_count(0)

    page.get_by_role("link", name="Terug naar gebruikers").click()
    check_a11y()
    page.get_by_role("link", name="Iris Inkoper").click()
    check_a11y()
    expect(page.get_by_role("main")).to_contain_text("activeringslink verstuurd")
    log_out()

    [path] = activation_links(live_app, EMAIL)
    visit(path)
    page.get_by_label(re.compile("^Nieuw wachtwoord")).fill(PASSWORD)
    page.get_by_label(re.compile("^Herhaal nieuw wachtwoord")).fill("iets-heel-anders-dan-dat")
    page.get_by_role("button", name="Wachtwoord instellen").click()
    check_a11y()
    expect(page.get_by_text("De wachtwoorden zijn niet gelijk.")).to_be_visible()
    page.get_by_label(re.compile("^Nieuw wachtwoord")).fill(PASSWORD)
    page.get_by_label(re.compile("^Herhaal nieuw wachtwoord")).fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord instellen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Uw wachtwoord is ingesteld.")

    visit(path)
    expect(page.get_by_role("alert")).to_contain_text("al gebruikt")

    log_in(EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
    expect(page.get_by_role("main")).to_contain_text("wacht op bevestiging door een inkoper")
    visit(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Eerst uitloggen")
    visit("/account")
    log_out()

    log_in(*demo.login("inkoper"))
    page.get_by_role("link", name="Accounts en rollen").click()
    check_a11y()
    page.get_by_role("button", name="Bevestigen inkoper voor Iris Inkoper").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Iris Inkoper is nu inkoper.")
    expect(page.get_by_role("main")).to_contain_text("Rol bevestigd door een inkoper")
    log_out()

    log_in(EMAIL, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanbestedingen")
