"""Import fixtures: the sample exports (copied into tmp_path), and writers of test workbooks."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

DATA = Path(__file__).resolve().parent / "data"
PERSONS_XLSX = "监测对象信息.xlsx"
WORK_XLSX = "已外出务工信息.xlsx"
ALLOCATIONS_CSV = "allocations-changzhi-2023.csv"
PROGRAMS_CSV = "programs-gaoping-2026.csv"
TITLE = ["（务工月监测）已外出务工信息"]
UNIT = ["导出单位：山西省晋城市高平市    导出时间：2025年11月30日"]


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A folder with copies of the sample exports, so error files land in tmp_path."""
    folder = tmp_path / "samples"
    folder.mkdir()
    for path in DATA.iterdir():
        shutil.copy(path, folder / path.name)
    return folder


def sample_rows(name: str) -> list[list]:
    """The rows of a sample workbook (title rows, header, data) as lists."""
    workbook = load_workbook(DATA / name, read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def write_xlsx(path: Path, rows: Sequence[Sequence]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(["" if c is None else c for c in row] for row in rows)
    return path


def read_error_file(path: Path) -> list[tuple]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def raw_dump(engine: sa.Engine) -> str:
    """Every row of every table as stored (raw SQL: the ORM would decrypt)."""
    from db.base import Base

    parts = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            rows = connection.exec_driver_sql(f'SELECT * FROM "{table.name}"')
            parts.extend(repr(tuple(row)) for row in rows)
    return "\n".join(parts)
