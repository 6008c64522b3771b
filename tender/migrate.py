"""Schema migrations through Alembic, configured in code (no alembic.ini needed)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from tender.config import normalise_database_url


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "tender:migrations")
    # '%' would be read as interpolation by configparser.
    config.set_main_option(
        "sqlalchemy.url", normalise_database_url(database_url).replace("%", "%%")
    )
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise when the models differ from what the migrations create."""
    command.check(alembic_config(database_url))


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def schema_problem(database_url: str) -> str | None:
    """In Dutch, why the database cannot be used yet (empty, or migrations to run), or
    None when its schema is at the newest migration."""
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    command_text = "flask --app tender db upgrade"
    if not current:
        return f"De database is nog leeg. Voer eerst '{command_text}' uit."
    if current != heads:
        return (
            f"Het databaseschema is niet bijgewerkt (versie {', '.join(sorted(current))}, "
            f"nieuwste {', '.join(sorted(heads))}). Voer eerst '{command_text}' uit."
        )
    return None
