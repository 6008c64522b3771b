"""Fixtures: a fresh app per test, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

Every test that asks for ``app``, ``session`` or ``client`` runs once per
database. The schema is migrated once per database per session; after each
test all tables are emptied.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import factories
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from tender import clock, create_app, migrate
from tender.accounts import service as accounts_service
from tender.accounts.models import Role, User
from tender.bids import uploads
from tender.documents.service import documents_dir
from tender.extensions import limiter
from tender.models import Base

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and not TEST_DATABASE_URL:
        raise pytest.UsageError("CI is set but TEST_DATABASE_URL is not: PostgreSQL must be tested")


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database beside ``url``'s
    (``test`` -> ``test_gw0``), created when missing, so workers never share tables."""
    if worker == "master":
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        assert TEST_DATABASE_URL
        url = _worker_database(TEST_DATABASE_URL, worker_id)
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    # The schema the app runs on is the one the migrations build.
    migrate.upgrade(url)
    return url


def _empty_all_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test accounts are hashed with a low-cost method: scrypt dominates test time."""
    monkeypatch.setattr(accounts_service, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "DOCUMENT_JOBS_INLINE": True,
            "CRITERIA_DIR": str(Path(__file__).resolve().parent.parent / "criteria"),
        },
        instance_path=str(tmp_path / "instance"),
    )
    factories.use_documents_dir(documents_dir(application.instance_path))
    limiter.reset()  # login counts never carry over from another test
    yield application
    application.extensions["tender.engine"].dispose()
    clock.set_clock(None)
    _empty_all_tables(database_url)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the app's database, for service-level tests.

    No app context stays pushed: requests made by the test client in the same
    test must get their own ``g`` (current user, request session), as in real use.
    """
    db = app.extensions["tender.sessionmaker"]()
    yield db
    db.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' for service tests (a Tuesday, Amsterdam winter time)."""
    return datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


@pytest.fixture
def submittable_bid(app: Flask, now: datetime) -> Iterator[tuple[int, User]]:
    """A complete bid on a published tender, not yet submitted, at a clock set to ``now``:
    the bid's id and its provider (for ``factories.login``)."""
    db = app.extensions["tender.sessionmaker"]()
    tender = factories.make_published_tender(db, now=now)
    provider = factories.make_user(db, Role.PROVIDER, now=now)
    bid = factories.make_complete_bid(
        db,
        tender=tender,
        provider=provider,
        now=now,
        storage_dir=uploads.uploads_dir(app.instance_path),
    )
    db.commit()
    clock.set_clock(lambda: now)
    yield bid.id, provider
    db.close()
