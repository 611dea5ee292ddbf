"""The two layouts of county budget files, read into allocations (or the problems of a row).

- Per county (allocations-changzhi-2023.csv, 长财农〔2023〕60号 附件1): ``county_code``, ``year``
  and one column in 万元 per program: ``stable_employment_wan``, ``workshop_employment_wan``,
  ``transport_wan`` (any of them). Other columns (county_name, total_wan, note) are for people.
- Per program (programs-gaoping-2026.csv, a county's 单位预算 with its 绩效目标): ``county_code``,
  ``year``, ``program`` (transport, stable_employment, workshop_employment), ``budget_cny`` in
  yuan, and the targets ``target_persons`` (people supported) and ``satisfaction_target``
  (0.95 or 95%, kept per mille). Three of its columns are read by people only, on purpose:
  ``target_min_ratio`` (补贴发放达标率 / 条件符合率: every claim wugong approves has met the
  policy's conditions, so there is nothing to measure it against), ``amount_rule`` (the amounts
  are the policy parameters ``<program>.amount…``) and ``deadline`` (the parameter
  ``<program>.deadline`` decides and reminds; a county sets its own in
  policy/parameters/counties/<code>.yaml, not in a budget file).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from db.enums import Program
from db.imports.errors import UnknownLayout
from db.imports.problems import Problem

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 yuan = 1,000,000 fen
PER_COUNTY = "per_county"
PER_PROGRAM = "per_program"
# The amount columns of the per-county layout and the program each one funds.
PROGRAM_COLUMNS = {
    "stable_employment_wan": Program.STABLE_EMPLOYMENT,
    "workshop_employment_wan": Program.WORKSHOP_EMPLOYMENT,
    "transport_wan": Program.TRANSPORT,
}
PER_PROGRAM_COLUMNS = ("county_code", "year", "program", "budget_cny")
TARGET_COLUMNS = ("target_persons", "satisfaction_target")
# What the refusal of an unknown header lists, per layout.
ACCEPTED = {
    PER_COUNTY: ("county_code", "year", *PROGRAM_COLUMNS),
    PER_PROGRAM: (*PER_PROGRAM_COLUMNS, *TARGET_COLUMNS),
}


@dataclass(frozen=True)
class Targets:
    """The performance targets (绩效目标) of one allocation; None where the file has none."""

    persons: int | None
    satisfaction_permille: int | None


@dataclass(frozen=True)
class Allocation:
    """One county's budget for one program and year, in fen, and the row it came from.

    ``targets`` is None when the layout carries none: the stored targets are then kept.
    """

    row_number: int
    county_code: str
    year: int
    program: Program
    amount_fen: int
    targets: Targets | None = None


Row = Allocation | list[Problem]


def _exact(text: str, unit: int) -> int:
    """``text`` times ``unit`` as a whole number; ValueError when it is not one or negative."""
    try:
        amount = Decimal(text.strip().replace(",", "")) * unit
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        raise ValueError(text)
    return int(amount)


def wan_to_fen(text: str) -> int:
    """'77.58' 万元 -> 77_580_000 fen; more than 6 decimals (a fraction of a fen) is refused."""
    try:
        return _exact(text, FEN_PER_WAN)
    except ValueError:
        raise ValueError("amount_invalid") from None


def yuan_to_fen(text: str) -> int:
    """'500000' or '1,234.50' yuan -> fen; more than 2 decimals is refused."""
    try:
        return _exact(text, FEN_PER_YUAN)
    except ValueError:
        raise ValueError("amount_invalid") from None


def permille(text: str) -> int:
    """'0.95', '95%' or '95.5%' -> 950 or 955: a share between 0 and 1, to a tenth of a percent."""
    value = text.strip()
    try:
        share = _exact(value[:-1], 10) if value.endswith(("%", "％")) else _exact(value, 1000)
    except ValueError:
        raise ValueError("ratio_invalid") from None
    if share > 1000:
        raise ValueError("ratio_invalid")
    return share


def layout_of(header: Sequence[str], file_name: str) -> str:
    """PER_PROGRAM or PER_COUNTY; UnknownLayout (naming both layouts' columns) otherwise."""
    names = set(header)
    if names >= set(PER_PROGRAM_COLUMNS):
        return PER_PROGRAM
    if names >= {"county_code", "year"} and names & set(PROGRAM_COLUMNS):
        return PER_COUNTY
    raise UnknownLayout(file_name, ACCEPTED)


def _county_and_year(number: int, row: dict[str, str], problems: list[Problem]) -> int:
    county = row.get("county_code", "")
    if not (county.isdigit() and len(county) == 6):
        problems.append(Problem(number, "county_code", county, "county_invalid"))
    year = row.get("year", "")
    if not (year.isdigit() and 2000 <= int(year) <= 2100):
        problems.append(Problem(number, "year", year, "year_invalid"))
        return 0
    return int(year)


def per_county(number: int, row: dict[str, str]) -> Iterator[Row]:
    """The allocations of one per-county row: one per program column that has an amount."""
    problems: list[Problem] = []
    year = _county_and_year(number, row, problems)
    amounts = []
    for column, program in PROGRAM_COLUMNS.items():
        if not row.get(column):
            continue
        try:
            amounts.append((program, wan_to_fen(row[column])))
        except ValueError:
            problems.append(Problem(number, column, row[column], "amount_invalid"))
    if problems:
        yield problems
        return
    for program, fen in amounts:
        yield Allocation(number, row["county_code"], year, program, fen)


def per_program(number: int, row: dict[str, str]) -> Iterator[Row]:
    """The allocation of one per-program row, with its targets."""
    problems: list[Problem] = []
    year = _county_and_year(number, row, problems)
    text = row.get("program", "")
    program = next((p for p in Program if p.value == text), None)
    if program is None:
        problems.append(Problem(number, "program", text, "program_unknown"))
    amount = 0
    if not row.get("budget_cny"):
        problems.append(Problem(number, "budget_cny", "", "missing"))
    else:
        try:
            amount = yuan_to_fen(row["budget_cny"])
        except ValueError:
            problems.append(Problem(number, "budget_cny", row["budget_cny"], "amount_invalid"))
    persons = row.get("target_persons") or None
    if persons is not None and not persons.isdigit():
        problems.append(Problem(number, "target_persons", persons, "persons_invalid"))
    satisfaction = None
    if row.get("satisfaction_target"):
        try:
            satisfaction = permille(row["satisfaction_target"])
        except ValueError:
            problems.append(
                Problem(number, "satisfaction_target", row["satisfaction_target"], "ratio_invalid")
            )
    if problems or program is None:
        yield problems
        return
    targets = Targets(None if persons is None else int(persons), satisfaction)
    yield Allocation(number, row["county_code"], year, program, amount, targets)


READERS = {PER_COUNTY: per_county, PER_PROGRAM: per_program}
