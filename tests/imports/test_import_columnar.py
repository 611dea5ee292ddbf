"""The csv work table's columnar path against the row-by-row reference, on messy files.

Each file is imported twice, into two databases: row by row (``columnar=False``) with every
person merged by the staging table's upserts (``PostgresSink.direct`` off), the reference, and
by the columnar path with new persons and households copied straight in; the counts, the error
file and every stored row must be the same. Small blocks and chunks put many rows on their
borders.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from db.engine import make_engine
from db.imports import columnar, import_monitoring, stage
from tests.imports.conftest import WORK_XLSX, read_error_file, sample_rows

pytestmark = pytest.mark.postgres

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def id_number(person: int, year: int = 1970) -> str:
    body = f"140581{year + person % 30}{person % 12 + 1:02d}{person % 28 + 1:02d}{person:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def clean_rows(people: int, seed: int) -> list[list[Any]]:
    """Rows of ``people`` people, 1 to 12 records each, some fields varied."""
    rows = sample_rows(WORK_XLSX)
    template = rows[3:]
    header = rows[2]
    col = {name: header.index(name) for name in header}
    pick = random.Random(seed)
    out = []
    for person in range(people):
        base = list(template[person % len(template)])
        pid = id_number(person)
        for k in range(pick.randint(1, 12)):
            row = list(base)
            row[col["证件号码"]] = pid
            row[col["户编号"]] = f"1405810{person // 3:08d}"  # households of three
            row[col["开始时间"]] = f"{2000 + k}年0{pick.randint(1, 3)}月"
            row[col["结束时间"]] = pick.choice([f"{2000 + k}年11月", "", f"{2000 + k}-12"])
            row[col["务工月收入"]] = pick.choice([2500, 3000, "4200.00", "３０００", 8000])
            row[col["村"]] = pick.choice(["三甲北村", "三甲南村", "不存在村", ""])
            out.append(row)
    return out


def messy(rows: list[list[Any]], seed: int) -> list[list[Any]]:
    """The rows with every kind of trouble mixed in (not quotes: see ``quoted``)."""
    header = sample_rows(WORK_XLSX)[2]
    col = {name: header.index(name) for name in header}
    pick = random.Random(seed)
    out: list[list[Any]] = []
    bad_values = [
        ("开始时间", "2025年13月"),
        ("开始时间", ""),
        ("结束时间", "2001年01月"),
        ("户类型", "富裕户"),
        ("户类型", ""),
        ("是否已务工", "也许"),
        ("是否点对点输送", "?"),
        ("务工月收入", "abc"),
        ("务工月收入", 50),
        ("年度交通费补助", -10),
        ("证件号码", "140581198004125315"),  # checksum
        ("证件号码", "14058119800412531"),  # length
        ("证件号码", "140581198013125314"),  # birth date
        ("证件号码", ""),
        ("姓名", ""),
    ]
    for i, row in enumerate(rows):
        roll = pick.random()
        if roll < 0.03:
            name, value = pick.choice(bad_values)
            row = list(row)
            row[col[name]] = value
        elif roll < 0.04:
            out.append(list(row))  # a duplicate of the same person and month
        elif roll < 0.05:
            out.append([])  # a blank line
        elif roll < 0.06:
            out.append([""] * len(row))  # a row of empty cells
        elif roll < 0.065:
            out.append(row[:5])  # a misfit row: too few cells
        elif roll < 0.07:
            row = [*row, "extra"]  # and one too many
        elif roll < 0.09:
            row = list(row)
            spelled = str(row[col["证件号码"]])
            row[col["证件号码"]] = pick.choice(
                [spelled.lower(), f" {spelled} ", spelled.translate(_FULL_WIDTH)]
            )
        out.append(row)
        if i % 997 == 0:
            out.append(list(rows[max(0, i - 50)]))  # a person's record far from the others
    return out


def write(path: Path, rows: list[list[Any]], encoding: str, quoted_from: int | None) -> Path:
    """The export with its title rows; from row ``quoted_from`` on, cells with line breaks."""
    sample = sample_rows(WORK_XLSX)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if encoding == "gbk" else "\n")
    writer.writerows(sample[:3])
    for i, row in enumerate(rows):
        if quoted_from is not None and i >= quoted_from and i % 7 == 0 and len(row) > 16:
            row = list(row)
            row[15] = f"{row[15]}\n第二行"  # a multi-line employer name
            row[18] = "4,200.00"  # and a quoted amount
        writer.writerow(row)
        if i % 97 == 50:  # now and then a line ended by a lone carriage return (old Mac files)
            text = buffer.getvalue()
            end = "\r\n" if text.endswith("\r\n") else "\n"
            buffer.seek(len(text) - len(end))
            buffer.truncate()
            buffer.write("\r")
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def stored(engine: sa.Engine) -> list[Any]:
    """The households, persons and work records as stored, without ids, times and ciphertexts
    (an encryption differs every time)."""
    with engine.connect() as connection:
        run = connection.exec_driver_sql
        return [
            run(
                "SELECT household_number, region_code, household_type, monitoring_category, "
                "risk_eliminated, identified_month, risk_eliminated_month FROM household "
                "ORDER BY household_number"
            ).all(),
            run(
                "SELECT h.household_number, p.name, p.id_index, p.id_tail_index, p.sex, "
                "p.birth_date, p.region_code, p.relation_to_head, p.phone_index "
                "FROM person p LEFT JOIN household h ON h.id = p.household_id ORDER BY p.id_index"
            ).all(),
            run(
                "SELECT p.id_index, e.household_type, e.monitoring_category, e.work_county_code, "
                "e.work_place, e.start_month, e.end_month, e.is_working, e.channel, "
                "e.employer_name, e.industry, e.point_to_point, e.monthly_income_fen, "
                "e.transport_subsidy_fen, e.created_at = e.updated_at "
                "FROM monitoring_employment e JOIN person p ON p.id = e.person_id "
                "ORDER BY p.id_index, e.start_month"
            ).all(),
        ]


@contextmanager
def two_databases(postgres_databases: Any) -> Iterator[tuple[sa.Engine, sa.Engine]]:
    with (
        postgres_databases.database(migrated=True) as first,
        postgres_databases.database(migrated=True) as second,
    ):
        engines = make_engine(first), make_engine(second)
        try:
            yield engines
        finally:
            for engine in engines:
                engine.dispose()


def outcome(engine: sa.Engine, path: Path, columnar_path: bool, errors: Path) -> tuple:
    result = import_monitoring(
        engine, path, error_path=errors, chunk_rows=97, columnar=columnar_path, describe=str
    )
    counts = tuple(
        getattr(result, k)
        for k in ("rows", "inserted", "updated", "unchanged", "errors", "warnings")
    )
    error_lines = read_error_file(result.error_file) if result.error_file else []
    return counts, error_lines


@pytest.mark.parametrize(
    ("encoding", "quoted"),
    [("utf-8", False), ("utf-8-sig", True), ("gbk", True), ("utf-8", True)],
)
def test_the_columnar_path_gives_the_records_errors_and_findings_of_the_row_by_row_path(
    postgres_databases, keyring, tmp_path, monkeypatch, encoding, quoted
):
    """Given a messy work table (blank and misfit rows, bad values of every kind, duplicates,
    ID numbers spelled otherwise, unknown villages, and from some row on multi-line cells) in
    UTF-8, UTF-8 with a BOM or GBK, read in blocks of 2 KB and merged in chunks of 97 rows,
    when it is imported row by row into one database and by the columnar path into another,
    first half a file and then the whole (known people and new), the counts, the error files
    and every stored household, person and work record are the same; and the columnar path
    did convert blocks (and refused some), and copied new persons straight in."""
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 2048)
    taken: list[bool] = []
    convert = columnar.ColumnarWork.convert

    def counted(self: Any, first: int, table: Any) -> Any:
        block = convert(self, first, table)
        taken.append(block is not None)
        return block

    monkeypatch.setattr(columnar.ColumnarWork, "convert", counted)
    tries: list[tuple[bool, int]] = []  # (written, persons) of each try to copy straight in
    copy_new, copy_prepared = stage.PostgresSink._copy_new, stage.PostgresSink._copy_prepared

    def copying(self: Any, cursor: Any, records: Any, people: Any) -> bool:
        done = copy_new(self, cursor, records, people)
        tries.append((done, len(records)))
        return done

    def copying_prepared(self: Any, cursor: Any, prepared: Any) -> bool:
        done = copy_prepared(self, cursor, prepared)
        tries.append((done, len(prepared.created)))
        return done

    monkeypatch.setattr(stage.PostgresSink, "_copy_new", copying)
    monkeypatch.setattr(stage.PostgresSink, "_copy_prepared", copying_prepared)
    rows = messy(clean_rows(240, seed=7), seed=11)
    quoted_from = len(rows) * 3 // 4 if quoted else None
    half = write(tmp_path / "half.csv", rows[: len(rows) // 2], encoding, None)
    whole = write(tmp_path / "whole.csv", rows, encoding, quoted_from)
    with two_databases(postgres_databases) as (reference, candidate):
        for path in (half, whole, whole):
            with monkeypatch.context() as merged_only:
                merged_only.setattr(stage.PostgresSink, "direct", False)
                expected = outcome(reference, path, False, tmp_path / "expected.xlsx")
            taken.clear()
            found = outcome(candidate, path, True, tmp_path / "found.xlsx")
            assert found == expected
            assert stored(candidate) == stored(reference)
            assert any(taken) and not all(taken)
        # persons copied straight in, and tries refused (a person or household was stored)
        assert sum(persons for written, persons in tries if written) > 100
        assert not all(written for written, _ in tries)
        assert expected[0][0] > 1500 and expected[0][4] > 40, expected[0]  # rows, errors


def test_new_persons_are_copied_in_when_other_sessions_take_ids_in_between(
    postgres_databases, keyring, tmp_path, monkeypatch
):
    """Given sequences that do not hand out contiguous ids (stepping by 2, as when another
    session takes ids in between), when a work table of new people is imported by the
    columnar path, every person, household and work record is stored, and each work record
    belongs to the person of its ID number."""
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 2048)
    rows = clean_rows(60, seed=3)
    path = write(tmp_path / "work.csv", rows, "utf-8", None)
    with postgres_databases.database(migrated=True) as url:
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                for table in ("person", "household"):
                    connection.exec_driver_sql(f"ALTER SEQUENCE {table}_id_seq INCREMENT BY 2")
            result = import_monitoring(
                engine, path, error_path=tmp_path / "e.xlsx", chunk_rows=97, describe=str
            )
            with engine.connect() as connection:
                run = connection.exec_driver_sql
                ids = [i for (i,) in run("SELECT id FROM person ORDER BY id")]
                households = run("SELECT count(*) FROM household").scalar_one()
                works = run("SELECT count(*) FROM monitoring_employment").scalar_one()
                per_person = dict(
                    run(
                        "SELECT p.id_index, count(*) FROM monitoring_employment e "
                        "JOIN person p ON p.id = e.person_id GROUP BY p.id_index"
                    ).all()
                )
        finally:
            engine.dispose()
    assert result.errors == 0 and result.inserted == len(rows) == works
    assert len(ids) == 60 and households == 20
    assert all(b - a >= 2 for a, b in pairwise(ids))  # no two ids in a row
    id_column = sample_rows(WORK_XLSX)[2].index("证件号码")
    expected = Counter(keyring.blind_index("id", row[id_column]) for row in rows)
    assert per_person == expected
