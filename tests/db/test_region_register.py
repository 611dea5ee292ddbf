"""The division register shipped with wugong: migration 0007 loads Shanxi's NBS 2023 codes."""

from __future__ import annotations

from types import ModuleType

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from db.migrate import alembic_config, upgrade


def migration_0007() -> ModuleType:
    script = ScriptDirectory.from_config(alembic_config()).get_revision("0007")
    assert script is not None
    return script.module


def register(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.exec_driver_sql(
                "SELECT code, name, level, parent_code, valid_from, valid_to FROM region "
                "ORDER BY code"
            )
        ]


def test_a_migrated_database_holds_shanxis_register(engine: Engine) -> None:
    """Given a new database migrated to head, the region table holds Shanxi's province, 11
    cities, 121 county-level divisions, 1,352 townships and 21,895 villages, with parents."""
    with engine.connect() as connection:
        levels = dict(
            connection.exec_driver_sql("SELECT level, count(*) FROM region GROUP BY level").all()
        )
        sanjia = connection.exec_driver_sql(
            "SELECT name, level, parent_code, valid_to FROM region WHERE code = '140581102225'"
        ).one()
    assert levels == {
        "province": 1, "city": 11, "county": 121, "township": 1_352, "village": 21_895,
    }  # fmt: skip
    assert tuple(sanjia) == ("三甲村委会", "village", "140581102", None)


def test_loading_the_register_again_changes_nothing(engine: Engine) -> None:
    """Given the migrated register, loading it again inserts and updates nothing; after a code
    was lost and a name changed by hand, it puts back exactly those two."""
    before = register(engine)
    loader = migration_0007()
    with engine.begin() as connection:
        assert loader.load_register(connection) == (0, 0)
        connection.exec_driver_sql("DELETE FROM region WHERE code = '140581109201'")
        connection.exec_driver_sql("UPDATE region SET name = '三甲村' WHERE code = '140581102225'")
        assert loader.load_register(connection) == (1, 1)
    assert register(engine) == before


def test_downgrading_past_0007_keeps_the_rows_and_upgrading_again_restores_the_columns(
    engine: Engine,
) -> None:
    """Given the register, a downgrade to 0006 and an upgrade back to head leave it as it was."""
    before = register(engine)
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
        connection.commit()
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM region").scalar_one()
        columns = {c["name"] for c in sa.inspect(connection).get_columns("region")}
    assert count == 23_380 and "valid_to" not in columns
    upgrade(engine)
    assert register(engine) == before
