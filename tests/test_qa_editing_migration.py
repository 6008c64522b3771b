"""Migration 0023: questions asked before it keep their wording as the asker's, and
published rounds keep the numbers they were published with (asking order, as then)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Boolean, Date, DateTime, Integer, MetaData, Numeric, create_engine, select
from sqlalchemy.engine import Connection
from test_migrations import empty_database_url  # noqa: F401  (a fixture)

from tender import migrate
from tender.tenders.models import TenderState

BEFORE = "0022_schedule_changes"
MOMENT = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _insert(connection: Connection, metadata: MetaData, table: str, **values: Any) -> int:
    """A row with ``values`` and a plain value in every other required column."""
    columns = metadata.tables[table].columns
    row = dict(values)
    for column in columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        if column.primary_key:
            continue
        if column.foreign_keys:
            raise AssertionError(f"{table}.{column.name}: give a value")
        kind = column.type
        if isinstance(kind, Boolean):
            row[column.name] = False
        elif isinstance(kind, Integer | Numeric):
            row[column.name] = 1
        elif isinstance(kind, DateTime):
            row[column.name] = MOMENT.replace(tzinfo=None)
        elif isinstance(kind, Date):
            row[column.name] = MOMENT.date()
        else:
            row[column.name] = f"{column.name}-{table}"[: getattr(kind, "length", None) or 100]
    result = connection.execute(metadata.tables[table].insert().values(**row))
    return result.inserted_primary_key[0]


def _world(url: str) -> tuple[int, list[int]]:
    """A tender with one published round of three questions and one unpublished
    question, at the revision before 0023."""
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        organisation = _insert(connection, metadata, "organisation")
        user = _insert(connection, metadata, "user_account", organisation_id=organisation)
        tender = _insert(
            connection,
            metadata,
            "tender",
            state=TenderState.PUBLISHED.value,
            award_mode="threshold",
            standstill_days=20,
        )
        qa_round = _insert(
            connection, metadata, "qa_round", tender_id=tender, number=1, published_by_id=user
        )
        ids = [
            _insert(
                connection,
                metadata,
                "question",
                tender_id=tender,
                organisation_id=organisation,
                asked_by_id=user,
                text=f"Vraag {n}",
                qa_round_id=qa_round if n < 3 else None,
            )
            for n in range(4)
        ]
    engine.dispose()
    return tender, ids


def test_upgrade_keeps_the_wording_and_the_published_numbers(
    empty_database_url: str,  # noqa: F811
) -> None:
    migrate.upgrade(empty_database_url, BEFORE)
    _, ids = _world(empty_database_url)
    migrate.upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    question = metadata.tables["question"]
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                question.c.id, question.c.text, question.c.asked_text, question.c.published_number
            ).order_by(question.c.id)
        ).all()
    engine.dispose()
    assert [(r.text, r.asked_text) for r in rows] == [
        (f"Vraag {n}", f"Vraag {n}") for n in range(4)
    ]
    assert [r.published_number for r in rows] == [1, 2, 3, None]
    assert [r.id for r in rows] == ids


def test_downgrade_refuses_to_lose_the_inkopers_own_questions(
    empty_database_url: str,  # noqa: F811
) -> None:
    migrate.upgrade(empty_database_url, BEFORE)
    tender, _ = _world(empty_database_url)
    migrate.upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        user = connection.execute(select(metadata.tables["user_account"].c.id)).scalar_one()
        _insert(
            connection,
            metadata,
            "question",
            tender_id=tender,
            organisation_id=None,
            asked_by_id=user,
            text="Eigen vraag",
            asked_text="Eigen vraag",
        )
    engine.dispose()
    with pytest.raises(RuntimeError, match="downgrade geweigerd"):
        command.downgrade(migrate.alembic_config(empty_database_url), BEFORE)
