"""A provider's whole journey: register, write every section of a bid, submit,
download the receipt, change a plan, resubmit, and get a different receipt."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from factories import pdf_bytes
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from test_account_activation import confirmation_links

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn


def _receipt_text(page: Page) -> str:
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ontvangstbevestiging downloaden (PDF)").click()
    path = download_info.value.path()
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(path).read_bytes())).pages)


def _digest_on_page(page: Page) -> str:
    text = page.locator("dl.summary").inner_text()
    return re.search(r"\b[0-9a-f]{64}\b", text).group(0)


def test_provider_registers_bids_submits_and_resubmits(
    page: Page,
    demo: DemoData,
    live_app: Flask,
    visit: Callable[[str], None],
    log_in: LogIn,
    check_a11y: Callable[[], None],
    tmp_path: Path,
) -> None:
    evidence = tmp_path / "uittreksel.pdf"
    evidence.write_bytes(pdf_bytes("Uittreksel Handelsregister"))

    visit("/registreren")
    page.get_by_label("Naam organisatie").fill("Lekzorg Begeleiding")
    page.get_by_label("KvK-nummer").fill("55667788")
    page.get_by_label("Straat en huisnummer").fill("Lekboulevard 3")
    page.get_by_label("Postcode").fill("3432 AB")
    page.get_by_label("Plaats").fill("Nieuwegein")
    page.get_by_label("Naam contactpersoon").fill("Sanne Jansen")
    page.get_by_label("E-mailadres contactpersoon").fill("sanne@lekzorg.example.org")
    page.get_by_label(re.compile("^Wachtwoord")).fill("een-heel-goed-wachtwoord")
    page.get_by_label("Herhaal wachtwoord").fill("een-heel-goed-wachtwoord")
    page.get_by_role("button", name="Registreren").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Controleer uw e-mail")
    # The account exists once the address is confirmed through the link in the e-mail.
    [path] = confirmation_links(live_app, "sanne@lekzorg.example.org")
    visit(path)
    page.get_by_role("button", name="Registratie bevestigen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Uw e-mailadres is bevestigd")
    log_in("sanne@lekzorg.example.org", "een-heel-goed-wachtwoord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lekzorg Begeleiding")

    page.get_by_role("button", name=re.compile("^Inschrijving starten")).click()
    check_a11y()
    expect(page.get_by_text("Nog niet compleet.")).to_be_visible()

    def section(name: str) -> None:
        page.get_by_role("navigation", name="Onderdelen van de inschrijving").get_by_role(
            "link", name=name, exact=True
        ).click()
        check_a11y()

    section("Organisatiegegevens")
    expect(page.get_by_label("Naam organisatie")).to_have_value("Lekzorg Begeleiding")
    page.get_by_label("Telefoonnummer").fill("030-7654321")
    page.get_by_role("button", name="Opslaan").click()
    check_a11y()

    section("Percelen")
    page.get_by_label(re.compile("^IB: ")).check()
    page.get_by_role("button", name="Opslaan").click()
    check_a11y()

    section("Eisen")
    for box in page.get_by_role("checkbox").all():
        box.check()
    for field in page.get_by_label(re.compile(r"^Bewijsstuk \(verplicht\)")).all():
        field.set_input_files(evidence)
    page.get_by_role("button", name="Opslaan").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("zijn opgeslagen")

    section("Dekking: gemeenten en doelgroepen")
    page.get_by_role("button", name="Hele rij Houten").click()  # enhanced: no reload
    page.get_by_label("Nieuwegein: Licht verstandelijke beperking").check()
    expect(page.get_by_label(re.compile("^Houten: Psychogeriatrische"))).to_be_checked()
    page.get_by_role("button", name="Opslaan", exact=True).click()
    check_a11y()

    section("Lokaal netwerk")
    for municipality in ("Houten", "Nieuwegein"):
        page.get_by_label("Gemeente").select_option(label=municipality)
        page.get_by_label("Naam partnerorganisatie").fill(f"Welzijn {municipality}")
        page.get_by_label("Soort organisatie").select_option("welzijn")
        page.get_by_label("Wat houdt de samenwerking in?").fill("Warme overdracht bij afschalen.")
        page.get_by_role("button", name="Partner toevoegen").click()
        check_a11y()

    section("Onderaannemers")
    page.get_by_label("Naam onderaannemer").fill("Jobcoach Lek")
    page.get_by_label("KvK-nummer onderaannemer").fill("1234")
    page.get_by_label("Welke werkzaamheden").fill("Begeleiding naar werk.")
    page.get_by_role("button", name="Onderaannemer toevoegen").click()
    check_a11y()
    expect(page.get_by_text("Een KvK-nummer bestaat uit precies 8 cijfers.")).to_be_visible()
    expect(page.get_by_label("Naam onderaannemer")).to_have_value("Jobcoach Lek")
    expect(page.get_by_label("Welke werkzaamheden")).to_have_value("Begeleiding naar werk.")
    page.get_by_label("KvK-nummer onderaannemer").fill("12345678")
    page.get_by_role("button", name="Onderaannemer toevoegen").click()
    check_a11y()

    plans = page.get_by_role("navigation", name="Onderdelen van de inschrijving").get_by_role(
        "link", name=re.compile("^Plan ")
    )
    for index in range(plans.count()):
        plans.nth(index).click()
        check_a11y()
        page.get_by_label(re.compile("^Uw plan")).fill(
            "We begeleiden inwoners dicht bij huis en schalen tijdig af naar het voorliggend veld."
        )
        expect(page.locator(".word-count")).to_have_text("14")
        page.get_by_role("button", name="Plan opslaan").click()
        check_a11y()

    expect(page.get_by_text("Alle onderdelen zijn ingevuld.")).to_be_visible()
    page.get_by_label("Ik begrijp dat deze versie mijn inschrijving is").check()
    page.get_by_role("button", name="Inschrijving indienen").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ontvangstbevestiging")
    first_digest = _digest_on_page(page)
    received = page.locator("dd", has_text="(Nederlandse tijd)").inner_text().split(" (")[0]
    first_pdf = _receipt_text(page)
    assert first_digest in first_pdf and received in first_pdf

    plans.first.click()
    check_a11y()
    page.get_by_label(re.compile("^Uw plan")).fill(
        "Een herzien plan met meer aandacht voor afschalen."
    )
    page.get_by_role("button", name="Plan opslaan").click()
    check_a11y()
    expect(page.get_by_text("wijzigingen die nog niet zijn ingediend")).to_be_visible()
    page.get_by_label("Ik begrijp dat deze versie mijn inschrijving is").check()
    page.get_by_role("button", name="Opnieuw indienen").click()
    check_a11y()
    second_digest = _digest_on_page(page)
    assert second_digest != first_digest
    second_pdf = _receipt_text(page)
    assert second_digest in second_pdf and first_digest not in second_pdf
    assert "Indiening 2" in second_pdf or "2" in second_pdf
