"""Applying migrations from code: upgrade, current_revision and needs_upgrade (any cwd)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine

from db.engine import make_engine

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def alembic_config() -> Config:
    """The Alembic configuration of db/alembic.ini, found relative to this file."""
    return Config(str(ALEMBIC_INI))


def upgrade(url_or_engine: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision``; an engine given is used, a URL gets its own.

    Safe across processes (PostgreSQL takes an advisory lock), but not across threads of one
    process: Alembic keeps its running context in module globals.
    """
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    try:
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        if engine is not url_or_engine:
            engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def needs_upgrade(engine: Engine) -> bool:
    """True when the database is not at the head revision(s) of the migrations."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current != heads
