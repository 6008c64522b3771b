"""A held-back attachment, end to end on the scored demo: an evaluator finds the first demo
bid's attachment held back ("bijlage achtergehouden, wordt gecontroleerd", no link); the
inkoper follows the link from the tender page to the held-back attachments, reads the
matches in context, previews the redacted version and releases it; the evaluator then
opens the attachment, whose text no longer names the bidder. Every page is scanned by axe."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from tender.evaluation import attachments
from tender.evaluation import service as evaluation
from tender.evaluation.models import AttachmentCopy
from tests.browser.demo_scenes import built_demo

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn


@dataclass(frozen=True)
class Scene:
    tender_id: int
    blind_number: int
    blind_code: str
    criterion_code: str
    identities: tuple[str, ...]  # name, KvK number and web domain of the held bid's bidder
    officer: tuple[str, str]
    evaluator: tuple[str, str]


def _scored_demo(live_app: Flask) -> Scene:
    with built_demo(live_app, bids=4, phase="scored") as (session, result, logins):
        held = session.scalar(
            select(AttachmentCopy).where(AttachmentCopy.status == attachments.HELD)
        )
        assert held is not None
        bid = held.bid
        tender = result.tender
        excluded = evaluation.excluded_bid_ids(session, tender)
        reader = next(
            m
            for m in evaluation.committee(session, tender)
            if evaluation.may_read_bid(m, bid, excluded)
        )
        organisation = bid.organisation
        return Scene(
            tender_id=tender.id,
            blind_number=bid.blind_number or 0,
            blind_code=bid.blind_code,
            criterion_code=tender.criteria[0].code,
            identities=(
                organisation.name.removesuffix(" (demo)"),
                organisation.kvk_number,
                organisation.website.split("//")[-1],
            ),
            officer=logins.login("inkoper"),
            evaluator=(reader.user.email, logins.passwords[reader.user.email]),
        )


def _pdf_text(page: Page, url: str) -> str:
    response = page.request.get(url)
    assert response.status == 200, url
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(p.extract_text() or "" for p in reader.pages)


def test_inkoper_releases_a_redacted_attachment_and_the_evaluator_reads_it(
    live_app: Flask,
    page: Page,
    log_in: LogIn,
    visit: Callable[[str], None],
    check_a11y: Callable[[], None],
) -> None:
    scene = _scored_demo(live_app)
    bid_page = f"/beoordelen/{scene.tender_id}/inschrijving/{scene.blind_number}"
    link_name = f"Bijlage bij {scene.criterion_code} (PDF)"

    log_in(*scene.evaluator)
    visit(bid_page)
    expect(page.get_by_text("bijlage achtergehouden, wordt gecontroleerd")).to_be_visible()
    expect(page.get_by_role("link", name=link_name)).to_have_count(0)

    page.context.clear_cookies()
    log_in(*scene.officer)
    visit(f"/aanbestedingen/{scene.tender_id}")
    page.get_by_role("link", name="Achtergehouden bijlagen").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Achtergehouden bijlagen")
    panel = page.locator("section.panel", has_text=scene.blind_code)
    matches = panel.get_by_role("table", name="Vermeldingen van de inschrijver in de tekst")
    for identity in scene.identities:
        expect(matches.locator("mark", has_text=identity).first).to_be_visible()
    preview = panel.get_by_role("link", name=re.compile("^Voorbeeld geredigeerde versie"))
    preview_text = _pdf_text(page, preview.get_attribute("href") or "")
    assert "onze werkwijze" in preview_text
    assert [i for i in scene.identities if i in preview_text] == []

    panel.get_by_role("button", name=re.compile("^Geredigeerde versie vrijgeven")).click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("is vrijgegeven voor de commissie")
    expect(page.locator("section.panel", has_text=scene.blind_code)).to_contain_text(
        "geredigeerd vrijgegeven"
    )

    page.context.clear_cookies()
    log_in(*scene.evaluator)
    visit(bid_page)
    expect(page.get_by_text("bijlage achtergehouden")).to_have_count(0)
    link = page.get_by_role("link", name=link_name)
    expect(link).to_be_visible()
    text = _pdf_text(page, link.get_attribute("href") or "")
    assert "onze werkwijze" in text
    assert [i for i in scene.identities if i in text] == []
