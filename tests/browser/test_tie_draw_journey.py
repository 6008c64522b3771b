"""The inkoper records a draw by lot on the award page (ranked mode, tie on the cut-off)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from factories import PASSWORD, make_tied_ranked_tender
from flask import Flask
from playwright.sync_api import Page, expect

from tender import clock

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
    log_in(email, PASSWORD)
    page.goto(f"/aanbestedingen/{tender_id}/gunning")
    check_a11y()
    expect(page.get_by_role("heading", name="Loting in perceel HERSTEL")).to_be_visible()
    fields = page.get_by_label("Plaats in de loting voor", exact=False)
    for place in range(fields.count()):
        fields.nth(place).fill(str(place + 1))
    page.get_by_label("Wie heeft de loting verricht, en hoe?").fill(
        "Loting door notaris X in aanwezigheid van twee inkopers."
    )
    page.get_by_role("button", name="Uitslag loting vastleggen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("De uitslag van de loting is vastgelegd.")
    expect(page.get_by_role("heading", name="Loting in perceel HERSTEL")).to_have_count(0)
