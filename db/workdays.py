"""The Chinese working-day calendar: public holidays and make-up workdays (调休) included."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from db.errors import DbError


class UnknownCalendarYear(DbError, LookupError):
    """Raised when a date falls in a year whose holidays the chinese-calendar package does not
    know yet: the State Council publishes them each November, and the package must be updated
    before due dates in that year can be computed (weekdays alone would be wrong around 春节).
    """

    def __init__(self, day: date) -> None:
        first, last = known_years()
        super().__init__(
            f"the working-day calendar knows the years {first}-{last} only, not {day.year}: "
            "update the chinese-calendar package"
        )
        self.day = day


def known_years() -> tuple[int, int]:
    """The first and last year the installed chinese-calendar package has holidays for."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def is_workday(day: date) -> bool:
    """True on a working day: a weekday that is not a holiday, or a make-up weekend day."""
    first, last = known_years()
    if not first <= day.year <= last:
        raise UnknownCalendarYear(day)
    return bool(chinese_calendar.is_workday(day))


def add_workdays(start: date, count: int) -> date:
    """The date ``count`` working days after ``start`` (``start`` itself is not counted).

    Sending on a Monday before 国庆 counts the make-up Saturday after the holiday, not the
    holiday week itself.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
