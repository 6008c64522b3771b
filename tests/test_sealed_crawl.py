"""Sealed means sealed: before the opening no staff page names a bidder.

Every staff role logs in, starts at "/" and follows every same-origin link and
download it can reach by GET; no response (HTML, CSV, XLSX, PDF, ZIP, JSON)
may contain a bidder's organisation name, e-mail address, KvK number, contact
person or plan text. Checked while the tender is published, after the
deadline, and after one inkoper started the opening that a second has not yet
confirmed.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import openpyxl
import pypdf
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tender import clock
from tender.accounts import service as accounts
from tender.accounts.models import Role, User
from tender.audit_trail import MASKED_LABEL
from tender.bids import service as bids
from tender.bids.models import Attachment, Bid
from tender.bids.uploads import uploads_dir
from tender.documents.models import Document
from tender.documents.service import documents_dir
from tender.evaluation import service as evaluation
from tender.qa import service as qa
from tender.qa.models import Question
from tender.tenders import service as tenders
from tender.tenders.models import Tender, TenderState
from tests.factories import (
    PASSWORD,
    ask_question,
    login,
    make_complete_bid,
    make_published_tender,
    make_user,
)

MAX_PAGES_PER_USER = 800


@dataclass(frozen=True)
class Bidder:
    name: str
    kvk: str
    email: str
    contact: str
    plan: str

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.name, self.kvk, self.email, self.contact, self.plan)


BIDDERS = (
    Bidder(
        "Kwartelkoning Thuisbegeleiding",
        "61728394",
        "inschrijving@kwartelkoning-zorg.example",
        "Hendrika Wolkenveld",
        "Plantekst-Kwartelkoning-buurtteams",
    ),
    Bidder(
        "Zilverreiger Wijkzorg",
        "72839405",
        "tender@zilverreiger-wijkzorg.example",
        "Bartholomeus IJzerkamp",
        "Plantekst-Zilverreiger-herstel",
    ),
    Bidder(
        "Boomklever Zorgnetwerk",
        "83940516",
        "aanbesteding@boomklever-netwerk.example",
        "Cornelia Vlasbloemen",
        "Plantekst-Boomklever-ervaringsdeskundigen",
    ),
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _links(base: str, html: str) -> Iterator[str]:
    parser = _Links()
    parser.feed(html)
    for href in parser.hrefs:
        url = urldefrag(urljoin(base, href)).url
        parts = urlsplit(url)
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
            continue  # another origin, mailto:, tel:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith("/static/"):
            continue
        yield path


def _pdf_text(content: bytes) -> str:
    return "\n".join(
        page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(content)).pages
    )


def _xlsx_text(content: bytes) -> str:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def _text(content: bytes) -> str:
    """Everything a reader of the response could see, as text."""
    if content.startswith(b"%PDF"):
        return _pdf_text(content)
    if content.startswith(b"PK"):
        archive = zipfile.ZipFile(io.BytesIO(content))
        if "xl/workbook.xml" in archive.namelist():
            return _xlsx_text(content)
        return "\n".join(name + "\n" + _text(archive.read(name)) for name in archive.namelist())
    return content.decode("utf-8", errors="replace")


def _normalised(text: str) -> str:
    # PDF text extraction may break lines or double spaces inside a name.
    return re.sub(r"\s+", " ", text).casefold()


def route_seeds(app: Flask, values: dict[str, list[Any]]) -> list[str]:
    """Every GET route filled in with every known id, so that pages nobody links to
    (yet) are visited too; routes with an argument we have no values for are left out."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        names = sorted(rule.arguments)
        choices = []
        for name in names:
            converter = rule._converters[name]
            choices.append(getattr(converter, "items", None) or values.get(name, []))
        for combination in itertools.product(*choices):
            urls.append(adapter.build(rule.endpoint, dict(zip(names, combination, strict=True))))
    return urls


def crawl(client: FlaskClient, seeds: list[str]) -> tuple[dict[str, str], list[str]]:
    """(text of every reached URL, server errors), following links from '/' and ``seeds``."""
    seen: dict[str, str] = {}
    errors: list[str] = []
    queue = ["/", *seeds]
    while queue and len(seen) < MAX_PAGES_PER_USER:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"{url}: {response.status_code}")
        text = _text(response.data)
        seen[url] = text
        if response.status_code in (301, 302, 303, 307, 308):
            queue.extend(_links(url, f'<a href="{response.headers["Location"]}"></a>'))
        elif response.mimetype == "text/html":
            queue.extend(link for link in _links(url, text) if link not in seen)
    return seen, errors


def leaks(pages: dict[str, str]) -> list[str]:
    found = []
    for url, text in pages.items():
        haystack = _normalised(text)
        for bidder in BIDDERS:
            for secret in bidder.secrets:
                if _normalised(secret) in haystack:
                    found.append(f"{url} shows {secret!r}")
    return found


@dataclass
class World:
    tender: Tender
    officers: list[User]
    staff: dict[str, User]
    providers: list[User]


def _register(session: Session, bidder: Bidder, now: datetime) -> User:
    return accounts.register_provider(
        session,
        organisation_fields={
            "name": bidder.name,
            "kvk_number": bidder.kvk,
            "street_address": "Molenweg 12",
            "postcode": "3431 AB",
            "city": "Nieuwegein",
            "contact_person": bidder.contact,
            "email": bidder.email,
            "phone": "030 123 45 67",
            "website": "",
        },
        email=bidder.email,
        name=bidder.contact,
        password=PASSWORD,
        now=now,
    )


