"""`wugong check` run as a real command: JSON per docs/design.md §3, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASE_1 = [
    "--year", "2025", "--household", "poverty_alleviated", "--id", "140581199003151232",
    "--work-place", "江苏", "--from", "2025-03", "--to", "2025-11",
    "--same-employer", "yes", "--wage", "4000",
]  # fmt: skip


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wugong.cli", "check", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def programs(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    return {entry["program"]: entry for entry in data["programs"]}


def test_case_1_gives_transport_1500_and_stable_1200() -> None:
    # Given a 脱贫户 from 高平 nine months in Jiangsu, When checked, Then 1500 and 1200
    result = check(*CASE_1, "--json")
    data = json.loads(result.stdout)
    assert data["year"] == 2025
    entries = programs(result)
    assert list(entries) == ["transport", "stable_employment", "workshop_employment"]
    for entry in entries.values():
        assert {"program", "eligible", "amount", "reasons", "missing"} <= set(entry)
        assert all(isinstance(code, str) for code in entry["reasons"])
    assert (entries["transport"]["eligible"], entries["transport"]["amount"]) == (True, 1500)
    assert entries["transport"]["reasons"] == ["other_province_tier"]
    assert (entries["stable_employment"]["eligible"], entries["stable_employment"]["amount"]) == (
        True,
        1200,
    )
    assert entries["workshop_employment"]["eligible"] is False
    assert result.stderr == ""


def test_undecidable_programs_have_null_and_missing_names() -> None:
    result = check(*CASE_1[:-4], "--json")
    stable = programs(result)["stable_employment"]
    assert stable["eligible"] is None
    assert stable["amount"] == 0
    assert stable["missing"] == ["same_employer", "monthly_wage"]


def test_birth_and_home_instead_of_an_id() -> None:
    result = check(
        "--year", "2025", "--household", "poverty_alleviated", "--birth", "1990-03-15",
        "--home", "140581", "--work-place", "太原市小店区", "--from", "2025-03", "--to", "2025-06",
        "--json",
    )  # fmt: skip
    assert programs(result)["transport"]["amount"] == 600


def test_workshop_job_and_paid_transport() -> None:
    result = check(
        "--year", "2025", "--household", "poverty_alleviated", "--id", "140581199003151232",
        "--work-place", "140581", "--from", "2025-03", "--to", "2025-10", "--channel", "workshop",
        "--contract-months", "12", "--paid", "transport", "--json",
    )  # fmt: skip
    entries = programs(result)
    assert entries["workshop_employment"]["amount"] == 1600
    assert entries["transport"]["eligible"] is False
    assert "already_paid_this_year" in entries["transport"]["reasons"]
    assert "workshop_not_combined_with_stable" in entries["stable_employment"]["reasons"]


def test_monitored_household_with_risk_eliminated_before_the_work() -> None:
    result = check(
        "--year", "2025", "--household", "monitored", "--risk-eliminated", "2024-12",
        "--id", "140581199003151232", "--work-place", "河北", "--from", "2025-03", "--json",
    )  # fmt: skip
    assert "risk_eliminated_before_work" in programs(result)["transport"]["reasons"]


def test_still_working_counts_up_to_as_of() -> None:
    result = check(*CASE_1[:-6], "--same-employer", "yes", "--wage", "3000", "--as-of",
                   "2025-07-15", "--json")  # fmt: skip
    stable = programs(result)["stable_employment"]
    assert stable["eligible"] is False
    assert stable["details"][0]["values"]["months"] == 5


def test_old_region_code_is_accepted() -> None:
    result = check(
        "--year", "2025", "--household", "poverty_alleviated", "--id", "140421198511200516",
        "--work-place", "上党区", "--from", "2025-03", "--json",
    )  # fmt: skip
    assert programs(result)["transport"]["reasons"] == ["work_in_home_county"]


def test_without_json_a_table_is_printed() -> None:
    result = check(*CASE_1)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("transport") and "1500" in line for line in lines)
    assert any(line.startswith("stable_employment") and "1200" in line for line in lines)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"--id": "140581199003151233"}, "check character"),
        ({"--work-place": "火星"}, "unknown place"),
        ({"--work-place": "城区"}, "140502 山西省晋城市城区"),
        ({"--from": "2025-12"}, "after --to"),
        ({"--wage": "-100"}, "--wage"),
        ({"--wage": "lots"}, "--wage"),
        ({"--from": "2025-13"}, "--from"),
        ({"--to": "March"}, "--to"),
        ({"--household": "rich"}, "--household"),
        ({"--year": "soon"}, "--year"),
        ({"--id": None, "--birth": "1990-02-30"}, "--birth"),
    ],
)
def test_invalid_input_exits_2_with_one_line(change: dict[str, str | None], expected: str) -> None:
    args = list(CASE_1)
    for option, value in change.items():
        if option not in args:
            args += [option, value or ""]
            continue
        index = args.index(option)
        if value is None:
            del args[index : index + 2]
        else:
            args[index + 1] = value
    result = check(*args, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and "usage:" not in result.stderr


@pytest.mark.parametrize(
    "extra",
    [["--paid", "housing"], ["--bogus"], ["--id", "140581199003151232", "--birth", "1990-01-01"]],
)
def test_argparse_errors_are_one_line_too(extra: list[str]) -> None:
    args = [a for a in CASE_1 if a not in ("--id", "140581199003151232")]
    result = check(*args, *extra, "--json")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "usage:" not in result.stderr


def test_missing_required_options_are_one_line() -> None:
    result = check("--json")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "--year" in result.stderr
