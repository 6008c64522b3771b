"""The listing pages and exports issue as many statements at 50 bids as at 5 (issue 16).

The demo tender is built once per database at 5 and at 50 scored bids; every page
below is requested as the role that uses it and its statements counted. A query
inside a loop over bids, users or evaluators makes the two counts differ. The user
list grows with the bids too: every demo bid has its own provider account.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import factories
import pytest
from conftest import _empty_all_tables
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from statements import counted, scaled_tender

from tender import clock, create_app
from tender.accounts import service as accounts_service
from tender.accounts import views as account_views
from tender.accounts.models import Role, User
from tender.bids.models import Attachment, Bid, Plan
from tender.documents.service import documents_dir
from tender.extensions import limiter

NOW = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
SIZES = (5, 50)
LISTS_EVERY_BID = 25
ORDINARY = 15
# A provider's bid pages load each part of the bid and of the tender once (lots,
# declarations, coverage, network, plans, submissions ...); the bid comes with its
# tender, organisation, lots and coverage in one statement (tender.access.load_bid).
PROVIDER = ORDINARY

# name -> (who asks, path with {tender} and {bid}, most statements allowed)
PAGES: dict[str, tuple[str, str, int]] = {
    "dekking (inkoper)": ("inkoper", "/aanbestedingen/{tender}/dekking", LISTS_EVERY_BID),
    "dekking (adviesraad)": ("adviesraad", "/aanbestedingen/{tender}/dekking", LISTS_EVERY_BID),
    "export individueel": (
        "inkoper",
        "/aanbestedingen/{tender}/export/individueel",
        LISTS_EVERY_BID,
    ),
    "export consensus": ("inkoper", "/aanbestedingen/{tender}/export/consensus", LISTS_EVERY_BID),
    "export uitslag": ("inkoper", "/aanbestedingen/{tender}/export/uitslag", LISTS_EVERY_BID),
    "export xlsx": ("inkoper", "/aanbestedingen/{tender}/export/xlsx", LISTS_EVERY_BID),
    "logboek": ("inkoper", "/aanbestedingen/{tender}/logboek", ORDINARY),
    "aanbesteding": ("inkoper", "/aanbestedingen/{tender}", ORDINARY),
    "voortgang": ("inkoper", "/aanbestedingen/{tender}/voortgang", LISTS_EVERY_BID),
    "eisencontrole": ("inkoper", "/aanbestedingen/{tender}/eisen", LISTS_EVERY_BID),
    "inschrijving (aanbieder)": ("aanbieder", "/inschrijvingen/{bid}", PROVIDER),
    "inschrijving eisen (aanbieder)": ("aanbieder", "/inschrijvingen/{bid}/eisen", PROVIDER),
    "inschrijving dekking (aanbieder)": (
        "aanbieder",
        "/inschrijvingen/{bid}/dekking",
        PROVIDER,
    ),
    "inschrijving netwerk (aanbieder)": (
        "aanbieder",
        "/inschrijvingen/{bid}/netwerk",
        PROVIDER,
    ),
    "inschrijving logboek (aanbieder)": (
        "aanbieder",
        "/inschrijvingen/{bid}/logboek",
        PROVIDER,
    ),
}
CLI = "flask coverage --format json"


def _app(database_url: str, instance: Path) -> Flask:
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DOCUMENT_JOBS_INLINE": True,
            "CRITERIA_DIR": str(Path(__file__).resolve().parent.parent / "criteria"),
        },
        instance_path=str(instance),
    )
    factories.use_documents_dir(documents_dir(application.instance_path))
    limiter.reset()
    return application


def _counts_at(app: Flask, bids: int) -> dict[str, int]:
    """The statements of every page (and the CLI) on a tender with ``bids`` scored bids."""
    session = app.extensions["tender.sessionmaker"]()
    try:
        tender = scaled_tender(app, session, NOW, bids=bids, phase="scored")
        users = {user.email.split("@")[0]: user for user in session.scalars(select(User))}
        bids_of = select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.id)
        bid = session.scalars(bids_of).first()
        assert bid is not None
        owner = bid.organisation_id
        users["aanbieder"] = next(u for u in users.values() if u.organisation_id == owner)
        ids = {"tender": tender.id, "bid": bid.id}
        reference = tender.reference
    finally:
        session.close()
    result: dict[str, int] = {}
    for name, (who, path, _most) in PAGES.items():
        client = app.test_client()
        factories.login(client, users[who])
        client.get("/")  # the login's own statements stay out of the count
        with counted(app) as statements:
            response = client.get(path.format(**ids))
        assert response.status_code == 200, (name, response.status_code)
        result[name] = len(statements)
    with counted(app) as statements:
        outcome = app.test_cli_runner().invoke(args=["coverage", reference, "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    result[CLI] = len(statements)
    return result


@pytest.fixture(scope="module")
def counts(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """{page: {bids: statements}}, measured once per database for the whole module."""
    cheap, accounts_service.PASSWORD_HASH_METHOD = (
        accounts_service.PASSWORD_HASH_METHOD,
        "pbkdf2:sha256:1000",
    )
    measured: dict[str, dict[int, int]] = {}
    try:
        for bids in SIZES:
            app = _app(database_url, tmp_path_factory.mktemp(f"instance{bids}"))
            try:
                for name, number in _counts_at(app, bids).items():
                    measured.setdefault(name, {})[bids] = number
            finally:
                app.extensions["tender.engine"].dispose()
                clock.set_clock(None)
                _empty_all_tables(database_url)
    finally:
        accounts_service.PASSWORD_HASH_METHOD = cheap
    yield measured


@pytest.mark.parametrize("page", [*PAGES, CLI])
def test_statements_do_not_grow_with_the_bids(counts: dict, page: str) -> None:
    most = PAGES[page][2] if page in PAGES else LISTS_EVERY_BID
    at_5, at_50 = counts[page][5], counts[page][50]
    assert at_5 == at_50, f"{page}: {at_5} statements at 5 bids, {at_50} at 50"
    assert at_50 <= most, f"{page}: {at_50} statements, at most {most}"


def _user_list_statements(app: Flask, session: Session, admin: User) -> int:
    client = app.test_client()
    factories.login(client, admin)
    client.get("/")
    with counted(app) as statements:
        response = client.get("/beheer/gebruikers")
    assert response.status_code == 200
    return len(statements)


def test_the_user_list_issues_as_many_statements_at_50_users_as_at_5(
    app: Flask, session: Session, now: datetime
) -> None:
    admin = factories.make_user(session, Role.ADMINISTRATOR, now=now)
    roles = [Role.PROCUREMENT_OFFICER, Role.EVALUATOR, Role.ADVISORY_COUNCIL]
    for number in range(4):
        factories.make_user(session, roles[number % 3], now=now)
    session.commit()
    at_5 = _user_list_statements(app, session, admin)
    for number in range(45):
        factories.make_user(session, roles[number % 3], now=now)
    session.commit()
    at_50 = _user_list_statements(app, session, admin)
    assert at_5 == at_50 <= ORDINARY


def test_the_user_list_is_paged(
    app: Flask, session: Session, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(account_views, "USERS_PER_PAGE", 3)
    admin = factories.make_user(session, Role.ADMINISTRATOR, now=now)
    others = [factories.make_user(session, Role.EVALUATOR, now=now) for _ in range(4)]
    session.commit()
    client = app.test_client()
    factories.login(client, admin)
    first = client.get("/beheer/gebruikers").get_data(as_text=True)
    second = client.get("/beheer/gebruikers?page=2").get_data(as_text=True)
    beyond = client.get("/beheer/gebruikers?page=9").get_data(as_text=True)
    assert "5 accounts, pagina 1 van 2." in first and 'rel="next"' in first
    assert "pagina 2 van 2." in second and 'rel="prev"' in second
    assert beyond == second  # a page beyond the last shows the last
    shown = [u for u in [admin, *others] if f">{u.name}</a>" in first + second]
    assert len(shown) == 5
    assert sum(f">{u.name}</a>" in first for u in [admin, *others]) == 3


def _overview_statements(app: Flask, provider: User, bid_id: int) -> int:
    client = app.test_client()
    factories.login(client, provider)
    client.get("/")
    with counted(app) as statements:
        response = client.get(f"/inschrijvingen/{bid_id}")
    assert response.status_code == 200
    return len(statements)


def test_a_bid_page_does_not_query_per_attached_file(
    app: Flask, session: Session, now: datetime
) -> None:
    tender = scaled_tender(app, session, now, bids=1, phase="submitted")
    bid = session.scalars(select(Bid).where(Bid.tender_id == tender.id)).one()
    provider = session.scalars(
        select(User).where(User.organisation_id == bid.organisation_id)
    ).one()
    before = _overview_statements(app, provider, bid.id)
    files = [d for d in bid.requirement_declarations if d.evidence is None] + [
        p for p in bid.plans if p.attachment is None
    ]
    assert len(files) >= 2
    for number, item in enumerate(files):
        attachment = Attachment(
            bid=bid,
            original_filename=f"bewijs-{number}.pdf",
            stored_name=f"perfb-{number:04d}",
            size_bytes=10,
            sha256="0" * 64,
            uploaded_at=now,
            uploaded_by_id=provider.id,
        )
        if isinstance(item, Plan):
            item.attachment = attachment
        else:
            item.evidence = attachment
    session.commit()
    assert _overview_statements(app, provider, bid.id) == before
