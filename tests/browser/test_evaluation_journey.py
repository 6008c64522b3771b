"""Opening and evaluation, end to end: two inkopers open the tender (four eyes) and the record
of opening lists every bid; one inkoper checks the requirements; three evaluators sign their
declarations (one declares a conflict) and score blind; the chair records consensus; the
inkoper sees it on the progress page. Every page the inkopers and evaluators see is scanned
by axe, and no evaluator page names a bidder."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from factories import PASSWORD, make_complete_bid, make_published_tender, make_user
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tender import clock
from tender.accounts.models import Role, User
from tender.bids import service as bid_service
from tender.bids.uploads import uploads_dir

if TYPE_CHECKING:
    from tests.browser.conftest import LogIn

CRITERIA = ("G1", "G2", "G3", "G4", "G5")
MOTIVATION = (
    "Het plan beschrijft een concrete werkwijze met voorbeelden uit de praktijk "
    "en sluit aan bij de doelen van de gemeenten."
)
CONSENSUS = (
    "De commissie weegt de drie beoordelingen en komt na bespreking uit op deze score, "
    "omdat de aanpak concreet en uitvoerbaar is."
)


@dataclass(frozen=True)
class Provider:
    name: str
    kvk: str
    website: str
    digest: str
    email: str


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Setting:
    tender_id: int
    reference: str
    title: str
    providers: tuple[Provider, Provider]
    inkopers: tuple[Person, Person]
    evaluators: tuple[Person, Person, Person]


def _person(user: User) -> Person:
    return Person(user.name, user.email)


def _set_up(live_app: Flask) -> Setting:
    """A published tender with two submitted bids; the clock stands past its deadline."""
    now = clock.now()
    with live_app.app_context():
        session = live_app.extensions["tender.sessionmaker"]()
        try:
            tender = make_published_tender(session, now=now)
            providers = []
            for _ in range(2):
                user = make_user(session, Role.PROVIDER, now=now)
                bid = make_complete_bid(
                    session,
                    tender=tender,
                    provider=user,
                    now=now,
                    storage_dir=uploads_dir(live_app.instance_path),
                )
                submission = bid_service.submit(session, bid=bid, actor=user, now=now)
                organisation = user.organisation
                providers.append(
                    Provider(
                        organisation.name,
                        organisation.kvk_number,
                        urlsplit(organisation.website).hostname or organisation.website,
                        submission.digest,
                        user.email,
                    )
                )
            inkopers = [
                make_user(session, Role.PROCUREMENT_OFFICER, now=now, email=f"inkoper-{x}@ex.org")
                for x in "ab"
            ]
            evaluators = [
                make_user(session, Role.EVALUATOR, now=now, email=f"beoordelaar-{x}@ex.org")
                for x in "abc"
            ]
            session.commit()
            deadline = tender.submission_deadline
            setting = Setting(
                tender_id=tender.id,
                reference=tender.reference,
                title=tender.title,
                providers=(providers[0], providers[1]),
                inkopers=(_person(inkopers[0]), _person(inkopers[1])),
                evaluators=(_person(evaluators[0]), _person(evaluators[1]), _person(evaluators[2])),
            )
        finally:
            session.close()
    assert deadline is not None
    clock.set_clock(lambda: deadline + timedelta(hours=1))
    return setting


def _pdf_text(path: str) -> str:
    reader = PdfReader(io.BytesIO(Path(path).read_bytes()))
    return "".join(p.extract_text() for p in reader.pages)


def test_two_inkopers_open_a_committee_scores_blind_and_the_chair_records_consensus(
    page: Page,
    live_app: Flask,
    log_in: LogIn,
    log_out: Callable[[], None],
    check_a11y: Callable[[], None],
) -> None:
    setting = _set_up(live_app)
    tid = setting.tender_id
    first, second = setting.providers
    chair, member, conflicted = setting.evaluators

    def open_tender() -> None:
        page.get_by_role("link", name=setting.reference, exact=True).click()
        check_a11y()

    # -- Inkoper A composes the committee and starts the opening. -------------------------
    log_in(setting.inkopers[0].email, PASSWORD)
    open_tender()
    page.get_by_role("link", name="Commissie", exact=True).click()
    check_a11y()
    for index, evaluator in enumerate(setting.evaluators):
        page.get_by_role("combobox", name=re.compile("^Beoordelaar")).select_option(
            label=f"{evaluator.name} ({evaluator.email})"
        )
        if index == 0:
            page.get_by_label("Voorzitter van de commissie").check()
        page.get_by_role("button", name="Toevoegen").click()
        check_a11y()
        expect(page.get_by_role("status")).to_have_text(
            f"{evaluator.name} is toegevoegd aan de commissie."
        )
    members = page.get_by_role("table", name="Leden van de commissie")
    expect(members.get_by_role("row")).to_have_count(4)
    expect(members.get_by_role("row").filter(has_text=chair.name)).to_contain_text("voorzitter")
    expect(page.get_by_text("Wijs één voorzitter aan.")).to_have_count(0)

    page.locator(".breadcrumb").get_by_role("link").click()
    check_a11y()
    page.get_by_role("link", name="Opening", exact=True).click()
    check_a11y()
    expect(page.locator(".summary .state")).to_have_text("gesloten")
    page.get_by_role("button", name="Opening starten").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("De opening is gestart.")
    expect(page.get_by_role("button", name="Opening bevestigen")).to_have_count(0)
    # Not linked before the opening, but reachable by URL: only the count shows.
    page.goto(f"/aanbestedingen/{tid}/voortgang")
    check_a11y()
    expect(page.get_by_role("main")).to_contain_text("Ontvangen inschrijvingen: 2.")

    def logbook() -> None:
        page.locator(".breadcrumb").get_by_role("link").click()
        check_a11y()
        page.get_by_role("link", name="Logboek", exact=True).click()
        check_a11y()

    # Sealed: the Logboek shows that bids changed, never whose or what.
    logbook()
    expect(page.get_by_text("een inschrijving is gewijzigd").first).to_be_visible()
    expect(page.get_by_label("Wie")).to_have_count(0)
    for provider in setting.providers:
        expect(page.get_by_text(provider.email)).to_have_count(0)
    log_out()

    # -- Inkoper B confirms; the record of opening lists every bid. ------------------------
    log_in(setting.inkopers[1].email, PASSWORD)
    open_tender()
    page.get_by_role("link", name="Opening", exact=True).click()
    check_a11y()
    page.get_by_label("Ik begrijp dat de inschrijvingen dan worden geopend").check()
    page.get_by_role("button", name="Opening bevestigen").click()
    check_a11y()
    expect(page.get_by_role("status")).to_contain_text("De inschrijvingen zijn geopend")
    expect(page.locator(".summary .state")).to_have_text("geopend")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Proces-verbaal van opening (PDF)").click()
    record = _pdf_text(download_info.value.path())
    assert setting.inkopers[0].email in record and setting.inkopers[1].email in record
    for provider in setting.providers:
        assert provider.name in record, provider.name
        assert provider.kvk in record, provider.kvk
        assert provider.digest in record, provider.digest

    # Opened: the Logboek shows who did what, filtered on one provider.
    logbook()
    page.get_by_label("Wie").fill(first.email)
    page.get_by_label("Vanaf datum").fill("2000-01-01")
    page.get_by_role("button", name="Filter toepassen").click()
    check_a11y()
    expect(page.get_by_label("Wie")).to_have_value(first.email)
    events = page.get_by_role("table", name="Gebeurtenissen, nieuwste eerst")
    expect(events.get_by_text(first.email).first).to_be_visible()
    expect(events.get_by_text(second.email)).to_have_count(0)

    # -- ... and checks the requirements of both bids. --------------------------------------
    page.locator(".breadcrumb").get_by_role("link").click()
    check_a11y()
    page.get_by_role("link", name="Eisen toetsen").click()
    check_a11y()
    overview = page.get_by_role("table", name="Toetsing per inschrijving en eis")
    codes: dict[str, str] = {}
    for provider in setting.providers:
        row = overview.get_by_role("row").filter(has_text=provider.name)
        codes[provider.name] = re.search(r"Inschrijving \d+", row.inner_text()).group(0)
    assert len(set(codes.values())) == 2
    for provider in setting.providers:
        code = codes[provider.name]
        page.get_by_role("link", name=f"Toetsen {code}").click()
        check_a11y()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Eisen toetsen: {code}")
        verdicts = page.get_by_label("Voldoet", exact=True)
        expect(verdicts).to_have_count(8)
        for verdict in verdicts.all():
            verdict.check()
        page.get_by_role("button", name="Toetsing opslaan").click()
        check_a11y()
        expect(page.get_by_role("status")).to_have_text(f"De toetsing van {code} is opgeslagen.")
        row = overview.get_by_role("row").filter(has_text=provider.name)
        expect(row.get_by_text("voldoet", exact=True)).to_have_count(8)
    log_out()

    # -- The committee: declarations and blind scores. ---------------------------------------
    # What identifies a bidder: its name, KvK number and web domain.
    identifying = [term for p in setting.providers for term in (p.name, p.kvk, p.website)]
    conflicted_code, open_code = codes[first.name], codes[second.name]

    def scan_blind() -> None:
        """Scan an evaluator's page and check that nothing on it identifies a bidder, apart
        from the parts that list the bidding organisations by name, alphabetically and
        apart from the codes (the declaration, "band melden")."""
        check_a11y()
        html = page.evaluate(
            "() => { const copy = document.documentElement.cloneNode(true);"
            " copy.querySelectorAll('[data-bidder-names]').forEach(e => e.remove());"
            " return copy.outerHTML; }"
        )
        for term in identifying:
            assert term not in html, f"{term} on {page.url}"

    def committee_home() -> None:
        page.locator(".breadcrumb").get_by_role("link").click()
        scan_blind()

    def log_in_evaluator(evaluator: Person) -> None:
        log_in(evaluator.email, PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_have_text("Beoordelen")
        page.get_by_role("link", name=f"{setting.reference}: {setting.title}").click()
        scan_blind()

    def sign(conflict: Provider | None) -> None:
        """Answer for every bidding organisation, named (not by code); a band with one."""
        page.get_by_role("link", name="Verklaring ondertekenen").click()
        scan_blind()  # the names are in the form, apart from any code
        assert conflicted_code not in page.content() and open_code not in page.content()
        for provider in setting.providers:
            group = page.get_by_role("group", name=f"{provider.name} (KvK {provider.kvk})")
            if provider == conflict:
                group.get_by_label(f"Band met {provider.name}", exact=True).check()
                group.get_by_label(re.compile("^Toelichting")).fill(
                    "Mijn schoonzus werkt daar als wijkverpleegkundige."
                )
            else:
                group.get_by_label(f"Geen band met {provider.name}").check()
        page.get_by_label(re.compile("^Ik verklaar dit naar waarheid")).check()
        page.get_by_role("button", name="Verklaring ondertekenen").click()
        expect(page.get_by_role("status")).to_have_text("Uw verklaring is ondertekend.")
        scan_blind()

    def score_bid(code: str, score: str) -> None:
        page.get_by_role("link", name=f"Beoordelen {code}").click()
        scan_blind()
        expect(page.get_by_role("heading", level=1)).to_have_text(code)
        # Blind: another evaluator's motivation is never shown in the individual phase.
        expect(page.get_by_text(MOTIVATION)).to_have_count(0)
        for criterion in CRITERIA:
            section = page.get_by_role("region", name=re.compile(f"^{criterion}:"))
            section.get_by_role("group", name=f"Uw score voor {criterion}").get_by_label(
                score
            ).check()
            section.get_by_label(re.compile("^Motivering")).fill(MOTIVATION)
            section.get_by_role("button", name=f"Score {criterion} opslaan").click()
            scan_blind()
            expect(page.get_by_role("status")).to_have_text(
                f"Uw score voor {criterion} is opgeslagen."
            )
        committee_home()
        queue = page.get_by_role("table", name="Uw inschrijvingen om te beoordelen")
        expect(queue.get_by_role("row").filter(has_text=code)).to_contain_text("5 / 5")

    scores = {chair: "6 – voldoende", member: "8 – goed", conflicted: "10 – uitstekend"}
    for evaluator in (chair, member):
        log_in_evaluator(evaluator)
        sign(None)
        queue = page.get_by_role("table", name="Uw inschrijvingen om te beoordelen")
        expect(queue.get_by_role("row")).to_have_count(3)
        for code in sorted(codes.values()):
            score_bid(code, scores[evaluator])
        log_out()

    # The third evaluator declares a conflict with the first provider: it never sees that bid.
    log_in_evaluator(conflicted)
    sign(first)
    queue = page.get_by_role("table", name="Uw inschrijvingen om te beoordelen")
    expect(queue.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("main")).not_to_contain_text(conflicted_code)
    score_bid(open_code, scores[conflicted])
    refused = page.goto(f"/beoordelen/{tid}/inschrijving/{conflicted_code.split()[-1].lstrip('0')}")
    assert refused is not None and refused.status == 404
    scan_blind()
    expect(page.get_by_role("main")).not_to_contain_text(conflicted_code)
    log_out()

    # -- The chair records consensus on the bid all three scored. ------------------------------
    log_in_evaluator(chair)
    queue = page.get_by_role("table", name="Uw inschrijvingen om te beoordelen")
    expect(queue.get_by_role("row").filter(has_text=open_code)).to_contain_text("open (0 / 5)")
    queue.get_by_role("link", name=f"Consensus {open_code}").click()
    scan_blind()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Consensus: {open_code}")
    for criterion in CRITERIA:
        section = page.get_by_role("region", name=re.compile(f"^{criterion}:"))
        # Side by side: all three individual scores, and the spread of 4 points is flagged.
        individual = section.get_by_role("table", name=f"Individuele scores voor {criterion}")
        for evaluator in setting.evaluators:
            expect(individual.get_by_role("row").filter(has_text=evaluator.name)).to_be_visible()
        expect(section.get_by_text("Grote spreiding: 4 punten")).to_be_visible()
        section.get_by_role("group", name=f"Consensusscore {criterion}").get_by_label(
            "8 – goed"
        ).check()
        section.get_by_label("Motivering van de commissie").fill(CONSENSUS)
        section.get_by_role("button", name=f"Consensus {criterion} vastleggen").click()
        scan_blind()
        expect(page.get_by_role("status")).to_have_text(
            f"De consensusscore voor {criterion} is vastgelegd."
        )
        expect(page.get_by_role("region", name=re.compile(f"^{criterion}:"))).to_contain_text(
            "Consensus: 8 (versie 1)"
        )
    # The chair reopens one consensus (a reason is required), then records it again.
    first = CRITERIA[0]
    section = page.get_by_role("region", name=re.compile(f"^{first}:"))
    reason = section.get_by_label(re.compile(f"Reden om de consensus voor {first} te heropenen"))
    reason.fill("kort")
    section.get_by_role("button", name=f"Consensus {first} heropenen").click()
    scan_blind()
    section = page.get_by_role("region", name=re.compile(f"^{first}:"))
    expect(section.get_by_text("Geef een reden van minstens 10")).to_be_visible()
    reason = section.get_by_label(re.compile(f"Reden om de consensus voor {first} te heropenen"))
    expect(reason).to_have_value("kort")
    reason.fill("De commissie wil de motivering aanscherpen.")
    section.get_by_role("button", name=f"Consensus {first} heropenen").click()
    scan_blind()
    expect(page.get_by_role("status")).to_contain_text(f"De consensus voor {first} is heropend")
    section = page.get_by_role("region", name=re.compile(f"^{first}:"))
    expect(section).to_contain_text("Consensus heropend")
    section.get_by_role("group", name=f"Consensusscore {first}").get_by_label("8 – goed").check()
    section.get_by_label("Motivering van de commissie").fill(CONSENSUS)
    section.get_by_role("button", name=f"Consensus {first} vastleggen").click()
    scan_blind()
    expect(page.get_by_role("region", name=re.compile(f"^{first}:"))).to_contain_text(
        "Consensus: 8 (versie 3)"
    )
    committee_home()
    queue = page.get_by_role("table", name="Uw inschrijvingen om te beoordelen")
    expect(queue.get_by_role("row").filter(has_text=open_code)).to_contain_text("vastgelegd")
    log_out()

    # -- The inkoper sees the consensus complete for that bid. ------------------------------
    log_in(setting.inkopers[0].email, PASSWORD)
    open_tender()
    page.get_by_role("link", name="Voortgang en scores").click()
    check_a11y()
    progress = page.get_by_role("table", name="Voortgang per inschrijving en beoordelaar")
    done = progress.get_by_role("row").filter(has_text=open_code)
    expect(done.get_by_role("cell")).to_have_text(["5 / 5", "5 / 5", "5 / 5", "5 / 5"])
    other = progress.get_by_role("row").filter(has_text=conflicted_code)
    expect(other.get_by_role("cell")).to_have_text(
        ["5 / 5", "5 / 5", "n.v.t. (belangenverstrengeling)", "0 / 5"]
    )
    expect(page.get_by_text(f"{open_code}: consensus ontbreekt")).to_have_count(0)
    expect(page.get_by_text(f"{conflicted_code}: consensus ontbreekt voor")).to_be_visible()
