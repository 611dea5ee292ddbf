"""Importing monitoring exports: counts, re-imports, header finding, bad rows, encryption."""

from __future__ import annotations

import random
from datetime import date

import pytest

from db.enums import HouseholdType, ImportStatus
from db.imports import Table, import_monitoring
from db.models import Household, ImportBatch, MonitoringEmployment
from db.queries import find_person_by_id_number
from tests.imports.conftest import (
    PERSONS_XLSX,
    TITLE,
    UNIT,
    WORK_XLSX,
    count,
    raw_dump,
    read_error_file,
    sample_rows,
    write_csv,
    write_xlsx,
)

LI = "140581198004125314"  # 李建国 of the sample, 脱贫户, works in 宁波 2025-03..2025-11
ZHAO = "140581197811302888"  # 赵丽, 监测户 (边缘易致贫户), 帮扶车间


def test_the_sample_exports_import_with_their_counts(engine, keyring, session_factory, samples):
    """Given the two sample workbooks (title rows, headers on row 3), importing the persons and
    then the work table stores 10 households, 10 persons and 10 work records."""
    persons = import_monitoring(engine, samples / PERSONS_XLSX)
    work = import_monitoring(engine, samples / WORK_XLSX)

    assert (persons.table, persons.rows, persons.inserted, persons.errors) == (
        Table.PERSONS, 10, 10, 0,
    )  # fmt: skip
    assert (work.table, work.rows, work.inserted, work.errors) == (Table.WORK, 10, 10, 0)
    assert work.warnings == 3  # 三甲北村 is not in the division register (see test_import_places)
    assert [count(engine, t) for t in ("household", "person", "monitoring_employment")] == [
        10, 10, 10,
    ]  # fmt: skip
    with session_factory() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.name == "李建国" and li.phone == "19798935572"
        assert li.birth_date == date(1980, 4, 12) and li.region_code == "140581102"  # 三甲镇
        record = session.query(MonitoringEmployment).filter_by(person_id=li.id).one()
        assert (record.start_month, record.end_month) == (date(2025, 3, 1), date(2025, 11, 1))
        assert record.work_county_code == "330212"  # 浙江省宁波市鄞州区
        assert (record.monthly_income_fen, record.transport_subsidy_fen) == (420_000, 150_000)
        zhao = find_person_by_id_number(session, ZHAO)
        assert zhao is not None and zhao.household is not None
        assert zhao.household.household_type is HouseholdType.MONITORED
        assert zhao.household.monitoring_category == "边缘易致贫户"
        assert zhao.household.identified_month == date(2023, 6, 1)
        liu = session.query(Household).filter_by(household_number="140581005195119").one()
        assert liu.risk_eliminated and liu.risk_eliminated_month == date(2024, 12, 1)
        batch = session.get(ImportBatch, work.batch_id)
        assert batch is not None and batch.status is ImportStatus.FINISHED
        assert (batch.rows, batch.inserted, batch.unchanged) == (10, 10, 0)
        assert len(batch.sha256) == 64


def test_importing_the_same_files_again_changes_nothing(engine, keyring, samples):
    """Given both samples imported, importing them again reports every row unchanged."""
    for name in (PERSONS_XLSX, WORK_XLSX):
        import_monitoring(engine, samples / name)
    before = raw_dump(engine)
    for name in (PERSONS_XLSX, WORK_XLSX):
        again = import_monitoring(engine, samples / name)
        assert (again.rows, again.inserted, again.updated, again.unchanged) == (10, 0, 0, 10)
    after = raw_dump(engine)
    # Only the new batches and their audit events were added; no stored row changed.
    assert set(before.splitlines()) <= set(after.splitlines())


def test_the_work_table_alone_creates_the_people_it_names(
    engine, keyring, session_factory, samples
):
    """Given only the work table, its people and households are created from its columns."""
    result = import_monitoring(engine, samples / WORK_XLSX)
    assert (result.inserted, count(engine, "person"), count(engine, "household")) == (10, 10, 10)
    with session_factory() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.sex is not None and li.sex.value == "male"
    # The person workbook imported afterwards completes them: phones and risk data.
    persons = import_monitoring(engine, samples / PERSONS_XLSX)
    assert persons.inserted == 0 and persons.updated == 10


