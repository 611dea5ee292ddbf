"""`wugong export roster` and `wugong roster sent|paid` run as commands: files, output, exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from common.roster_xlsx import COLUMNS
from db.enums import ApplicationStatus
from db.models import Application, Notification, RosterBatch, RosterStatus
from db.queries import application_number
from tests.conftest import TEST_SECRET
from tests.finance.county import LI_CARD, ZHANG_ID, ZHAO_ID
from tests.finance.test_roster import write_bank_file

ROOT = Path(__file__).resolve().parents[2]
SCOPE = ["--county", "140581", "--year", "2025", "--program", "transport"]


def wugong(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WUGONG_") or key.startswith("WUGONG_TEST_")
    }
    env.update(
        WUGONG_DATABASE_URL=database_url,
        WUGONG_SECRET_KEY=TEST_SECRET.decode(),
        WUGONG_VAR_DIR=str(tmp_path / "var"),
        WUGONG_LOG_LEVEL="WARNING",
        WUGONG_LANGUAGE="en",
    )
    return subprocess.run(
        [sys.executable, "-m", "wugong.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def ids_in(path: Path) -> list[str]:
    """The ID numbers of the claim lines (those with a 序号)."""
    sheet = load_workbook(path, read_only=True)["花名册"]
    column = COLUMNS.index("身份证号")
    return [
        row[column] for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], int)
    ]


def test_export_send_and_pay_from_the_command_line(county, database_url, session_factory, tmp_path):
    # When the roster is exported, Then the file holds the 3 approved claims, masked
    out = tmp_path / "out" / "roster.xlsx"
    result = wugong(database_url, tmp_path, "export", "roster", *SCOPE, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "3 applications, 3600.00 yuan" in result.stdout
    assert sorted(ids_in(out)) == ["1404**********2467", "1405**********0136", "1405**********1232"]
    finance = tmp_path / "finance.xlsx"
    result = wugong(database_url, tmp_path, "export", "roster", *SCOPE, "--out", str(finance),
                    "--finance-copy")  # fmt: skip
    assert result.returncode == 0 and ZHANG_ID in ids_in(finance)

    # When it is marked sent on the Monday before 国庆, Then payment is due on 2025-10-15
    result = wugong(database_url, tmp_path, "roster", "sent", *SCOPE, "--date", "2025-09-29")
    assert result.returncode == 0, result.stderr
    assert "3 applications sent to finance" in result.stdout and "2025-10-15" in result.stdout
    again = wugong(database_url, tmp_path, "roster", "sent", *SCOPE)
    assert again.returncode == 2 and again.stderr.startswith("wugong: ")
    assert len(again.stderr.strip().splitlines()) == 1 and "export it first" in again.stderr

    # When the bank's file pays 张三, short-pays 李四 and fails 赵六, Then exit 1 lists two rows
    bank = write_bank_file(tmp_path / "result.csv", [
        [1, "张三", ZHANG_ID, "", "1500", "成功", "TX001"],
        [2, "李四", "", LI_CARD, "500", "成功", "TX002"],
        [3, "赵六", ZHAO_ID, "", "1500", "失败", "TX003"],
    ])  # fmt: skip
    result = wugong(database_url, tmp_path, "roster", "paid", "--file", str(bank),
                    "--county", "140581")  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "1 paid, 0 already paid, 2 not paid" in result.stdout
    assert "Row 4 (6228***********4567): amount 500.00 in the file, 600.00" in result.stdout
    assert "Row 5 (1405**********0136): the transfer failed" in result.stdout
    assert LI_CARD not in result.stdout and ZHAO_ID not in result.stdout

    # When the two others are recorded one by one, Then the batch is paid
    with session_factory() as session:
        numbers = [
            application_number(session.get(Application, i)) for i in (county.li, county.zhao)
        ]
    for number in numbers:
        result = wugong(database_url, tmp_path, "roster", "paid", "--application", number,
                        "--ref", "MANUAL-1")  # fmt: skip
        assert result.returncode == 0, result.stderr
    with session_factory() as session:
        statuses = {a.id: a.status for a in session.scalars(sa.select(Application))}
        assert statuses[county.zhang] == statuses[county.li] == ApplicationStatus.PAID
        assert session.scalars(sa.select(RosterBatch)).one().status == RosterStatus.PAID
        told = set(session.scalars(sa.select(Notification.chat_identity_id)))
        assert {county.zhang_chat, county.li_chat, county.relative_chat} <= told


def test_bad_input_is_one_line_and_exit_code_2(county, database_url, tmp_path):
    cases = [
        ("export", "roster", "--county", "1405", "--year", "2025", "--program", "transport",
         "--out", str(tmp_path / "x.xlsx")),
        ("roster", "paid", "--file", str(tmp_path / "missing.csv"), "--county", "140581"),
        ("roster", "paid", "--file", str(tmp_path / "missing.csv")),
        ("export", "roster", "--county", "140581", "--year", "2024", "--program", "transport",
         "--out", str(tmp_path / "empty.xlsx")),
    ]  # fmt: skip
    for args in cases:
        result = wugong(database_url, tmp_path, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "empty.xlsx").exists()
