"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tender import migrate
from tender.models import Base


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the same server as the test database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


def test_upgrade_head_then_check_finds_no_difference(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url)
    migrate.check(empty_database_url)  # raises when models and migrations differ
    engine = create_engine(empty_database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_existing_provider_accounts_become_their_organisations_beheerder(
    empty_database_url: str,
) -> None:
    """Issue 14: before 0021 an organisation had one account; it keeps submitting."""
    migrate.upgrade(empty_database_url, "0020_refused_hits")
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (id, name, kvk_number, street_address, postcode, city, "
                "contact_person, email, phone, website, is_demo, created_at) VALUES (1, 'Zorg', "
                "'12345678', 'Dorpsstraat 1', '3995 AA', 'Houten', 'P', 'p@example.org', '', '', "
                ":no, '2026-11-24 13:00:00')"
            ),
            {"no": False},
        )
        for user_id, role, organisation in ((1, "aanbieder", 1), (2, "inkoper", None)):
            connection.execute(
                text(
                    "INSERT INTO user_account (id, email, name, password_hash, role, "
                    "organisation_id, active, is_demo, created_at, must_change_password) VALUES "
                    "(:id, :email, 'N', 'x', :role, :organisation, :yes, :no, "
                    "'2026-11-24 13:00:00', :no)"
                ),
                {
                    "id": user_id,
                    "email": f"u{user_id}@example.org",
                    "role": role,
                    "organisation": organisation,
                    "yes": True,
                    "no": False,
                },
            )
    engine.dispose()
    migrate.upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        rows = dict(
            connection.execute(
                text("SELECT id, organisation_admin FROM user_account ORDER BY id")
            ).all()
        )
        status = connection.execute(text("SELECT kvk_status FROM organisation")).scalar_one()
    engine.dispose()
    assert rows == {1: True, 2: False}
    assert status == "niet gecontroleerd"
