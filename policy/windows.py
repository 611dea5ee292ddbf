"""Application windows: from when until when claims of a program, county and claim year are taken.

A window opens on `<program>.window_opens` of the claim year and closes on `<program>.deadline`
(inclusive), in the next year when the deadline comes earlier in the calendar than the opening.
So on a given day at most two claim years can be open: this year's and, for a window that
reaches into January or beyond, last year's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from policy.facts import PROGRAMS
from policy.parameters import Parameters, load_parameters, month_day


@dataclass(frozen=True)
class Window:
    """The days claims of ``program`` for claim ``year`` are taken, both ends included."""

    program: str
    year: int
    opens: date
    closes: date

    def is_open(self, day: date) -> bool:
        return self.opens <= day <= self.closes


def window(
    program: str, year: int, county: str | None = None, params: Parameters | None = None
) -> Window:
    """The window of a program's claims for ``year`` in ``county`` (None: the default)."""
    tree = params or load_parameters()
    on = date(year, 1, 1)
    opens_md = tree.get(f"{program}.window_opens", on, county)
    closes_md = tree.get(f"{program}.deadline", on, county)
    opens = month_day(opens_md, year)
    closes = month_day(closes_md, year)
    if closes < opens:
        closes = month_day(closes_md, year + 1)
    return Window(program, year, opens, closes)


def open_windows(
    day: date,
    county: str | None = None,
    programs: Iterable[str] = PROGRAMS,
    params: Parameters | None = None,
) -> list[Window]:
    """The windows open on ``day``, last year's (if still open) before this year's."""
    return [
        found
        for year in (day.year - 1, day.year)
        for program in programs
        if (found := window(program, year, county, params)).is_open(day)
    ]


def open_years(day: date, county: str | None = None, params: Parameters | None = None) -> list[int]:
    """The claim years some program takes claims for on ``day``, oldest first."""
    return sorted({found.year for found in open_windows(day, county, params=params)})


def next_window(
    program: str, day: date, county: str | None = None, params: Parameters | None = None
) -> Window:
    """The window open on ``day``, else the next one to open."""
    for year in (day.year - 1, day.year, day.year + 1):
        found = window(program, year, county, params)
        if found.closes >= day:
            return found
    return window(program, day.year + 2, county, params)  # a window shorter than the gap
