"""Engines and sessions: one synchronous SQLAlchemy layer for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
WRITE_LOCK_OPTION = "wugong_write_lock"


def normalize_url(url: str | URL) -> URL:
    """The URL with PostgreSQL pointed at psycopg 3 (``postgresql://`` and ``postgres://`` too)."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url``; extra keyword arguments go to ``sqlalchemy.create_engine``.

    SQLite gets its parent folder created and, on every connection, WAL, a busy timeout and
    foreign keys (which SQLite leaves off by default). PostgreSQL gets ``pool_pre_ping`` so a
    restarted server costs one failed ping, not a failed request. Both hide the statements'
    parameters from their errors and logs (``hide_parameters``): they are personal data, and
    an error's text (a NUL byte's on PostgreSQL) would otherwise quote them.
    """
    parsed = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite_transaction)
        return engine
    if backend == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(parsed, **kwargs)


def _configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and cannot take a write lock up
    # front; SQLAlchemy's documented recipe: switch it off and emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: sa.Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_LOCK_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def lock_for_writing(session: Session) -> None:
    """Make the session's transaction a writer from its start.

    On SQLite the transaction takes the database's write lock now (BEGIN IMMEDIATE), which
    serialises such transactions as PostgreSQL's row locks would; elsewhere nothing changes.
    Call it before the session's first statement.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":  # the only backend whose BEGIN it changes
        session.connection(execution_options={WRITE_LOCK_OPTION: True})


@contextmanager
def writing(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that is a writer from its first statement, committed when the block ends.

    On SQLite a transaction that reads and then writes fails with "database is locked" when
    another writer committed in between (its snapshot is stale, and the busy timeout does not
    apply); taking the write lock first makes it wait its turn instead. Never wait for anything
    else (a rate limit, the network) inside it: every other writer waits too.
    """
    with factory.begin() as session:
        lock_for_writing(session)
        yield session


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (they are handed across threads)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends normally, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
