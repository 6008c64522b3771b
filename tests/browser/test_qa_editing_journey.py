"""Q&A editing before publication (issue 14 item 4): the inkoper edits a question to
anonymise it, merges a duplicate into it, adds a question of its own and publishes the
nota; the provider whose duplicate was merged reads where it is answered, and never the
other provider's original. Every page is scanned by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import DemoData, LogIn

ORIGINAL = "Wij als Zorg aan de Lek vragen: mag een onderaannemer de begeleiding geven?"
DUPLICATE = "Is onderaanneming van de begeleiding toegestaan?"
EDITED = "Mag een inschrijver de begeleiding laten uitvoeren door een onderaannemer?"
ANSWER = "Ja, mits u de onderaannemer vermeldt in uw inschrijving."
OWN = "Geldt de Wmo-verordening van elke gemeente afzonderlijk?"
OWN_ANSWER = "Ja; u vindt de verordeningen in de bijlagen bij de leidraad."
OPEN_TABLE = "Vragen die nog niet zijn gepubliceerd, in de volgorde van de nota"


def _ask(page: Page, demo: DemoData, text: str, check_a11y: Callable[[], None]) -> None:
    page.get_by_role("link", name=f"Vragen en nota van inlichtingen {demo.reference}").click()
    check_a11y()
    page.get_by_label("Uw vraag").fill(text)
    page.get_by_role("button", name="Vraag versturen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Uw vraag is ontvangen.")


def test_question_edited_merged_own_question_added_and_nota_read(
    page: Page,
    demo: DemoData,
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    first, second = demo.emails_by_role["aanbieder"][:2]
    log_in(first, demo.passwords[first])
    _ask(page, demo, ORIGINAL, check_a11y)
    log_out()
    log_in(second, demo.passwords[second])
    _ask(page, demo, DUPLICATE, check_a11y)
    log_out()

    log_in(*demo.login("inkoper"))
    page.get_by_role("link", name=demo.reference).click()
    check_a11y()
    page.get_by_role("link", name="Vragen en nota van inlichtingen").click()
    check_a11y()

    # Edit the first question: anonymised wording, a topic and an order.
    questions = page.get_by_role("table", name=OPEN_TABLE)
    questions.get_by_role("row").filter(has_text=ORIGINAL).get_by_role(
        "link", name=re.compile("^Tekst, onderdeel of volgorde wijzigen")
    ).click()
    check_a11y()
    page.get_by_label("Vraag zoals gepubliceerd").fill("")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    check_a11y()
    expect(page.get_by_role("alert")).to_contain_text("Het formulier is nog niet in orde.")
    page.get_by_label("Vraag zoals gepubliceerd").fill(EDITED)
    page.get_by_label("Onderdeel (onderwerp)").select_option(label="Planning en procedure")
    page.get_by_label("Volgorde binnen het onderdeel").fill("1")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("is bijgewerkt")
    edited_row = (
        page.get_by_role("table", name=OPEN_TABLE).get_by_role("row").filter(has_text=EDITED)
    )
    expect(edited_row).to_contain_text("Planning en procedure")
    edited_row.get_by_text(re.compile("^Bewerkt · oorspronkelijke tekst")).click()
    expect(edited_row.get_by_text(ORIGINAL)).to_be_visible()

    # Merge the duplicate into it; a merge without a duplicate is refused first.
    page.get_by_role("link", name="Vragen samenvoegen").click()
    check_a11y()
    candidates = page.get_by_role("table", name="Ongepubliceerde vragen")
    candidates.get_by_role("row").filter(has_text=EDITED).get_by_role("radio").check()
    page.get_by_role("button", name="Vragen samenvoegen").click()
    check_a11y()
    expect(page.get_by_text("Kies ten minste één vraag om samen te voegen.")).to_be_visible()
    candidates = page.get_by_role("table", name="Ongepubliceerde vragen")
    expect(
        candidates.get_by_role("row").filter(has_text=EDITED).get_by_role("radio")
    ).to_be_checked()
    candidates.get_by_role("row").filter(has_text=DUPLICATE).get_by_role("checkbox").check()
    page.get_by_role("button", name="Vragen samenvoegen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("De vragen zijn samengevoegd")
    expect(page.get_by_role("table", name=OPEN_TABLE)).not_to_contain_text(DUPLICATE)
    expect(
        page.get_by_role("table", name="Vragen die met een andere vraag zijn samengevoegd")
    ).to_contain_text(DUPLICATE)

    # Answer the merged question.
    page.get_by_role("table", name=OPEN_TABLE).get_by_role("row").filter(
        has_text=EDITED
    ).get_by_role("link", name=re.compile("^Beantwoorden")).click()
    check_a11y()
    page.get_by_label("Antwoord").fill(ANSWER)
    page.get_by_role("button", name="Antwoord opslaan").click()
    check_a11y()

    # A question of the inkoper's own, with its answer.
    page.get_by_role("link", name="Eigen vraag toevoegen").click()
    check_a11y()
    page.get_by_label("Onderdeel (onderwerp)").select_option(label="Algemeen")
    page.get_by_label(re.compile("^Vraag")).fill(OWN)
    page.get_by_role("button", name="Eigen vraag toevoegen").click()
    check_a11y()
    expect(page.get_by_role("alert")).to_contain_text("Het formulier is nog niet in orde.")
    expect(page.get_by_label(re.compile("^Vraag"))).to_have_value(OWN)
    page.get_by_label("Antwoord").fill(OWN_ANSWER)
    page.get_by_role("button", name="Eigen vraag toevoegen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Eigen vraag")

    # Publish: 'Algemeen' comes before 'Planning en procedure', whoever asked first.
    page.get_by_role("link", name=re.compile("^Nota van inlichtingen publiceren")).click()
    check_a11y()
    expect(page.get_by_role("heading", name="Vraag 1 · Algemeen")).to_be_visible()
    expect(page.get_by_role("heading", name="Vraag 2 · Planning en procedure")).to_be_visible()
    expect(page.get_by_text(ORIGINAL)).to_have_count(0)
    page.get_by_role("button", name="Nota van inlichtingen publiceren").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("Nota van inlichtingen 1 is gepubliceerd")
    log_out()

    # The provider whose duplicate was merged reads where it was answered.
    log_in(second, demo.passwords[second])
    page.get_by_role("link", name=f"Vragen en nota van inlichtingen {demo.reference}").click()
    check_a11y()
    own = page.get_by_role("table", name="Vragen van uw organisatie met hun status")
    expect(own).to_contain_text("nota van inlichtingen 1 onder vraag 2")
    expect(own).to_contain_text(EDITED)
    expect(page.get_by_text(ORIGINAL)).to_have_count(0)
    page.get_by_role("link", name="nota van inlichtingen 1").first.click()
    check_a11y()
    expect(page.get_by_role("heading", name="Vraag 1 · Algemeen")).to_be_visible()
    expect(page.get_by_text(OWN, exact=True)).to_be_visible()
    expect(page.get_by_text(OWN_ANSWER, exact=True)).to_be_visible()
    expect(page.get_by_text(EDITED, exact=True)).to_be_visible()
    expect(page.get_by_text(ANSWER, exact=True)).to_have_count(1)
    expect(page.get_by_text(ORIGINAL)).to_have_count(0)
    expect(page.get_by_text(DUPLICATE)).to_have_count(0)
