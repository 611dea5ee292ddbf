"""The migrations build the schema of the models, on SQLite and on PostgreSQL."""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

import db.models  # noqa: F401 - registers every table
from db.base import Base
from db.engine import make_engine
from db.migrate import alembic_config, current_revision, needs_upgrade, upgrade


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def test_a_new_database_needs_an_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        assert needs_upgrade(engine)
    finally:
        engine.dispose()


def test_the_migrated_database_is_at_head(engine: Engine) -> None:
    assert current_revision(engine) == head()
    assert not needs_upgrade(engine)
    upgrade(engine)  # a second run is a no-op
    assert current_revision(engine) == head()


def test_every_model_table_exists(engine: Engine) -> None:
    tables = set(sa.inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_upgrade_accepts_a_url(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head()
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


@pytest.mark.postgres
def test_processes_starting_together_all_migrate_safely(postgres_url: str) -> None:
    # Given several processes that each run `upgrade` on an empty database at the same time
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        pool.map(upgrade, [postgres_url] * 3)
    # Then none failed, and the database is at head
    engine = make_engine(postgres_url)
    try:
        assert current_revision(engine) == head()
    finally:
        engine.dispose()


def test_work_records_take_their_ids_a_thousand_at_a_time_on_postgresql(postgres_url: str) -> None:
    # Given a migrated PostgreSQL database
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    try:
        with engine.connect() as connection:
            # Then the work records' id sequence caches 1000 ids a session (imports write a
            # million rows); and two sessions' ids never collide
            cache = connection.exec_driver_sql(
                "SELECT seqcache FROM pg_sequence WHERE seqrelid = "
                "pg_get_serial_sequence('monitoring_employment', 'id')::regclass"
            ).scalar_one()
            assert cache == 1000
        with engine.connect() as first, engine.connect() as second:
            take = "SELECT nextval(pg_get_serial_sequence('monitoring_employment', 'id'))"
            ids = [c.exec_driver_sql(take).scalar_one() for c in (first, second, first, second)]
        assert len(set(ids)) == 4 and ids[1] - ids[0] >= 1000
    finally:
        engine.dispose()
