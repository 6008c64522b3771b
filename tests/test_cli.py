"""The flask commands: criteria check, tender import, user create, demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import LEKSTROOM
from flask import Flask
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.orm import Session

from tender import create_app, migrate
from tender.accounts.models import User
from tender.tenders.models import Tender, TenderState

LEKSTROOM_TEXT = LEKSTROOM.read_text(encoding="utf-8")


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    """The Lekstroom file with the first occurrence of ``old`` replaced."""
    assert old in LEKSTROOM_TEXT, old
    path = tmp_path / "variant.toml"
    path.write_text(LEKSTROOM_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def test_criteria_check_accepts_lekstroom(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["criteria", "check", str(LEKSTROOM)])
    assert result.exit_code == 0, result.output
    assert "in orde" in result.output


BAD_FILES = {
    "unknown key": (
        'award_mode = "threshold"',
        'award_mode = "threshold"\nawardmode = "threshold"',
        "tender.awardmode: onbekend veld",
    ),
    "minimum not on the scale": ("minimum = 6", "minimum = 5", "criteria[1].minimum"),
    "lot names unknown target group": (
        'target_groups = ["PG", "PSY", "NAH", "LVB", "CP"]',
        'target_groups = ["PG", "PSY", "NAH", "LVB", "XYZ"]',
        "lots[1].target_groups",
    ),
    "duplicate municipality code": ('code = "0353"', 'code = "0321"', "municipalities[2].code"),
    "5-year contract": ("initial_years = 2", "initial_years = 3", "contract: de totale looptijd"),
    "ranked without max_awards": (
        'award_mode = "threshold"',
        'award_mode = "ranked"',
        "lots[1].max_awards",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_criteria_check_refuses_with_field_and_exit_1(
    app: Flask, tmp_path: Path, case: str
) -> None:
    old, new, field = BAD_FILES[case]
    path = _variant(tmp_path, old, new)
    result = app.test_cli_runner().invoke(args=["criteria", "check", str(path)])
    assert result.exit_code == 1
    assert field in result.output
    assert "Traceback" not in result.output


def test_tender_import_creates_concept_and_prints_reference(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(args=["tender", "import", str(LEKSTROOM)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "LEK-WMO-IB-2022"
    tender = session.scalar(select(Tender).where(Tender.reference == "LEK-WMO-IB-2022"))
    assert tender is not None and tender.state == TenderState.CONCEPT
    assert len(tender.products) == 18 and len(tender.municipalities) == 5
    again = app.test_cli_runner().invoke(args=["tender", "import", str(LEKSTROOM)])
    assert again.exit_code == 1
    assert "bestaat al" in again.output


def test_tender_import_refuses_invalid_file(app: Flask, tmp_path: Path) -> None:
    path = _variant(tmp_path, "minimum = 6", "minimum = 5")
    result = app.test_cli_runner().invoke(args=["tender", "import", str(path)])
    assert result.exit_code == 1
    assert "criteria[1].minimum" in result.output


def test_user_create(app: Flask, session: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "--email",
            "Inkoper@Regio.nl",
            "--name",
            "Ineke",
            "--role",
            "inkoper",
            "--password",
            "een-lang-wachtwoord",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "inkoper@regio.nl"))
    assert user is not None and user.role == "inkoper"
    short = app.test_cli_runner().invoke(
        args=["user", "create", "--email", "a@b.nl", "--name", "A", "--role", "beheerder",
              "--password", "kort"]
    )  # fmt: skip
    assert short.exit_code == 1
    assert "minstens 12 tekens" in short.output


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of the same kind with nothing in it (no schema, no migrations run)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    base = make_url(database_url)
    name = f"{base.database}_empty"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _commands(out: Path) -> dict[str, list[str]]:
    return {
        "tender import": ["tender", "import", str(LEKSTROOM)],
        "tender verify": ["tender", "verify", "LEK-WMO-IB-2022"],
        "user create": [
            "user", "create", "--email", "inkoper@gemeente.example", "--name", "Ina Inkoper",
            "--role", "inkoper", "--password", "een-lang-tijdelijk-wachtwoord-7",
        ],
        "audit verify": ["audit", "verify"],
        "coverage": ["coverage", "LEK-WMO-IB-2022"],
        "documents": ["documents", "LEK-WMO-IB-2022", "--out", str(out)],
        "tender ocds": ["tender", "ocds", "LEK-WMO-IB-2022", "--out", str(out / "ocds.json")],
    }  # fmt: skip


def test_every_command_on_an_empty_database_asks_for_db_upgrade_first(
    empty_database_url: str, tmp_path: Path
) -> None:
    """Issue 14 item 8: no traceback, a Dutch instruction, exit 1, nothing written."""
    app = create_app(
        {"DATABASE_URL": empty_database_url, "TESTING": True},
        instance_path=str(tmp_path / "instance"),
    )
    runner = app.test_cli_runner()
    for label, args in _commands(tmp_path / "uit").items():
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (label, result.output)
        assert "De database is nog leeg" in result.output, (label, result.output)
        assert "flask --app tender db upgrade" in result.output, label
        assert "Traceback" not in result.output, label
        assert isinstance(result.exception, SystemExit), (label, result.exception)
    # After the upgrade the same command works.
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=_commands(tmp_path / "uit")["user create"])
    assert result.exit_code == 0, result.output
    app.extensions["tender.engine"].dispose()


def test_a_command_on_an_older_schema_asks_for_db_upgrade(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, "0017_contract_clauses")
    app = create_app(
        {"DATABASE_URL": empty_database_url, "TESTING": True},
        instance_path=str(tmp_path / "instance"),
    )
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "niet bijgewerkt (versie 0017_contract_clauses" in result.output
    assert "db upgrade" in result.output
    app.extensions["tender.engine"].dispose()