def test_an_id_written_in_full_width_digits_is_the_person_of_the_ascii_id(
    engine, keyring, session_factory, tmp_path
):
    """Given a work table whose ID cells are typed with a Chinese input method (full-width
    digits, a lower-case ｘ), the person is stored under the canonical ID: found by it, and
    the same person when the ASCII spelling is imported later."""
    rows = sample_rows(WORK_XLSX)
    title, header, data = rows[:2], rows[2], [list(row) for row in rows[3:]]
    at = header.index("证件号码")
    wide = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")
    first = [[*row[:at], str(row[at]).translate(wide), *row[at + 1 :]] for row in data]
    assert import_monitoring(engine, write_xlsx(tmp_path / "wide.xlsx", [*title, header, *first]))
    with session_factory() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.id_number == LI
    again = import_monitoring(engine, write_xlsx(tmp_path / "ascii.xlsx", [*title, header, *data]))
    assert (again.inserted, again.updated, again.errors) == (0, 0, 0)
    assert count(engine, "person") == len({row[at] for row in data})


def test_new_and_known_people_across_chunks_are_counted_and_merged(engine, keyring, tmp_path):
    """Given five people imported before, when a work table with them and five new people
    (two with a second record, rows split into chunks of two) is imported, the new people's
    records are all inserted, a known person's changed income is updated and the rest stay;
    importing that file again changes nothing."""
    rows = sample_rows(WORK_XLSX)
    title, header, data = rows[:2], rows[2], [list(row) for row in rows[3:]]
    column = {name: header.index(name) for name in ("开始时间", "结束时间", "务工月收入")}
    first = import_monitoring(
        engine, write_csv(tmp_path / "first.csv", [*title, header, *data[:5]])
    )
    assert first.inserted == 5
    data[0][column["务工月收入"]] = 4300  # a known person's record changed
    extra = []
    for row in data[6:8]:  # two new people with a record of the year before as well
        earlier = list(row)
        earlier[column["开始时间"]], earlier[column["结束时间"]] = "2024年03月", "2024年10月"
        extra.append(earlier)
    path = write_csv(tmp_path / "second.csv", [*title, header, *data, *extra])
    second = import_monitoring(engine, path, chunk_rows=2)
    assert (second.rows, second.inserted, second.updated, second.unchanged) == (12, 7, 1, 4)
    assert count(engine, "monitoring_employment") == 12
    with engine.connect() as connection:
        incomes = connection.exec_driver_sql(
            "SELECT monthly_income_fen FROM monitoring_employment WHERE monthly_income_fen = 430000"
        ).scalars()
        assert list(incomes) == [430_000]
    again = import_monitoring(engine, path, chunk_rows=2)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 12)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_export_with_title_rows_is_read_in_each_encoding(engine, keyring, tmp_path, encoding):
    """Given the work table as csv (title, unit line, header on row 3) in UTF-8, UTF-8 with a
    BOM or GBK, all 10 rows are imported."""
    rows = sample_rows(WORK_XLSX)
    path = write_csv(tmp_path / "work.csv", rows, encoding)
    result = import_monitoring(engine, path)
    assert (result.table, result.rows, result.inserted, result.errors) == (Table.WORK, 10, 10, 0)


def test_the_header_is_found_with_shuffled_and_respelled_columns(engine, keyring, tmp_path):
    """Given a header on row 5 with the columns in another order, full-width brackets, spaces
    and a unit (务工月收入（元）), columns are matched by name."""
    rows = sample_rows(WORK_XLSX)
    header, data = rows[2], rows[3:]
    order = list(range(len(header)))
    random.Random(4).shuffle(order)
    respelled = {"务工月收入": "务工月收入（元）", "证件号码": " 证件 号码 ", "县": "县（市、区）"}
    new_header = [respelled.get(header[i], header[i]) for i in order]
    shuffled = [TITLE, UNIT, [], ["说明：本表由系统导出"], new_header]
    shuffled += [[row[i] for i in order] for row in data]
    result = import_monitoring(engine, write_xlsx(tmp_path / "shuffled.xlsx", shuffled))
    assert (result.rows, result.inserted, result.errors) == (10, 10, 0)
    with engine.connect() as connection:
        incomes = connection.exec_driver_sql(
            "SELECT monthly_income_fen FROM monitoring_employment ORDER BY monthly_income_fen"
        ).scalars()
        assert list(incomes)[:2] == [74_000, 180_000]


