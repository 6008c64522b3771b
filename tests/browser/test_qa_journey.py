"""The Q&A round: a provider asks, the inkoper answers and publishes, another provider
reads the anonymised nota and downloads it. Every page is scanned by axe. (Moving the
dates is its own action: test_schedule_journey.)"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from pypdf import PdfReader

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

QUESTION = "Mag de begeleiding in Lopik deels door een vrijwilligersorganisatie worden gegeven?"
ANSWER = "Nee, de begeleiding wordt gegeven door beroepskrachten; vrijwilligers mogen ondersteunen."


def test_question_answered_published_and_read_by_another_provider(
    page: Page,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    asker_email, asker_password = demo.login("aanbieder")
    asker_organisation = re.compile(r"Zorg aan de Lek")  # the first demo provider

    # The provider asks; an empty question is refused first.
    log_in(asker_email, asker_password)
    page.get_by_role("link", name=f"Vragen en nota van inlichtingen {demo.reference}").click()
    check_a11y()
    page.get_by_role("button", name="Vraag versturen").click()
    check_a11y()
    expect(page.get_by_role("alert")).to_contain_text("Het formulier is nog niet in orde.")
    expect(page.get_by_label("Uw vraag")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Onderdeel van de aanbesteding").select_option(label="Planning en procedure")
    page.get_by_label("Uw vraag").fill(QUESTION)
    page.get_by_role("button", name="Vraag versturen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Uw vraag is ontvangen.")
    own = page.get_by_role("table", name="Vragen van uw organisatie met hun status")
    expect(own.get_by_role("row").filter(has_text=QUESTION)).to_contain_text("In behandeling")
    log_out()

    # The inkoper answers without seeing who asked, then publishes.
    log_in(*demo.login("inkoper"))
    page.get_by_role("link", name=demo.reference).click()
    check_a11y()
    page.get_by_role("link", name="Vragen en nota van inlichtingen").click()
    check_a11y()
    questions = page.get_by_role(
        "table", name="Vragen die nog niet zijn gepubliceerd, in de volgorde van de nota"
    )
    expect(questions).to_contain_text(QUESTION)
    expect(page.get_by_text(asker_organisation)).to_have_count(0)
    questions.get_by_role("link", name=re.compile("^Beantwoorden")).click()
    check_a11y()
    page.get_by_label("Antwoord").fill(ANSWER)
    page.get_by_role("button", name="Antwoord opslaan").click()
    check_a11y()
    expect(page.get_by_role("status")).to_have_text("Het antwoord is opgeslagen als concept.")
    page.get_by_role("link", name=re.compile("^Nota van inlichtingen publiceren")).click()
    check_a11y()
    expect(page.get_by_text(ANSWER)).to_be_visible()

    page.get_by_role("button", name="Nota van inlichtingen publiceren").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Nota van inlichtingen 1 is gepubliceerd")

    # Without an SMTP server the messages wait in the outbox.
    page.get_by_role("link", name=demo.reference).click()
    check_a11y()
    page.get_by_role("link", name="Vragen en nota van inlichtingen").click()
    check_a11y()
    page.get_by_role("link", name="Uitgaande berichten").click()
    check_a11y()
    messages = page.get_by_role("table", name="Uitgaande berichten, nieuwste bovenaan")
    expect(messages.locator("tbody tr")).to_have_count(len(demo.emails_by_role["aanbieder"]))
    messages.get_by_role("link").first.click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nota van inlichtingen 1")
    log_out()

    # Another provider reads the nota: question and answer, nobody's name.
    other_email = demo.emails_by_role["aanbieder"][1]
    log_in(other_email, demo.passwords[other_email])
    page.get_by_role("link", name=f"Vragen en nota van inlichtingen {demo.reference}").click()
    check_a11y()
    expect(page.get_by_text(QUESTION)).to_have_count(0)  # not this organisation's question
    page.get_by_role("link", name="nota van inlichtingen", exact=True).click()
    check_a11y()
    expect(page.get_by_role("heading", name="Nota van inlichtingen 1")).to_be_visible()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    expect(page.get_by_text(asker_organisation)).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="nota van inlichtingen 1 downloaden (pdf)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("nota-van-inlichtingen-")
    content = Path(download.path()).read_bytes()
    text = re.sub(
        r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    )
    assert QUESTION in text and ANSWER in text
    assert "Zorg aan de Lek" not in text
