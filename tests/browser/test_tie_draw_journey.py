"""The inkoper records a draw by lot on its own page (ranked mode, tie on the cut-off):
a doubled place is refused with what was typed kept, then the draw is recorded and
shown read-only. Every page is scanned by axe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from factories import PASSWORD, make_tied_ranked_tender
from flask import Flask
from playwright.sync_api import Page, expect

from tender import clock
from tender.timefmt import to_local

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn


def test_inkoper_records_the_draw(
    page: Page, live_app: Flask, log_in: LogIn, check_a11y: Callable[[], None]
) -> None:
    session = live_app.extensions["tender.sessionmaker"]()
    tender, officer, _bids, when = make_tied_ranked_tender(
        session, now=datetime.now(UTC), instance_path=live_app.instance_path
    )
    session.commit()
    tender_id, email = tender.id, officer.email
    session.close()
    clock.set_clock(lambda: when)
    drawn_at = to_local(when - timedelta(minutes=30))
    log_in(email, PASSWORD)
    page.goto(f"/aanbestedingen/{tender_id}/gunning/advies")
    check_a11y()
    expect(page.get_by_role("heading", name="Loting in perceel HERSTEL")).to_be_visible()
    page.get_by_role("link", name="Loting in perceel HERSTEL vastleggen").click()
    check_a11y()
    expect(page.get_by_role("table", name="Gelijke stand in perceel HERSTEL")).to_be_visible()
    fields = page.get_by_label("Plaats van", exact=False)
    for place in range(fields.count()):
        fields.nth(place).fill(str(place + 1))
    fields.nth(fields.count() - 1).fill("1")
    page.get_by_label("Hoe is er geloot?").fill(
        "Vijf genummerde loten in een gesloten doos, getrokken door de notaris."
    )
    page.get_by_label("Getrokken door").fill("mr. A. Notaris")
    page.get_by_label("Getuigen").fill("B. Getuige\nC. Inkoper")
    page.get_by_label("Datum van de loting").fill(drawn_at.strftime("%Y-%m-%d"))
    page.get_by_label("Tijd (Nederlandse tijd)").fill(drawn_at.strftime("%H:%M"))
    page.get_by_role("button", name="Loting vastleggen").click()
    check_a11y()
    expect(page.get_by_text("Plaats 1 is meer dan eens gegeven", exact=False)).to_be_visible()
    expect(page.get_by_label("Getrokken door")).to_have_value("mr. A. Notaris")
    fields.nth(fields.count() - 1).fill(str(fields.count()))
    page.get_by_role("button", name="Loting vastleggen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text(
        "De loting in perceel HERSTEL is vastgelegd."
    )
    expect(page.get_by_role("heading", name="Vastgelegde loting")).to_be_visible()
    expect(page.get_by_text("B. Getuige")).to_be_visible()
    expect(page.get_by_role("button", name="Loting vastleggen")).to_have_count(0)
    page.goto(f"/aanbestedingen/{tender_id}/gunning/advies")
    check_a11y()
    expect(page.get_by_role("heading", name="Loting in perceel HERSTEL")).to_have_count(0)