def test_bad_rows_go_to_the_error_file_and_the_rest_is_imported(engine, keyring, tmp_path):
    """Given a work table with an invalid ID checksum, an unknown household type, month 13, an
    end before the start and incomes of 50 and 35000, those rows are listed in the error xlsx
    (行号, 列, 值, 问题) and the other rows are imported."""
    rows = sample_rows(WORK_XLSX)
    header = rows[2]
    col = {name: header.index(name) for name in header}

    def changed(row: list, **values: object) -> list:
        row = list(row)
        for name, value in values.items():
            row[col[name]] = value
        return row

    data = rows[3:]
    bad = [
        changed(data[0], 证件号码="140581198004125315"),
        changed(data[1], 户类型="富裕户"),
        changed(data[2], 开始时间="2025年13月"),
        changed(data[3], 开始时间="2025年06月", 结束时间="2025年02月"),
        changed(data[4], 务工月收入=50),
        changed(data[5], 务工月收入=35000),
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", [*rows[:3], *bad, *data[6:]])
    result = import_monitoring(engine, path, describe=lambda code: f"problem:{code}")

    assert (result.rows, result.inserted, result.errors) == (10, 4, 6)
    assert result.error_file == tmp_path / "bad.errors.xlsx"
    lines = read_error_file(result.error_file)
    assert lines[0] == ("行号", "列", "值", "问题")
    assert lines[1:] == [
        (4, "证件号码", "140581198004125315", "problem:id_checksum"),
        (5, "户类型", "富裕户", "problem:household_type_unknown"),
        (6, "开始时间", "2025年13月", "problem:month_invalid"),
        (7, "结束时间", "2025年02月", "problem:end_before_start"),
        (8, "务工月收入", "50", "problem:income_out_of_range"),
        (9, "务工月收入", "35000", "problem:income_out_of_range"),
    ]
    assert count(engine, "monitoring_employment") == 4
    with engine.connect() as connection:
        batch = connection.exec_driver_sql(
            f"SELECT rows, inserted, errors FROM import_batch WHERE id = {result.batch_id}"
        ).one()
    assert tuple(batch) == (10, 4, 6)


def test_a_changed_phone_updates_the_person_found_by_the_id_index(
    engine, keyring, session_factory, tmp_path
):
    """Given the persons imported, a new export where 李建国's phone changed updates that one
    person (found by the ID's blind index) and leaves the nine others unchanged."""
    rows = sample_rows(PERSONS_XLSX)
    import_monitoring(engine, write_xlsx(tmp_path / "first.xlsx", rows))
    phone = rows[2].index("家庭成员联系电话")
    rows[3][phone] = "13912345678"
    result = import_monitoring(engine, write_xlsx(tmp_path / "second.xlsx", rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 9)
    assert count(engine, "person") == 10
    with session_factory() as session:
        li = find_person_by_id_number(session, LI)
        assert li is not None and li.phone == "13912345678"


def test_no_id_number_or_phone_is_stored_in_plain_text(engine, keyring, samples):
    """After importing both samples, no table holds an ID number or phone number as text."""
    import_monitoring(engine, samples / PERSONS_XLSX)
    import_monitoring(engine, samples / WORK_XLSX)
    dump = raw_dump(engine)
    rows = sample_rows(PERSONS_XLSX)
    header = rows[2]
    secrets = [row[header.index(c)] for row in rows[3:] for c in ("证件号码", "家庭成员联系电话")]
    assert len(secrets) == 20
    leaked = [value for value in secrets if value in dump]
    assert leaked == []
