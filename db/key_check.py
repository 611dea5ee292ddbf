"""The secret key check: the database keeps the fingerprint of the key it is written with.

A process started with another WUGONG_SECRET_KEY would read every blind index as unknown
("not in the list") and fail on every ciphertext; `record_or_check` makes it refuse to start
instead, and `key_status` is the same comparison for /healthz.
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from sqlalchemy import Engine

from db.errors import DecryptionError, WrongKeyError
from db.models import KeyCheck, Person

ROW = 1
KeyStatus = Literal["ok", "mismatch", "unrecorded"]


def _table_exists(engine: Engine) -> bool:
    return sa.inspect(engine).has_table(KeyCheck.__tablename__)


def _stored(connection: sa.Connection) -> str | None:
    return connection.scalar(sa.select(KeyCheck.fingerprint).where(KeyCheck.id == ROW))


WRONG_KEY = (
    "WUGONG_SECRET_KEY differs from the key this database was written with: "
    "start with that key (its personal data cannot be read with another one)"
)


def record_or_check(engine: Engine, fingerprint: str) -> None:
    """Write the fingerprint if the database has none yet, else raise WrongKeyError when it
    differs. A database not yet migrated this far is left alone (the next start records it).

    Before the first fingerprint is written, one stored ID number is decrypted: a database
    that already holds people written under another key (upgraded to 0014 by a process with
    a changed key) is refused too, rather than recorded under the wrong key.
    """
    if not _table_exists(engine):
        return
    with engine.begin() as connection:
        stored = _stored(connection)
        if stored is None:
            _check_readable(connection)
            connection.execute(_insert_once(engine, fingerprint))
            stored = _stored(connection)
    if stored != fingerprint:
        raise WrongKeyError(WRONG_KEY)


def _check_readable(connection: sa.Connection) -> None:
    try:
        connection.execute(sa.select(Person.id_number).limit(1)).all()  # decrypted on reading
    except DecryptionError:
        raise WrongKeyError(WRONG_KEY) from None


def _insert_once(engine: Engine, fingerprint: str) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING: of two processes starting at once, the second one's
    insert does nothing and it compares with the first one's."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(KeyCheck).values(id=ROW, fingerprint=fingerprint).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(KeyCheck).values(id=ROW, fingerprint=fingerprint).on_conflict_do_nothing()


def key_status(engine: Engine, fingerprint: str) -> KeyStatus:
    """ok, mismatch, or unrecorded (no process has started on this database since 0014)."""
    with engine.connect() as connection:
        stored = _stored(connection)
    if stored is None:
        return "unrecorded"
    return "ok" if stored == fingerprint else "mismatch"
