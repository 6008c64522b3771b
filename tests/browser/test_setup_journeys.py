"""Setting up: a tender from criteria file to publication, a provider's registration. Each
form is first filled in wrongly: nothing typed may be lost. (New staff accounts:
test_account_activation_journey.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import Flask
from playwright.sync_api import Page, expect
from test_account_activation import confirmation_links

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

THREE_LOTS = (
    Path(__file__).resolve().parent.parent / "criteria" / "files" / "three-lots-ranked.toml"
)


def _fill_moment(page: Page, legend: str, day: str, moment: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label(re.compile(r"^Uiterste|^Geplande")).fill(day)
    group.get_by_label("Tijd").fill(moment)


def test_inkoper_sets_up_and_publishes_a_tender_from_an_uploaded_file(
    page: Page, demo: DemoData, log_in: LogIn, check_a11y: Callable[[], None], tmp_path: Path
) -> None:
    # The example file starts the contracts in 2023; publication needs a start after the
    # standstill of the earliest decision, so the upload starts them two years ahead.
    year = datetime.now(ZoneInfo("Europe/Amsterdam")).year + 2
    upload = tmp_path / THREE_LOTS.name
    text = THREE_LOTS.read_text(encoding="utf-8")
    assert 'start_date = "2023-01-01"' in text
    upload.write_text(
        text.replace('start_date = "2023-01-01"', f'start_date = "{year}-01-01"'), encoding="utf-8"
    )
    email, password = demo.login("inkoper")
    log_in(email, password)
    page.get_by_role("link", name="Nieuwe aanbesteding").click()
    check_a11y()
    page.get_by_label("Of upload een criteriabestand (.toml)").set_input_files(upload)
    page.get_by_role("button", name="Aanbesteding aanmaken").click()
    check_a11y()

    expect(page.get_by_role("status")).to_have_text(
        "Aanbesteding RV-WMO-2023 is aangemaakt als concept."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkoop Wmo begeleiding 2023")
    expect(page.locator(".lead .state")).to_have_text("concept")
    criteria = page.get_by_role("table", name="Gunningscriteria met weging, minimum en woordlimiet")
    expect(criteria.get_by_role("cell", name="Werkwijze")).to_be_visible()
    for lot in ("HERSTEL", "STABIEL", "OUDEREN"):
        expect(page.get_by_role("heading", name=re.compile(f"^Perceel {lot}:"))).to_be_visible()
    expect(page.get_by_text("Vul het TenderNed-kenmerk in.")).to_be_visible()

    page.get_by_role("link", name="Planning en TenderNed-kenmerk").click()
    check_a11y()
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    early, late = str(today + timedelta(days=10)), str(today + timedelta(days=24))
    page.get_by_label("TenderNed-kenmerk").fill("2023-417263")
    # Wrong: questions may be asked until after the submission deadline.
    _fill_moment(page, "Uiterste datum voor vragen", late, "12:00")
    _fill_moment(page, "Uiterste inschrijfdatum", early, "12:00")
    _fill_moment(page, "Geplande opening", early, "14:00")
    page.get_by_role("button", name="Planning opslaan").click()
    check_a11y()

    expect(page.get_by_role("alert")).to_contain_text("Het formulier is nog niet in orde.")
    question_day = page.get_by_role("group", name="Uiterste datum voor vragen").get_by_label(
        re.compile("^Uiterste")
    )
    expect(question_day).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Moet vóór de uiterste inschrijfdatum liggen.")).to_be_visible()
    expect(page.get_by_label("TenderNed-kenmerk")).to_have_value("2023-417263")
    expect(question_day).to_have_value(late)
    submission = page.get_by_role("group", name="Uiterste inschrijfdatum")
    expect(submission.get_by_label(re.compile("^Uiterste"))).to_have_value(early)
    expect(submission.get_by_label("Tijd")).to_have_value("12:00")
    expect(page.get_by_role("group", name="Geplande opening").get_by_label("Tijd")).to_have_value(
        "14:00"
    )

    _fill_moment(page, "Uiterste datum voor vragen", early, "12:00")
    _fill_moment(page, "Uiterste inschrijfdatum", late, "12:00")
    _fill_moment(page, "Geplande opening", late, "14:00")
    page.get_by_role("button", name="Planning opslaan").click()
    check_a11y()
    expect(page.get_by_role("status")).to_have_text("De planning is opgeslagen.")
    expect(page.get_by_text("Nog niet klaar voor publicatie")).to_have_count(0)

    page.get_by_label("Ik begrijp dat alle aanbieders de aanbesteding dan zien").check()
    page.get_by_role("button", name="Publiceren").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("RV-WMO-2023 is gepubliceerd")
    expect(page.locator(".lead .state")).to_have_text("gepubliceerd")
    expect(page.get_by_role("button", name="Publiceren")).to_have_count(0)

    page.get_by_role("link", name="Logboek").click()
    check_a11y()
    events = page.get_by_role("table", name="Gebeurtenissen, nieuwste eerst")
    # Newest first: the tender documents made at publication, publication, schedule,
    # creation, all by the inkoper.
    rows = events.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("tender.documents")
    expect(rows.nth(1)).to_contain_text("tender.state")
    expect(rows.nth(1)).to_contain_text("gepubliceerd")
    expect(rows.nth(2)).to_contain_text("tender.schedule")
    expect(rows.nth(3)).to_contain_text("tender.create")
    for row in range(4):
        expect(rows.nth(row)).to_contain_text(email)

    # The signatory of the award decisions: not in this file, set on the tender page.
    page.get_by_role("link", name="RV-WMO-2023").click()
    check_a11y()
    page.get_by_role("link", name="invullen").click()
    check_a11y()
    page.get_by_label("Naam").fill("mr. J. de Vries")
    page.get_by_role("button", name="Opslaan").click()
    check_a11y()
    expect(page.get_by_role("alert")).to_contain_text("Het formulier is nog niet in orde.")
    expect(page.get_by_label("Naam")).to_have_value("mr. J. de Vries")
    expect(page.get_by_label("Functie")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Functie").fill("wethouder Zorg")
    page.get_by_role("button", name="Opslaan").click()
    check_a11y()
    expect(page.get_by_role("status")).to_have_text(
        "De ondertekenaar van de gunningsbeslissingen is opgeslagen."
    )
    expect(page.get_by_text("mr. J. de Vries, wethouder Zorg")).to_be_visible()


REGISTRATION = {
    "Naam organisatie": "Wijkzorg Lopik B.V.",
    "Straat en huisnummer": "Raadhuisstraat 7",
    "Postcode": "3411 AK",
    "Plaats": "Lopik",
    "Telefoonnummer": "0348-123456",
    "Website": "https://wijkzorg-lopik.example.org",
    "Naam contactpersoon": "Petra de Vries",
    "E-mailadres contactpersoon": "petra@wijkzorg-lopik.example.org",
}
PASSWORD = "lang-en-sterk-wachtwoord"


def test_provider_registers_its_organisation_after_correcting_the_kvk_number(
    page: Page,
    live_app: Flask,
    visit: Callable[[str], None],
    log_in: LogIn,
    check_a11y: Callable[[], None],
) -> None:
    visit("/registreren")
    for label, value in REGISTRATION.items():
        page.get_by_label(label).fill(value)
    kvk = page.get_by_label("KvK-nummer")
    kvk.fill("1234567")
    page.get_by_label(re.compile("^Wachtwoord")).fill(PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Registreren").click()
    check_a11y()

    expect(page.get_by_role("alert")).to_contain_text("Het formulier is nog niet in orde.")
    expect(page.get_by_text("Een KvK-nummer bestaat uit precies 8 cijfers.")).to_be_visible()
    expect(kvk).to_have_attribute("aria-invalid", "true")
    expect(kvk).to_have_value("1234567")
    for label, value in REGISTRATION.items():
        expect(page.get_by_label(label)).to_have_value(value)

    kvk.fill("12345678")
    # Passwords are never sent back to the browser, so they are typed again.
    page.get_by_label(re.compile("^Wachtwoord")).fill(PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Registreren").click()
    check_a11y()

    # The same answer for a new and a known address; the link in the e-mail confirms it.
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer uw e-mail")
    email = REGISTRATION["E-mailadres contactpersoon"]
    [path] = confirmation_links(live_app, email)
    visit(path)
    expect(page.get_by_role("main")).to_contain_text("Wijkzorg Lopik B.V.")
    page.get_by_role("button", name="Registratie bevestigen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Uw e-mailadres is bevestigd")
    log_in(email, PASSWORD)

    expect(page).to_have_url(re.compile(r"/aanbieder$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Wijkzorg Lopik B.V.")
    expect(page.get_by_text("12345678")).to_be_visible()
    expect(page.locator(".role-badge")).to_have_text("Aanbieder")
