"""Engines, sessions and timestamps on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, normalize_url, session_scope
from db.enums import RegionLevel
from db.models import Person, Region

# Codes of no real division: the migrated database already holds Shanxi's register.
KEPT, ROLLED_BACK = "999901", "999902"


def test_plain_postgresql_urls_use_psycopg() -> None:
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///var/x.sqlite3").drivername == "sqlite"


def test_sqlite_gets_its_folder_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA busy_timeout").scalar() == 5000
            assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert path.exists()
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(Person(id_number="140581199003151232", name="张三", household_id=999))
    with pytest.raises(IntegrityError):
        session.flush()


def test_session_scope_commits_or_rolls_back(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        session.add(Region(code=KEPT, name="试点县", level=RegionLevel.COUNTY))
    with pytest.raises(RuntimeError), session_scope(session_factory) as session:
        session.add(Region(code=ROLLED_BACK, name="示范县", level=RegionLevel.COUNTY))
        session.flush()
        raise RuntimeError("the unit of work fails")
    with session_scope(session_factory) as session:
        assert session.scalars(sa.select(Region.code).where(Region.code.like("99%"))).all() == [
            KEPT
        ]


def test_timestamps_come_back_aware_in_utc(session: Session) -> None:
    region = Region(code=KEPT, name="试点县", level=RegionLevel.COUNTY)
    session.add(region)
    session.commit()
    session.expunge_all()
    loaded = session.get(Region, KEPT)
    assert loaded is not None
    assert loaded.created_at.tzinfo is UTC
    assert abs((datetime.now(UTC) - loaded.created_at).total_seconds()) < 60


def test_server_default_timestamps_read_as_utc(session: Session) -> None:
    session.execute(
        sa.text("INSERT INTO region (code, name, level) VALUES ('99', '试点省', 'province')")
    )
    loaded = session.get(Region, "99")
    assert loaded is not None
    assert loaded.updated_at.tzinfo is UTC
    assert abs((datetime.now(UTC) - loaded.updated_at).total_seconds()) < 60


def test_naive_datetimes_are_refused(session: Session) -> None:
    session.add(Region(code=KEPT, name="试点县", level=RegionLevel.COUNTY))
    session.flush()
    mine = sa.update(Region).where(Region.code == KEPT)
    session.execute(mine.values(updated_at=datetime.now(UTC)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.execute(mine.values(updated_at=datetime(2025, 1, 1)))


def test_the_engine_fixture_is_migrated(engine: Engine) -> None:
    assert "person" in sa.inspect(engine).get_table_names()
