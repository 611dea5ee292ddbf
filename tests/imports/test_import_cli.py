"""`wugong import`: exit codes, one-line errors, the summary and the error file, end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imports.conftest import (
    ALLOCATIONS_CSV,
    PERSONS_XLSX,
    PROGRAMS_CSV,
    WORK_XLSX,
    count,
    sample_rows,
    write_xlsx,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "wugong-tests-only-secret-0123456789abcdefghijklmnop"


def wugong(
    *args: str, database_url: str, cwd: Path, lang: str = "en_US.UTF-8"
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    env.update(
        WUGONG_DATABASE_URL=database_url,
        WUGONG_SECRET_KEY=SECRET,
        WUGONG_VAR_DIR=str(cwd / "var"),
        LANG=lang,
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "wugong.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_file_and_an_unknown_format_fail_with_one_line_each(tmp_path):
    """A missing file and a PDF each get one line on stderr and exit status 2; nothing else."""
    pdf = tmp_path / "证明.pdf"
    pdf.write_bytes(b"%PDF-1.4 not an export")
    done = wugong(
        "import", "monitoring", str(tmp_path / "nowhere.xlsx"), str(pdf),
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"wugong: file not found: {tmp_path / 'nowhere.xlsx'}",
        "wugong: 证明.pdf: not an xlsx or csv file",
    ]
    assert done.stdout == ""


def test_a_file_without_a_header_fails_with_one_line(database_url, tmp_path):
    """A workbook whose first rows name no known columns exits with status 2 and one line."""
    path = write_xlsx(tmp_path / "notes.xlsx", [["会议记录"], ["日期", "内容"]])
    done = wugong("import", "monitoring", str(path), database_url=database_url, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith("wugong: notes.xlsx: no header row in the first 20 rows")
    )
    assert "Traceback" not in done.stderr


def test_importing_the_samples_prints_a_summary_and_a_progress_bar(
    database_url, engine, samples, tmp_path
):
    """Both samples import with exit status 0, a summary line each and progress on stderr."""
    done = wugong(
        "import", "monitoring", str(samples / PERSONS_XLSX), str(samples / WORK_XLSX),
        database_url=database_url, cwd=tmp_path,
    )  # fmt: skip
    # 三甲北村 (three people) is not in the division register: a warning, exit status still 0.
    assert done.returncode == 0, done.stderr
    warned = (
        "3 rows were imported with a warning: a 乡 or 村 name is not in the division register, "
        "so they stand at the township or county. They are listed with the closest names in "
    )
    assert done.stdout.splitlines() == [
        f"{PERSONS_XLSX}: 10 rows — 10 new, 0 updated, 0 unchanged, 0 with errors",
        warned + str(samples / "监测对象信息.errors.xlsx"),
        f"{WORK_XLSX}: 10 rows — 10 new, 0 updated, 0 unchanged, 0 with errors",
        warned + str(samples / "已外出务工信息.errors.xlsx"),
    ]
    assert f"{WORK_XLSX} [##############################] 100% 10 rows" in done.stderr
    assert count(engine, "monitoring_employment") == 10


def test_rows_with_errors_give_exit_status_1_and_name_the_error_file(
    database_url, engine, tmp_path
):
    """A work table with one bad ID imports the rest, prints where the error file is, exits 1."""
    rows = sample_rows(WORK_XLSX)
    rows[3][rows[2].index("证件号码")] = "140581198004125315"
    path = write_xlsx(tmp_path / "work.xlsx", rows)
    done = wugong("import", "monitoring", str(path), database_url=database_url, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "work.xlsx: 10 rows — 9 new, 0 updated, 0 unchanged, 1 with errors",
        f"The rows with errors are listed in {tmp_path / 'work.errors.xlsx'}",
    ]
    assert (tmp_path / "work.errors.xlsx").exists()


def test_importing_allocations_from_the_command_line(database_url, engine, samples, tmp_path):
    done = wugong(
        "import", "allocations", str(samples / ALLOCATIONS_CSV),
        database_url=database_url, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        f"{ALLOCATIONS_CSV}: 11 rows — 11 new, 0 updated, 0 unchanged, 0 with errors"
    )
    assert count(engine, "budget_allocation") == 22


def test_both_budget_layouts_import_from_the_command_line(database_url, engine, samples, tmp_path):
    """Given Changzhi's per-county 万元 file and Gaoping's per-program file with targets, both
    import with one summary line each."""
    done = wugong(
        "import", "allocations", str(samples / ALLOCATIONS_CSV), str(samples / PROGRAMS_CSV),
        database_url=database_url, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        f"{PROGRAMS_CSV}: 2 rows — 2 new, 0 updated, 0 unchanged, 0 with errors"
    )
    assert count(engine, "budget_allocation") == 24


@pytest.mark.parametrize(
    ("lang", "start"),
    [("en_US.UTF-8", "is not a budget file I know"), ("zh_CN.UTF-8", "不是可识别的预算表")],
)
def test_an_unknown_budget_layout_is_refused_with_one_translated_line(
    database_url, engine, tmp_path, lang, start
):
    """A budget file with other column names exits with status 2 and one line, in the clerk's
    language, that lists the columns of both layouts; nothing is imported."""
    path = tmp_path / "预算.csv"
    path.write_text("县,年份,金额\n高平市,2026,50\n", encoding="utf-8")
    done = wugong(
        "import", "allocations", str(path), database_url=database_url, cwd=tmp_path, lang=lang
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if "alembic" not in line]
    assert len(lines) == 1 and lines[0].startswith("wugong: 预算.csv") and start in lines[0]
    for column in ("county_code", "stable_employment_wan", "transport_wan", "budget_cny",
                   "target_persons", "satisfaction_target"):  # fmt: skip
        assert column in lines[0]
    assert count(engine, "budget_allocation") == 0
