"""Coverage and award, end to end: the inkoper records a decision for every coverage gap,
takes the award decision, has the letters made and sent (in the background, the page follows
the progress) and downloads all documents as a ZIP; a member of the advisory council then
reads the award report and the coverage matrix, is refused (403) on every mutating route and
on every page with plan content, and never sees a plan text. Every page is scanned by axe."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask
from playwright.sync_api import Page, Route, expect
from pypdf import PdfReader
from sqlalchemy import select

from tender import clock, demo
from tender.award.models import AwardDecision
from tender.bids.models import Attachment, Bid
from tender.evaluation.models import CommitteeMember
from tender.tenders.models import Tender, TenderState
from tender.timefmt import to_local
from tests.browser.demo_scenes import built_demo

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn

# With 10 demo bids the coverage has gaps whatever blind numbers the opening draws (4 to 12 of
# them in practice; from 11 bids on the demo providers cover every cell and there are none).
BIDS = 10
# The letters and the report are made in a background thread: wait generously.
DOCUMENTS_TIMEOUT_MS = 180_000
# What a demo plan is made of: every plan starts with the marker, followed by these sentences.
PLAN_MARKERS = ("DEMO-plan.", *demo.PLAN_SENTENCES)


@dataclass(frozen=True)
class Setting:
    tender_id: int
    reference: str
    title: str
    inkoper: tuple[str, str]  # e-mail, password
    inkoper2: tuple[str, str]  # the second inkoper, who approves the advice
    adviesraad: tuple[str, str]
    aanbieder: tuple[str, str]  # a demo provider with a bid
    bid_id: int
    blind_number: int
    criterion_id: int
    attachment_id: int
    member_id: int
    member_user_id: int


def _set_up(live_app: Flask) -> Setting:
    """The demo tender with BIDS bids, scored by the committee (state beoordeeld)."""
    with built_demo(live_app, bids=BIDS, phase="scored") as (session, result, logins):
        tender = result.tender
        assert tender.state == TenderState.EVALUATED
        bid = session.scalars(
            select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.blind_number)
        ).first()
        assert bid is not None and bid.blind_number is not None
        attachment = session.scalars(
            select(Attachment).where(Attachment.bid_id == bid.id).order_by(Attachment.id)
        ).first()
        assert attachment is not None
        member = session.scalars(
            select(CommitteeMember)
            .where(CommitteeMember.tender_id == tender.id)
            .order_by(CommitteeMember.id)
        ).first()
        assert member is not None
        setting = Setting(
            tender_id=tender.id,
            reference=tender.reference,
            title=tender.title,
            inkoper=logins.account("inkoper"),
            inkoper2=logins.account("inkoper2"),
            adviesraad=logins.login("adviesraad"),
            aanbieder=logins.login("aanbieder"),
            bid_id=bid.id,
            blind_number=bid.blind_number,
            criterion_id=tender.criteria[0].id,
            attachment_id=attachment.id,
            member_id=member.id,
            member_user_id=member.user_id,
        )
    return setting


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_inkoper_decides_gaps_and_award_adviesraad_reads_the_report_and_changes_nothing(
    page: Page,
    live_app: Flask,
    live_server: str,
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    setting = _set_up(live_app)
    tid, bid_id = setting.tender_id, setting.bid_id

    def open_tender() -> None:
        page.get_by_role("link", name=setting.reference, exact=True).first.click()
        check_a11y()
        expect(page.get_by_role("heading", level=1)).to_contain_text(setting.title)

    def back_to_tender() -> None:
        page.locator(".breadcrumb").get_by_role("link").click()
        check_a11y()

    # -- The inkoper: coverage, a decision on every gap. -----------------------------------
    log_in(*setting.inkoper)
    open_tender()
    page.get_by_role("link", name=re.compile("^Dekking")).click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dekkend aanbod")
    markers = page.locator("strong.todo", has_text="tekort")
    assert markers.count() >= 1, f"{BIDS} demo bids should leave at least one coverage gap"
    gaps = page.locator('div.panel[id^="tekort-"]')
    gap_ids = [gaps.nth(i).get_attribute("id") for i in range(gaps.count())]
    assert gap_ids and all(gap_ids)
    expect(page.locator(".summary")).to_contain_text(
        f"{len(gap_ids)}, waarvan {len(gap_ids)} zonder besluit"
    )
    expect(page.get_by_text("Nog geen besluit.")).to_have_count(len(gap_ids))

    for index, gap_id in enumerate(gap_ids, start=1):
        panel = page.locator(f'[id="{gap_id}"]')
        decision = f"Aanvullende contractering door de RBL (besluit {index} van {len(gap_ids)})."
        panel.get_by_label(re.compile("^Besluit over dit tekort")).fill(decision)
        panel.get_by_role("button", name=re.compile("^Besluit vastleggen")).click()
        check_a11y()
        expect(page.get_by_role("status")).to_contain_text("is vastgelegd.")
        expect(page.locator(f'[id="{gap_id}"]')).to_contain_text(f"Besluit: {decision}")
    expect(page.get_by_text("Nog geen besluit.")).to_have_count(0)
    expect(page.locator(".summary")).to_contain_text(f"{len(gap_ids)}, waarvan 0 zonder besluit")

    # -- ... prepares the award advice, with every document as a CONCEPT. -------------------
    back_to_tender()
    page.get_by_role("link", name="Gunning", exact=True).click()
    check_a11y()
    page.get_by_role("link", name="Gunningsadvies opstellen").click()
    check_a11y()
    proposal = page.get_by_role("table", name="Uitkomst per inschrijving")
    expect(proposal.locator("tbody tr")).to_have_count(BIDS)
    expect(page.get_by_text("Nog niet mogelijk:")).to_have_count(0)
    with page.expect_download() as concepts:
        page.get_by_role("link", name="Alle documenten als CONCEPT (ZIP)").click()
    with zipfile.ZipFile(Path(concepts.value.path())) as archive:
        assert archive.namelist() and all(n.startswith("concept-") for n in archive.namelist())
        first = archive.read(archive.namelist()[0])
        assert "CONCEPT" in _pdf_text(first)
    page.get_by_role("button", name="Gunningsadvies vastleggen").click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Het gunningsadvies is vastgelegd.")
    # Threshold award: no strengths per winner to review; the page says why.
    page.get_by_role("link", name="Kenmerken", exact=True).click()
    check_a11y()
    expect(page.locator("main")).to_contain_text(
        "Bij gunning op drempels zijn geen kenmerken per gegunde inschrijving nodig"
    )
    expect(page.locator("main textarea")).to_have_count(0)
    page.locator(".breadcrumb").get_by_role("link", name="Gunning").click()
    check_a11y()
    # Approving one's own advice is not offered (four eyes).
    page.get_by_role("link", name="Naar de goedkeuring").click()
    check_a11y()
    expect(page.get_by_text("andere inkoper dan wie het opstelde").first).to_be_visible()
    expect(page.get_by_role("button", name="Oordeel vastleggen")).to_have_count(0)
    log_out()

    # -- The second inkoper approves, records the decision, previews and sends. -------------
    log_in(*setting.inkoper2)
    open_tender()
    page.get_by_role("link", name="Gunning", exact=True).click()
    check_a11y()
    page.get_by_role("link", name="Naar de goedkeuring").click()
    check_a11y()
    page.get_by_label(re.compile("^Goedkeuren")).check()
    page.get_by_role("button", name="Oordeel vastleggen").click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Het advies is goedgekeurd.")
    page.get_by_role("link", name="Besluit vastleggen").click()
    check_a11y()
    page.get_by_label("Datum van het besluit").fill(f"{to_local(clock.now()):%Y-%m-%d}")
    page.get_by_label(re.compile("^Orgaan dat het besluit nam")).fill(
        "het college van burgemeester en wethouders van Houten"
    )
    page.get_by_label(re.compile("^Mandaat")).fill("namens de gemeenten van de regio Lekstroom")
    page.get_by_role("button", name="Besluit vastleggen").click()
    check_a11y()  # the preview of every letter, before anything is sent
    expect(page.locator(".flashes")).to_contain_text("Het besluit is vastgelegd.")
    letters_table = page.get_by_role("table", name=re.compile("brieven zoals de inschrijvers"))
    expect(letters_table.locator("tbody tr")).to_have_count(BIDS)
    with page.expect_download() as preview:
        letters_table.get_by_role("link", name=re.compile("^Voorbeeld")).first.click()
    assert preview.value.suggested_filename.startswith("concept-gunningsbeslissing-")
    assert "CONCEPT" in _pdf_text(Path(preview.value.path()).read_bytes())
    expect(page.locator(".lead")).to_contain_text(f"{BIDS} brieven")
    expect(page.locator(".lead")).to_contain_text("opschortende termijn loopt dan tot en met")

    # progress.js polls the progress and reloads the page when the job is done. Its polls are
    # held back until axe has scanned the page, so that the reload cannot cut the scan short.
    held: list[Route] = []
    page.route("**/gunning/voortgang.json", lambda route: held.append(route))
    page.get_by_label("Ik begrijp dat alle inschrijvers de brieven nu ontvangen").check()
    page.get_by_role("button", name=f"{BIDS} brieven verzenden").click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("De brieven worden gemaakt.")
    page.unroute("**/gunning/voortgang.json")
    for route in held:
        route.continue_()
    sent = page.get_by_text("Brieven verzonden", exact=True)
    expect(sent).to_be_visible(timeout=DOCUMENTS_TIMEOUT_MS)
    check_a11y()  # the page progress.js reloaded (or the first one, if it was done at once)
    expect(page.get_by_text("Opschortende termijn", exact=True)).to_be_visible()
    expect(page.locator(".job-status")).to_have_text(f"klaar, {BIDS + 1} van {BIDS + 1} documenten")
    expect(page.locator(".lead .state")).to_have_text("voorlopig gegund")

    # -- ... and downloads every document at once. -------------------------------------------
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Alle documenten (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename == f"gunningsdocumenten-{setting.reference}.zip"
    with zipfile.ZipFile(Path(download.path())) as archive:
        names = archive.namelist()
        letters = [n for n in names if re.fullmatch(r"gunningsbeslissing-.+\.pdf", n)]
        assert len(letters) == BIDS, names
        assert f"gunningsadvies-{setting.reference}.pdf" in names
        assert len(names) == BIDS + 1, names
        for name in names:
            assert archive.read(name).startswith(b"%PDF-"), name
    log_out()

    # -- The advisory council: reads, changes nothing, never sees a plan. -------------------------
    seen: list[str] = []

    def scan() -> None:
        """Scan the page the adviesraad now sees; keep its HTML for the plan check."""
        check_a11y()
        html = page.content()
        seen.append(page.url)
        for marker in PLAN_MARKERS:
            assert marker not in html, f"plan text {marker!r} on {page.url}"

    log_in(*setting.adviesraad)
    scan()
    page.get_by_role("link", name=setting.reference, exact=True).first.click()
    scan()
    expect(page.get_by_role("heading", level=1)).to_contain_text(setting.title)
    # The tender page offers no actions to the advisory council.
    expect(page.get_by_role("heading", name="Acties")).to_have_count(0)
    expect(page.get_by_role("link", name="Gunning", exact=True)).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Gunningsadvies (PDF)").click()
    report = download_info.value
    assert report.suggested_filename == f"gunningsadvies-{setting.reference}.pdf"
    content = Path(report.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    report_text = _pdf_text(content)
    assert setting.reference in report_text
    for marker in PLAN_MARKERS:
        assert marker not in report_text, f"plan text {marker!r} in the award report"
    # The report shows the inkoper's decisions on the coverage gaps.
    assert "Aanvullende contractering door de RBL (besluit 1 van" in " ".join(report_text.split())

    # The coverage matrix, read-only: the decisions are shown, the forms are not.
    page.get_by_role("link", name=re.compile("^Dekking")).click()
    scan()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dekkend aanbod")
    expect(page.locator("strong.todo", has_text="tekort").first).to_be_visible()
    expect(page.get_by_text("Besluit:", exact=True)).to_have_count(len(gap_ids))
    expect(page.locator('form[action$="/dekking/besluit"]')).to_have_count(0)
    expect(page.locator("main textarea")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Besluit vastleggen"))).to_have_count(0)

    # Every mutating route answers 403, with a valid CSRF token (so that is not the reason).
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    lot = page.locator('[id^="perceel-"]').first.get_attribute("id")
    assert lot
    mutations: dict[str, dict[str, str]] = {
        f"/aanbestedingen/{tid}/dekking/besluit": {
            "lot": lot.removeprefix("perceel-"),
            "municipality": "X",
            "target_group": "",
            "decision": "Besluit door de adviesraad, hoort te worden geweigerd.",
        },
        f"/aanbestedingen/{tid}/gunning/advies": {},
        f"/aanbestedingen/{tid}/gunning/goedkeuring": {"verdict": "approve"},
        f"/aanbestedingen/{tid}/gunning/kenmerken": {"action": "confirm"},
        f"/aanbestedingen/{tid}/gunning/besluit": {},
        f"/aanbestedingen/{tid}/gunning/verzending": {"confirm": "y"},
        f"/aanbestedingen/{tid}/gunning/intrekken": {"reason": "Ingetrokken door de adviesraad."},
        f"/aanbestedingen/{tid}/gunning/bezwaar": {"pending": "ja", "note": "Kort geding."},
        f"/aanbestedingen/{tid}/gunning/definitief": {},
        "/aanbestedingen/nieuw": {},
        f"/aanbestedingen/{tid}/publiceren": {},
        f"/aanbestedingen/{tid}/intrekken": {"reason": "Ingetrokken door de adviesraad."},
        f"/aanbestedingen/{tid}/planning": {},
        f"/aanbestedingen/{tid}/configuratie": {},
        f"/aanbestedingen/{tid}/opening/starten": {},
        f"/aanbestedingen/{tid}/opening/bevestigen": {},
        f"/aanbestedingen/{tid}/commissie": {"user": str(setting.member_user_id), "is_chair": "y"},
        f"/aanbestedingen/{tid}/commissie/{setting.member_id}/verwijderen": {},
        f"/aanbestedingen/{tid}/commissie/{setting.member_id}/voorzitter": {},
        f"/aanbestedingen/{tid}/beoordeling-afronden": {},
        f"/aanbestedingen/{tid}/eisen/{bid_id}": {},
        f"/aanbestedingen/{tid}/vragen": {"question": "Een vraag van de adviesraad?"},
        f"/aanbestedingen/{tid}/vragen/publiceren": {},
        f"/aanbestedingen/{tid}/inschrijven": {},
        f"/inschrijvingen/{bid_id}/indienen": {},
        f"/inschrijvingen/{bid_id}/intrekken": {},
        f"/inschrijvingen/{bid_id}/plannen/{setting.criterion_id}": {"text": "Nieuw plan."},
        f"/beoordelen/{tid}/verklaring": {},
        f"/beoordelen/{tid}/inschrijving/{setting.blind_number}": {},
        f"/beoordelen/{tid}/consensus/{setting.blind_number}": {},
        f"/beoordelen/{tid}/consensus/{setting.blind_number}/openen": {},
        "/beheer/gebruikers/nieuw": {},
    }
    answers = {
        path: page.request.post(
            f"{live_server}{path}", form={"csrf_token": token, **fields}, max_redirects=0
        ).status
        for path, fields in mutations.items()
    }
    assert answers == dict.fromkeys(mutations, 403)

    # No page with plan content or attachments can be reached by URL.
    for path in (
        f"/inschrijvingen/{bid_id}",
        f"/inschrijvingen/{bid_id}/plannen/{setting.criterion_id}",
        f"/inschrijvingen/{bid_id}/bijlagen/{setting.attachment_id}",
        f"/beoordelen/{tid}/inschrijving/{setting.blind_number}",
        f"/beoordelen/{tid}/inschrijving/{setting.blind_number}/bijlage/{setting.criterion_id}.pdf",
        f"/beoordelen/{tid}/consensus/{setting.blind_number}",
        f"/aanbestedingen/{tid}/eisen/{bid_id}",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        scan()
        expect(page.get_by_role("heading", level=1)).to_have_text("Geen toegang")
    assert len(seen) >= 10
    log_out()

    # A provider finds its own letter in the portal, released with all the others.
    log_in(*setting.aanbieder)
    expect(
        page.get_by_role("heading", name="Gunningsbeslissingen en raamovereenkomsten")
    ).to_be_visible()
    letters = page.get_by_role("link", name=re.compile(r"^gunningsbeslissing-"))
    expect(letters).to_have_count(1)
    with page.expect_download() as letter_download:
        letters.click()
    letter_pdf = Path(letter_download.value.path()).read_bytes()
    assert letter_pdf.startswith(b"%PDF") and setting.reference in _pdf_text(letter_pdf)
    log_out()

    # Nothing the adviesraad posted changed anything.
    with live_app.app_context():
        session = live_app.extensions["tender.sessionmaker"]()
        try:
            tender = session.get(Tender, tid)
            assert tender is not None
            assert tender.state == TenderState.PROVISIONALLY_AWARDED
            assert tender.withdrawn_at is None
            decision = session.scalar(select(AwardDecision).where(AwardDecision.tender_id == tid))
            assert decision is not None
            assert not decision.objection_pending and decision.definitive_at is None
        finally:
            session.close()


THREE_LOTS = (
    Path(__file__).resolve().parent.parent / "criteria" / "files" / "three-lots-ranked.toml"
)
EDITED_STRENGTHS = (
    "Onderscheidt zich door een uitgewerkte aanpak van afschalen, met vaste "
    "evaluatiemomenten per cliënt."
)


def test_inkoper_reviews_the_strengths_of_the_winners_before_the_advice_is_approved(
    page: Page,
    live_app: Flask,
    visit: Callable[[str], None],
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    """Ranked award: the inkoper edits the drafted strengths (a refused form keeps its
    input), previews them as every bidder will read them and confirms them; only then
    does the second inkoper approve the advice, seeing the texts."""
    built = built_demo(live_app, bids=8, phase="advice", criteria_path=THREE_LOTS)
    with built as (_, result, logins):
        tid = result.tender.id

    log_in(*logins.account("inkoper"))
    visit(f"/aanbestedingen/{tid}/gunning")
    expect(page.locator("main")).to_contain_text("nog niet vastgesteld")
    page.get_by_role("link", name="Kenmerken bewerken en vaststellen").click()
    check_a11y()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Kenmerken en relatieve voordelen van de gegunde inschrijvingen"
    )
    texts = page.locator("main textarea")
    assert texts.count() >= 2
    expect(page.get_by_role("heading", name="Zo leest iedere inschrijver dit")).to_have_count(
        texts.count()
    )
    first = texts.first
    expect(first).to_have_value(re.compile(r"\(score \d van 5\)"))  # the draft
    first.fill("Te kort.")
    page.get_by_role("button", name="Opslaan en kenmerken vaststellen").click()
    check_a11y()  # the refused form, its field marked
    expect(page.get_by_text("Het formulier is nog niet in orde.")).to_be_visible()
    expect(page.locator("main textarea").first).to_have_value("Te kort.")
    expect(page.locator(".field-error .errors").first).to_contain_text("minstens 20")
    page.locator("main textarea").first.fill(EDITED_STRENGTHS)
    page.get_by_role("button", name="Opslaan", exact=True).click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("De teksten zijn opgeslagen.")
    expect(page.locator(".letter-preview").first).to_contain_text(EDITED_STRENGTHS)
    page.get_by_role("button", name="Opslaan en kenmerken vaststellen").click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Kenmerken vastgesteld.")
    log_out()

    log_in(*logins.account("inkoper2"))
    visit(f"/aanbestedingen/{tid}/gunning/goedkeuring")
    expect(page.locator(".letter-preview").first).to_contain_text(EDITED_STRENGTHS)
    page.get_by_label(re.compile("^Goedkeuren")).check()
    page.get_by_role("button", name="Oordeel vastleggen").click()
    check_a11y()
    expect(page.locator(".flashes")).to_contain_text("Het advies is goedgekeurd.")
    log_out()
