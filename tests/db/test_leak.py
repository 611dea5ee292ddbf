"""No plaintext ID number or bank account reaches the database, its dumps or the logs."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.base import Base
from db.enums import HouseholdType, Program, Sex
from db.logging_filter import RedactingFilter
from db.models import Application, Household
from db.queries import Actor, find_person_by_id_number, record_audit, upsert_person

PEOPLE = [
    ("140581199003151232", "6217000010001234567", "13812345678"),
    ("140427196801012467", "6228480402564890018", "13998765432"),
    ("140524196208150136", "6212261202011584349", "15100001111"),
    ("11010519491231002x", "6222 0212 3456 7890", "+86 18600002222"),
]
SECRETS = [
    secret
    for id_number, account, _ in PEOPLE
    for secret in (id_number.upper(), id_number.lower(), account.replace(" ", ""))
]
PHONES = [phone.replace("+86 ", "") for _, _, phone in PEOPLE]


@pytest.fixture
def captured_logs() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """(everything through the redacting filter, SQLAlchemy's statements unfiltered).

    At DEBUG SQLAlchemy also logs result rows, after the columns were decrypted: only the
    filter stands between those and the log. Statements and parameters (INFO) are logged before
    encryption would matter, as the driver gets them: those must hold ciphertext only.
    """
    filtered, raw = io.StringIO(), io.StringIO()
    redacting = logging.StreamHandler(filtered)
    redacting.addFilter(RedactingFilter())
    unfiltered = logging.StreamHandler(raw)
    unfiltered.setLevel(logging.INFO)
    root, sql = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    saved = root.level, sql.level
    root.setLevel(logging.DEBUG)
    sql.setLevel(logging.DEBUG)  # statements with bound parameters, and result rows
    root.addHandler(redacting)
    sql.addHandler(unfiltered)
    try:
        yield filtered, raw
    finally:
        root.removeHandler(redacting)
        sql.removeHandler(unfiltered)
        root.setLevel(saved[0])
        sql.setLevel(saved[1])


def write_people(session: Session) -> None:
    household = Household(
        household_number="14058110010200001", household_type=HouseholdType.POVERTY_ALLEVIATED
    )
    session.add(household)
    session.flush()
    for number, (id_number, account, phone) in enumerate(PEOPLE):
        person, _ = upsert_person(
            session,
            id_number=id_number,
            name=f"测试{number}",
            household_id=household.id,
            sex=Sex.MALE,
            birth_date=date(1990, 3, 15),
            phone=phone,
            bank_name="高平农商银行",
            bank_account=account,
        )
        application = Application(
            person_id=person.id,
            program=Program.TRANSPORT,
            year=2025,
            bank_name=person.bank_name,
            bank_account_snapshot=person.bank_account,
        )
        session.add(application)
        record_audit(session, Actor.system(), "submit", application=application)
    session.commit()
    # Reads, an update of every field and a failing insert are logged as well.
    for id_number, account, phone in PEOPLE:
        found = find_person_by_id_number(session, id_number)
        assert found is not None and found.bank_account == account.replace(" ", "")
        upsert_person(session, id_number=id_number, name="改名", phone=phone, bank_account="1")
        upsert_person(session, id_number=id_number, name="改名", bank_account=account)
    session.commit()
    first = find_person_by_id_number(session, PEOPLE[0][0])
    assert first is not None
    session.add(Application(person_id=first.id, program=Program.TRANSPORT, year=2025))
    with pytest.raises(IntegrityError) as refused:
        session.commit()
    session.rollback()
    logging.getLogger("wugong.tests").error("duplicate refused", exc_info=refused.value)
    # Careless application code that logs personal numbers outright.
    logging.getLogger("wugong.tests").info("checked %s with card %s", *PEOPLE[1][:2])


def dump_sqlite(engine: Engine) -> str:
    parts: list[str] = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            # Raw SQL: a Core select would decrypt the columns on the way out.
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')
            parts.extend(repr(tuple(row)) for row in rows)
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None
        parts.extend(dbapi_connection.iterdump())
    database = engine.url.database
    assert database is not None
    for path in (Path(database), Path(f"{database}-wal")):
        if path.exists():
            parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def dump_postgresql(engine: Engine) -> str:
    parts: list[str] = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            # Raw SQL: a Core select would decrypt the columns on the way out.
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')
            parts.extend(repr(tuple(row)) for row in rows)
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    if Path(pg_dump).exists():
        url = make_url(engine.url).set(drivername="postgresql", query={})
        result = subprocess.run(
            [pg_dump, "--no-owner", "--schema", str(schema), url.render_as_string(False)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert "CREATE TABLE" in result.stdout
        parts.append(result.stdout)
    return "\n".join(parts)


def leaks(text: str) -> list[str]:
    found = [secret for secret in SECRETS if secret in text or secret[-10:] in text]
    return found + [phone for phone in PHONES if phone in text]


def test_no_plaintext_in_database_dumps_or_logs(
    engine: Engine, session: Session, captured_logs: tuple[io.StringIO, io.StringIO]
) -> None:
    filtered, raw = captured_logs
    write_people(session)
    session.close()

    logs = filtered.getvalue()
    assert "INSERT INTO person" in logs and "duplicate refused" in logs
    assert "1405**********1232" in logs  # the careless line, masked
    assert leaks(logs) == []
    assert "Row (" in logs  # decrypted result rows were logged, and masked
    # The database layer itself hands the driver ciphertext only, filter or no filter.
    assert "INSERT INTO person" in raw.getvalue() and "Row (" not in raw.getvalue()
    assert leaks(raw.getvalue()) == []

    dump = dump_sqlite(engine) if engine.dialect.name == "sqlite" else dump_postgresql(engine)
    assert "v1:" in dump  # the ciphertexts are there
    assert leaks(dump) == []
