"""A provider downloads its own inzage dossier after the award letters were sent: it
opens its portal, makes the dossier (a background job whose progress the page shows),
and downloads a ZIP with the index. Every page is scanned by axe."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, Route, expect
from pypdf import PdfReader

from tests.browser.demo_scenes import built_demo

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn

DOSSIER_TIMEOUT_MS = 60_000


def test_provider_makes_and_downloads_its_inzage_dossier(
    page: Page, live_app: Flask, log_in: LogIn, check_a11y: Callable[[], None]
) -> None:
    with built_demo(live_app, bids=3, phase="sent") as (_, result, logins):
        reference = result.tender.reference
    log_in(*logins.account("aanbieder1"))
    page.goto("/aanbieder")
    check_a11y()
    expect(page.get_by_role("heading", name="Inzagedossier", exact=True)).to_be_visible()
    # progress.js polls and reloads when the job is done; its polls wait until axe has
    # scanned the page, so that a reload cannot cut the scan short.
    held: list[Route] = []
    page.route("**/inzagedossier/voortgang.json", lambda route: held.append(route))
    page.get_by_role("button", name=re.compile("^Inzagedossier maken")).click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Het dossier wordt gemaakt")
    page.unroute("**/inzagedossier/voortgang.json")
    for route in held:
        route.continue_()
    link = page.get_by_role("link", name=re.compile(rf"^inzagedossier-{reference}-"))
    expect(link).to_be_visible(timeout=DOSSIER_TIMEOUT_MS)
    check_a11y()  # the page progress.js reloaded (or the first one, if it was done at once)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"inzagedossier-{reference}-")
    with zipfile.ZipFile(Path(download.path())) as archive:
        names = archive.namelist()
        assert names[:2] == ["00-inhoudsopgave.pdf", "SHA256SUMS"]
        index = archive.read("00-inhoudsopgave.pdf")
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(index)).pages)
    assert "inzagedossier voor" in text
    # Asking again for the same state hands out the same dossier.
    page.get_by_role("button", name=re.compile("^Inzagedossier bijwerken")).click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("niets veranderd")
    expect(
        page.get_by_role("link", name=re.compile(rf"^inzagedossier-{reference}-"))
    ).to_have_count(1)


def test_inkoper_makes_the_complete_file_and_a_bidders_inzage(
    page: Page, live_app: Flask, log_in: LogIn, check_a11y: Callable[[], None]
) -> None:
    with built_demo(live_app, bids=3, phase="sent") as (_, result, logins):
        tender_id, reference = result.tender.id, result.tender.reference
    log_in(*logins.account("inkoper"))
    page.goto(f"/aanbestedingen/{tender_id}")
    check_a11y()
    page.get_by_role("link", name="Dossier", exact=True).click()
    check_a11y()
    expect(page.get_by_text("Er is nog geen dossier gemaakt.")).to_be_visible()
    complete = page.get_by_role("link", name=re.compile(rf"^dossier-{reference}-volledig-"))
    inzage = page.get_by_role("link", name=re.compile(rf"^inzagedossier-{reference}-"))
    for choice, made in ((0, complete), (1, inzage)):
        page.get_by_label("Soort dossier").select_option(index=choice)
        held: list[Route] = []
        page.route("**/dossier/voortgang.json", lambda route, held=held: held.append(route))
        page.get_by_role("button", name="Dossier maken").click()
        check_a11y()
        page.unroute("**/dossier/voortgang.json")
        for route in held:
            route.continue_()
        expect(made).to_be_visible(timeout=DOSSIER_TIMEOUT_MS)
        check_a11y()  # the page progress.js reloaded (or the first one, if it was done at once)
    with page.expect_download() as download_info:
        complete.click()
    with zipfile.ZipFile(Path(download_info.value.path())) as archive:
        assert archive.namelist()[:2] == ["00-inhoudsopgave.pdf", "SHA256SUMS"]
        assert any(name.startswith("06 Gunningsbeslissing/") for name in archive.namelist())
