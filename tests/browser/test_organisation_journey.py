"""A provider organisation with members, in the browser (issue 14 items 1-2): the
beheerder invites a colleague, the colleague edits the bid but may not submit and sees
why, the log shows who did what; someone registering with the organisation's KvK number
only gets a request to join, which the beheerder accepts. Every page is scanned by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, expect
from test_account_activation import activation_links, confirmation_links

from tender.accounts.models import User
from tender.db import db_session

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

COLLEAGUE = "karel@zorg.example.org"
COLLEAGUE_PASSWORD = "zonnige-dinsdag-aan-de-lek"
JOINER = "joost@zorg.example.org"
JOINER_PASSWORD = "een-heel-goed-wachtwoord"


def test_beheerder_invites_a_colleague_who_edits_and_accepts_a_join_request(
    page: Page,
    live_app: Flask,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
    visit: Callable[[str], None],
    check_a11y: Callable[[], None],
) -> None:
    email, password = demo.login("aanbieder")
    with live_app.app_context():
        kvk = db_session().query(User).filter_by(email=email).one().organisation.kvk_number

    log_in(email, password)
    page.get_by_role("button", name=re.compile("^Inschrijving starten")).first.click()
    check_a11y()
    expect(page.get_by_role("button", name="Inschrijving indienen")).to_be_visible()
    bid_path = page.url.split("://", 1)[1].split("/", 1)[1]
    visit("/")
    page.get_by_role("link", name=re.compile("^Leden van de organisatie")).click()
    check_a11y()
    expect(page.get_by_role("main")).to_contain_text("De laatste beheerder kan niet worden")
    page.get_by_label(re.compile(r"^Naam \(verplicht")).fill("Karel Collega")
    page.get_by_label("E-mailadres").fill(COLLEAGUE)
    page.get_by_label("Rechten", exact=True).select_option(label="Lid: bewerkt inschrijvingen")
    page.get_by_role("button", name="Uitnodiging versturen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Karel Collega is uitgenodigd")
    expect(page.get_by_role("main")).to_contain_text("uitgenodigd, nog niet geactiveerd")
    log_out()

    # The colleague chooses its own password with the mailed link, then edits the bid.
    [path] = activation_links(live_app, COLLEAGUE)
    visit(path)
    page.get_by_label(re.compile("^Nieuw wachtwoord")).fill(COLLEAGUE_PASSWORD)
    page.get_by_label(re.compile("^Herhaal nieuw wachtwoord")).fill(COLLEAGUE_PASSWORD)
    page.get_by_role("button", name="Wachtwoord instellen").click()
    check_a11y()
    log_in(COLLEAGUE, COLLEAGUE_PASSWORD)
    visit(f"/{bid_path}")
    page.get_by_role("navigation", name="Onderdelen van de inschrijving").get_by_role(
        "link", name="Organisatiegegevens", exact=True
    ).click()
    check_a11y()
    page.get_by_label("Telefoonnummer").fill("030-7654321")
    page.get_by_role("button", name="Opslaan").click()
    check_a11y()
    page.get_by_role("navigation", name="Onderdelen van de inschrijving").get_by_role(
        "link", name="Overzicht en indienen"
    ).click()
    check_a11y()
    expect(page.locator("#indienen-niet-toegestaan")).to_contain_text(
        "U kunt deze inschrijving bewerken, maar niet indienen of intrekken."
    )
    expect(page.get_by_role("button", name="Inschrijving indienen")).to_have_count(0)
    page.get_by_role("link", name="Logboek: wie deed wat").click()
    check_a11y()
    rows = page.get_by_role("row").filter(has_text="Karel Collega")
    expect(rows).to_contain_text(["Organisatiegegevens gewijzigd"])
    visit("/organisatie/leden")
    expect(page.get_by_role("button", name="Uitnodiging versturen")).to_have_count(0)
    log_out()

    # Someone registers with the organisation's KvK number: no account, a request to join.
    visit("/registreren")
    page.get_by_label("Naam organisatie").fill("Nep Zorg")
    page.get_by_label("KvK-nummer").fill(kvk)
    page.get_by_label("Straat en huisnummer").fill("Lekboulevard 3")
    page.get_by_label("Postcode").fill("3432 AB")
    page.get_by_label("Plaats").fill("Nieuwegein")
    page.get_by_label("Naam contactpersoon").fill("Joost Janssen")
    page.get_by_label("E-mailadres contactpersoon").fill(JOINER)
    page.get_by_label(re.compile("^Wachtwoord")).fill(JOINER_PASSWORD)
    page.get_by_label("Herhaal wachtwoord").fill(JOINER_PASSWORD)
    page.get_by_role("button", name="Registreren").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer uw e-mail")
    [path] = confirmation_links(live_app, JOINER)
    visit(path)
    page.get_by_role("button", name="Registratie bevestigen").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanmelding verstuurd")

    log_in(email, password)
    page.get_by_role("link", name=re.compile("^Leden van de organisatie")).click()
    check_a11y()
    page.get_by_role("button", name="Accepteren Joost Janssen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Joost Janssen is lid van de organisatie")
    expect(page.get_by_role("main")).to_contain_text("Er wachten geen aanmeldingen.")
