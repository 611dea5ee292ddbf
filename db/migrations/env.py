"""Alembic environment: runs on a connection passed by db.migrate, or on a URL (-x url=...)."""

from __future__ import annotations

import logging.config
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

import db.models  # noqa: F401 - registers every table on Base.metadata
from db.base import Base
from db.engine import make_engine
from db.errors import MigrationError

config = context.config
MIGRATION_LOCK_ID = 0x77756701  # "wug" + 1: an arbitrary key for pg_advisory_xact_lock
target_metadata = Base.metadata


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying tables
        compare_type=True,
        **kwargs,
    )


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise MigrationError("no database URL: pass -x url=... or set sqlalchemy.url")
    return url


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations recreate tables; with foreign keys on, dropping a referenced table
        # would fail or cascade. SQLite ignores this pragma inside a transaction, and every
        # statement through SQLAlchemy opens one (db.engine emits BEGIN): hence the driver's
        # own connection, in autocommit, once any open transaction is committed.
        _foreign_keys(connection, on=False)
    try:
        _configure(connection=connection)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several processes may start at once and all migrate: the first one does the
                # work, the others wait here and then find the database at head.
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
            context.run_migrations()
        if sqlite:
            violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if violations:
                raise MigrationError(f"foreign keys broken by the migration: {violations[:10]}")
    finally:
        if sqlite:
            _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign key enforcement, outside any transaction."""
    if connection.in_transaction():
        connection.commit()
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


if config.config_file_name is not None and not config.attributes.get("connection"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
