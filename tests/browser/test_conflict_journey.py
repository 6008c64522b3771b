"""A conflict of interest with one named bidder, end to end on the opened demo.

The inkoper has put three demo evaluators on the committee. The third opens the
declaration: the bidding organisations by name and KvK number, alphabetical, with no
code. Signing without answering everything is refused with what was typed kept; it then
declares a band with one organisation (explained) and none with the others, and scores
the bids it is left with. That bid's number answers like one that does not exist. The
inkoper reads the explanation on the committee page. Every page is scanned by axe.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tender import clock
from tender.accounts.models import User
from tender.bids import submitted
from tender.evaluation import service as evaluation
from tests.browser.demo_scenes import built_demo

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn

EXPLANATION = "Mijn schoonzus is teamleider bij deze organisatie."
MOTIVATION = (
    "Het plan beschrijft concreet hoe de aanbieder de doelgroep bereikt en sluit aan bij de "
    "aandachtspunten van het criterium."
)


@dataclass(frozen=True)
class Scene:
    tender_id: int
    reference: str
    bidders: tuple[tuple[str, str], ...]  # (name, KvK number) as submitted, alphabetical
    codes: dict[str, str]  # KvK number -> blind code (for the assertions only)
    numbers: dict[str, int]  # KvK number -> blind number
    criteria: tuple[str, ...]
    score_label: str
    officer: tuple[str, str]
    evaluator: tuple[str, str]


def _opened_demo_with_committee(live_app: Flask) -> Scene:
    with built_demo(live_app, bids=3, phase="opened") as (session, result, logins):
        tender = result.tender
        now = clock.now()
        officer = session.scalar(select(User).where(User.email == "inkoper@demo.example"))
        assert officer is not None
        for n in (1, 2, 3):
            user = session.scalar(select(User).where(User.email == f"beoordelaar{n}@demo.example"))
            evaluation.add_member(
                session, tender=tender, user=user, is_chair=n == 1, actor=officer, now=now
            )
        session.commit()
        versions = submitted.received_versions(session, tender)
        bidders = sorted(
            ((v.organisation.name, v.organisation.kvk_number) for v in versions),
            key=lambda b: b[0].casefold(),
        )
        level = max(tender.scale_levels, key=lambda level: level.score)
        return Scene(
            tender_id=tender.id,
            reference=tender.reference,
            bidders=tuple(bidders),
            codes={v.organisation.kvk_number: v.blind_code for v in versions},
            numbers={v.organisation.kvk_number: v.blind_number or 0 for v in versions},
            criteria=tuple(c.code for c in tender.criteria),
            score_label=f"{level.score} – {level.label}",
            officer=logins.account("inkoper"),
            evaluator=logins.account("beoordelaar3"),
        )


def test_an_evaluator_declares_a_band_with_one_named_bidder_and_scores_the_others(
    live_app: Flask,
    page: Page,
    log_in: LogIn,
    log_out: Callable[[], None],
    visit: Callable[[str], None],
    check_a11y: Callable[[], None],
) -> None:
    scene = _opened_demo_with_committee(live_app)
    (banned_name, banned_kvk), *others = scene.bidders
    home = f"/beoordelen/{scene.tender_id}/"

    log_in(*scene.evaluator)
    visit(home)
    page.get_by_role("link", name="Verklaring ondertekenen").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verklaring belangenverstrengeling")
    legends = page.locator("form legend").all_inner_texts()
    assert legends == [f"{name} (KvK {kvk})" for name, kvk in scene.bidders]
    assert not any(code in page.content() for code in scene.codes.values())

    # Only a band, without a reason, and nothing for the others: refused, typing kept.
    group = page.get_by_role("group", name=f"{banned_name} (KvK {banned_kvk})")
    group.get_by_label(f"Band met {banned_name}", exact=True).check()
    page.get_by_label(re.compile("^Ik verklaar dit naar waarheid")).check()
    page.get_by_role("button", name="Verklaring ondertekenen").click()
    check_a11y()
    expect(page.get_by_role("alert")).to_contain_text("De verklaring is nog niet ondertekend.")
    group = page.get_by_role("group", name=f"{banned_name} (KvK {banned_kvk})")
    expect(group).to_contain_text(f"Licht uw band met {banned_name} toe")
    expect(group.get_by_label(f"Band met {banned_name}", exact=True)).to_be_checked()
    for name, kvk in others:
        expect(page.get_by_role("group", name=f"{name} (KvK {kvk})")).to_contain_text(
            f"Kies voor {name}: geen band of band."
        )

    group.get_by_label(re.compile("^Toelichting")).fill(EXPLANATION)
    for name, kvk in others:
        page.get_by_role("group", name=f"{name} (KvK {kvk})").get_by_label(
            f"Geen band met {name}"
        ).check()
    page.get_by_label(re.compile("^Ik verklaar dit naar waarheid")).check()
    page.get_by_role("button", name="Verklaring ondertekenen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_have_text("Uw verklaring is ondertekend.")

    queue = page.get_by_role("table", name="Uw inschrijvingen om te beoordelen")
    expect(queue.get_by_role("row")).to_have_count(1 + len(others))
    expect(queue).not_to_contain_text(scene.codes[banned_kvk])
    expect(page.get_by_text(EXPLANATION)).to_be_visible()

    for _name, kvk in others:
        code = scene.codes[kvk]
        page.get_by_role("link", name=f"Beoordelen {code}").click()
        check_a11y()
        expect(page.get_by_role("heading", level=1)).to_have_text(code)
        for criterion in scene.criteria:
            section = page.get_by_role("region", name=re.compile(f"^{criterion}:"))
            section.get_by_role("group", name=f"Uw score voor {criterion}").get_by_label(
                scene.score_label
            ).check()
            section.get_by_label(re.compile("^Motivering")).fill(MOTIVATION)
            section.get_by_role("button", name=f"Score {criterion} opslaan").click()
            check_a11y()
            expect(page.get_by_role("status")).to_have_text(
                f"Uw score voor {criterion} is opgeslagen."
            )
        page.locator(".breadcrumb").get_by_role("link").click()
        check_a11y()
        row = page.get_by_role("row").filter(has_text=code)
        expect(row).to_contain_text(f"{len(scene.criteria)} / {len(scene.criteria)}")

    # The banned bid's number answers like a number that does not exist.
    refused = page.goto(f"/beoordelen/{scene.tender_id}/inschrijving/{scene.numbers[banned_kvk]}")
    check_a11y()
    undrawn = min(set(range(1, 100)) - set(scene.numbers.values()))
    missing = page.request.get(f"/beoordelen/{scene.tender_id}/inschrijving/{undrawn}")
    assert refused is not None and refused.status == missing.status == 404
    expect(page.get_by_role("main")).not_to_contain_text(scene.codes[banned_kvk])
    visit(home)
    log_out()

    log_in(*scene.officer)
    visit(f"/aanbestedingen/{scene.tender_id}/commissie")
    declaration = page.get_by_role("table", name=re.compile("^Verklaring van "))
    expect(declaration.filter(has_text=EXPLANATION)).to_have_count(1)
    row = page.get_by_role("row").filter(has_text=EXPLANATION)
    expect(row).to_contain_text(f"{banned_name} (KvK {banned_kvk})")
    expect(row.get_by_role("cell", name="band", exact=True)).to_have_count(1)
