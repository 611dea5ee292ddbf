"""Public holidays and make-up working days (调休) given as parameters, one YAML file per year.

The State Council publishes each year's schedule in the autumn before it (国务院办公厅关于…年
部分节假日安排的通知); the chinese-calendar package catches up later. A year's file here is used
before the package, so a county can send a roster at the end of December with a due date in
January. The format is in parameters/holidays/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

import yaml

from policy.errors import ParameterError
from policy.once import built_once

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")


@dataclass(frozen=True)
class HolidaySchedule:
    """The days off and the make-up working days of the years given as parameters."""

    years: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]
    references: dict[int, str]

    def is_workday(self, day: date) -> bool:
        """A make-up day, or a weekday that is not a holiday; only for a year in ``years``."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _days(raw: Any, where: str) -> set[date]:
    if raw is None:
        return set()
    if not isinstance(raw, list):
        raise ParameterError(f"{where}: expected a list of dates (YYYY-MM-DD or A..B)")
    found: set[date] = set()
    for item in raw:
        text = item.isoformat() if isinstance(item, date) else str(item)
        match = _RANGE.match(text.strip())
        if not match:
            raise ParameterError(f"{where}: {item!r} is not a date or a range A..B")
        try:
            first = date.fromisoformat(match.group(1))
            last = date.fromisoformat(match.group(2) or match.group(1))
        except ValueError:
            raise ParameterError(f"{where}: {item!r} is not a real date") from None
        if last < first or (last - first).days > 31:
            raise ParameterError(f"{where}: {item!r} is not a range of at most a month")
        found.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return found


def parse_schedule(raw: Any, source: str) -> tuple[int, set[date], set[date], str]:
    """(year, holidays, workdays, reference) of one year's file; ParameterError if malformed."""
    if not isinstance(raw, dict):
        raise ParameterError(f"{source}: expected a mapping")
    unknown = set(raw) - {"year", "reference", "holidays", "workdays"}
    if unknown:
        raise ParameterError(f"{source}: unknown keys {sorted(unknown)}")
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise ParameterError(f"{source}: year: expected a year such as 2027")
    reference = raw.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise ParameterError(f"{source}: reference: the State Council notice is required")
    holidays = _days(raw.get("holidays"), f"{source}: holidays")
    workdays = _days(raw.get("workdays"), f"{source}: workdays")
    for day in holidays | workdays:
        # The New Year holiday may begin on the last days of the year before.
        if not (day.year == year or (day.year == year - 1 and day.month == 12)):
            raise ParameterError(f"{source}: {day} is not in {year}")
    if holidays & workdays:
        raise ParameterError(f"{source}: {sorted(holidays & workdays)[0]} is both off and on")
    return year, holidays, workdays, reference.strip()


@built_once
def holiday_schedule() -> HolidaySchedule:
    """Every year given under parameters/holidays/, loaded once."""
    return load_holidays(resources.files("policy").joinpath("parameters", "holidays"))


def load_holidays(directory: Any) -> HolidaySchedule:
    """The years of the ``YYYY.yaml`` files of a folder (a Path or a package resource)."""
    years: set[int] = set()
    holidays: set[date] = set()
    workdays: set[date] = set()
    references: dict[int, str] = {}
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        source = f"parameters/holidays/{entry.name}"
        try:
            raw = yaml.safe_load(entry.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ParameterError(f"{source}: not valid YAML: {error}") from None
        except ValueError as error:  # YAML reads 2027-02-30 as a date and fails
            raise ParameterError(f"{source}: not a real date: {error}") from None
        year, off, on, reference = parse_schedule(raw, source)
        if entry.name != f"{year}.yaml" or year in years:
            raise ParameterError(f"{source}: must be named after its year ({year}.yaml), once")
        years.add(year)
        holidays |= off
        workdays |= on
        references[year] = reference
    return HolidaySchedule(frozenset(years), frozenset(holidays), frozenset(workdays), references)