def build_world(app: Flask, session: Session, now: datetime) -> World:
    """A published tender with three submitted bids, a committee, a question and a
    published Q&A round whose notification went to the outbox."""
    tender = make_published_tender(session, now=now)
    officers = [make_user(session, Role.PROCUREMENT_OFFICER, now=now) for _ in range(2)]
    chair = make_user(session, Role.EVALUATOR, now=now)
    member = make_user(session, Role.EVALUATOR, now=now)
    for user, is_chair in ((chair, True), (member, False)):
        evaluation.add_member(
            session, tender=tender, user=user, is_chair=is_chair, actor=officers[0], now=now
        )
    providers = []
    for bidder in BIDDERS:
        provider = _register(session, bidder, now)
        bid = make_complete_bid(
            session,
            tender=tender,
            provider=provider,
            now=now,
            storage_dir=uploads_dir(app.instance_path),
            plan_text=bidder.plan,
        )
        bids.submit(session, bid=bid, actor=provider, now=now)
        providers.append(provider)
    question = ask_question(session, tender, asker=providers[0], now=now)
    qa.answer_question(
        session, question=question, answer="Ja, dat mag.", actor=officers[0], now=now
    )
    session.commit()
    staff = {
        "inkoper (start opening)": officers[0],
        "inkoper": officers[1],
        "voorzitter": chair,
        "beoordelaar": member,
        "adviesraad": make_user(session, Role.ADVISORY_COUNCIL, now=now),
        "beheerder": make_user(session, Role.ADMINISTRATOR, now=now),
    }
    session.commit()
    return World(tender, officers, staff, providers)


def _publish_qa_round(app: Flask, world: World) -> None:
    """Through the view, so that every provider's notification lands in the outbox."""
    client = app.test_client()
    login(client, world.officers[0])
    response = client.post(f"/aanbestedingen/{world.tender.id}/vragen/publiceren", data={})
    assert response.status_code == 302


def _provider_traces(app: Flask, session: Session, world: World) -> None:
    """A provider reads its own bid; an inkoper tries to read a sealed bid (refused)."""
    bid = bids.organisation_bids(session, world.providers[1].organisation_id)[world.tender.id]
    own = app.test_client()
    login(own, world.providers[1])
    assert own.get(f"/inschrijvingen/{bid.id}").status_code == 200
    officer = app.test_client()
    login(officer, world.officers[1])
    assert officer.get(f"/inschrijvingen/{bid.id}").status_code == 403


def known_ids(session: Session, tender: Tender) -> dict[str, list[Any]]:
    """Every id a URL of this tender can take."""

    def ids(column: Any) -> list[int]:
        return list(session.scalars(select(column)))

    return {
        "tender_id": [tender.id],
        "bid_id": ids(Bid.id),
        "number": [1, 2, 3],
        "criterion_id": [c.id for c in tender.criteria],
        "question_id": ids(Question.id),
        "attachment_id": ids(Attachment.id),
        "document_id": ids(Document.id),
        "dossier_id": [999_999],
    }


PHASES = ("gepubliceerd", "gesloten", "opening gestart")


@pytest.mark.parametrize("phase", PHASES)
def test_no_staff_page_names_a_bidder_before_opening(
    app: Flask, session: Session, now: datetime, phase: str
) -> None:
    world = build_world(app, session, now)
    clock.set_clock(lambda: now + timedelta(hours=1))
    _publish_qa_round(app, world)
    _provider_traces(app, session, world)
    if phase != "gepubliceerd":
        after_deadline = world.tender.submission_deadline + timedelta(hours=1)
        clock.set_clock(lambda: after_deadline)
        tenders.close_if_due(session, tender=world.tender, now=after_deadline)
        if phase == "opening gestart":
            evaluation.start_opening(
                session, tender=world.tender, actor=world.officers[0], now=after_deadline
            )
        session.commit()
    expected = {
        "gepubliceerd": TenderState.PUBLISHED,
        "gesloten": TenderState.CLOSED,
        "opening gestart": TenderState.CLOSED,
    }[phase]
    assert world.tender.state == expected
    seeds = route_seeds(app, known_ids(session, world.tender))

    problems: list[str] = []
    for role, user in world.staff.items():
        client = app.test_client()
        login(client, user)
        pages, errors = crawl(client, seeds)
        reached = {url for url, text in pages.items() if text}
        assert len(reached) > 3, f"{role} reached only {sorted(reached)}"
        # Revealing who asked a question is a POST (audited): the crawl never follows it.
        problems += [f"{role}: {e}" for e in errors + leaks(pages)]
        if user.role == Role.PROCUREMENT_OFFICER:  # the Logboek was read, not refused
            assert MASKED_LABEL in pages[f"/aanbestedingen/{world.tender.id}/logboek"]
    assert not problems, "\n".join(problems)


def test_the_crawl_finds_the_bidders_once_the_bids_are_opened(
    app: Flask, session: Session, now: datetime
) -> None:
    """The crawler itself works: after the opening the inkoper does reach the names."""
    world = build_world(app, session, now)
    after_deadline = world.tender.submission_deadline + timedelta(hours=1)
    clock.set_clock(lambda: after_deadline)
    tenders.close_if_due(session, tender=world.tender, now=after_deadline)
    evaluation.start_opening(
        session, tender=world.tender, actor=world.officers[0], now=after_deadline
    )
    evaluation.confirm_opening(
        session,
        tender=world.tender,
        actor=world.officers[1],
        now=after_deadline,
        storage_dir=documents_dir(app.instance_path),
        uploads_dir=uploads_dir(app.instance_path),
    )
    session.commit()
    client = app.test_client()
    login(client, world.officers[1])
    pages, errors = crawl(client, [])
    assert errors == []
    found = "\n".join(leaks(pages))
    for bidder in BIDDERS:
        assert bidder.name in found and bidder.email in found and bidder.kvk in found
