"""Every role logs in through the real form and lands where its work is."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

LEKSTROOM = "LEK-WMO-IB-2022"


def _inkoper(page: Page, demo: DemoData) -> None:
    expect(page).to_have_url(re.compile(r"/aanbestedingen/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanbestedingen")
    expect(page.get_by_role("link", name=LEKSTROOM)).to_be_visible()
    expect(page.get_by_role("link", name="Nieuwe aanbesteding")).to_be_visible()


def _adviesraad(page: Page, demo: DemoData) -> None:
    expect(page).to_have_url(re.compile(r"/aanbestedingen/$"))
    expect(page.get_by_role("link", name=LEKSTROOM)).to_be_visible()
    # Reads everything of the set-up, changes nothing: no way to start a tender.
    expect(page.get_by_role("link", name="Nieuwe aanbesteding")).to_have_count(0)


def _aanbieder(page: Page, demo: DemoData) -> None:
    expect(page).to_have_url(re.compile(r"/aanbieder$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zorg aan de Lek (demo)")
    expect(page.get_by_text("99000001")).to_be_visible()
    expect(page.get_by_role("link", name="Inkoop Wmo individuele begeleiding 2022")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(LEKSTROOM)


def _beoordelaar(page: Page, demo: DemoData) -> None:
    expect(page).to_have_url(re.compile(r"/beoordelaar$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Beoordelen")
    expect(page.get_by_text("nog niet toegevoegd aan een beoordelingscommissie")).to_be_visible()


def _beheerder(page: Page, demo: DemoData) -> None:
    expect(page).to_have_url(re.compile(r"/beheer/gebruikers$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gebruikers")
    # Staff accounts only: who registered as a provider could hint at who bids.
    users = page.get_by_role("table", name="Alle accounts van medewerkers")
    staff = sum(len(e) for role, e in demo.emails_by_role.items() if role != "aanbieder")
    expect(users.get_by_role("row")).to_have_count(1 + staff)
    expect(users.get_by_role("cell", name="inkoper@demo.example", exact=True)).to_be_visible()


LANDINGS: dict[str, Callable[[Page, DemoData], None]] = {
    "inkoper": _inkoper,
    "beoordelaar": _beoordelaar,
    "aanbieder": _aanbieder,
    "adviesraad": _adviesraad,
    "beheerder": _beheerder,
}


@pytest.mark.parametrize("role", LANDINGS)
def test_each_role_logs_in_and_lands_on_its_own_start_page(
    role: str,
    page: Page,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
) -> None:
    email, password = demo.login(role)
    log_in(email, password)
    expect(page.locator(".role-badge")).to_have_text(role.title())
    LANDINGS[role](page, demo)
    log_out()
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_wrong_password_shows_dutch_error_and_keeps_the_email(
    page: Page, demo: DemoData, visit: Callable[[str], None], check_a11y: Callable[[], None]
) -> None:
    email, _ = demo.login("inkoper")
    visit("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label(re.compile(r"^Wachtwoord")).fill("niet-het-goede-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    check_a11y()
    expect(page.get_by_text("E-mailadres of wachtwoord is onjuist")).to_be_visible()
    expect(page.get_by_label("E-mailadres")).to_have_value(email)
    password = page.get_by_label(re.compile(r"^Wachtwoord"))
    expect(password).to_have_value("")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)


def test_the_live_server_refuses_a_login_without_csrf_token(
    page: Page, demo: DemoData, live_server: str
) -> None:
    email, password = demo.login("inkoper")
    response = page.request.post(
        f"{live_server}/inloggen", form={"email": email, "password": password}
    )
    assert response.status == 400
