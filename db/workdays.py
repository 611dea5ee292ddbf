"""The Chinese working-day calendar: public holidays and make-up workdays (调休) included.

A year given as parameters (policy/parameters/holidays/YYYY.yaml, from the State Council's
notice) is used before the chinese-calendar package, which learns new years only with a release.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from db.errors import DbError
from policy.holidays import HolidaySchedule, holiday_schedule


class UnknownCalendarYear(DbError, LookupError):
    """Raised when a date falls in a year whose holidays neither the parameters nor the
    chinese-calendar package know: the State Council publishes them each autumn, and they must
    be added (policy/parameters/holidays/YYYY.yaml) before due dates in that year can be
    computed (weekdays alone would be wrong around 春节).
    """

    def __init__(self, day: date) -> None:
        super().__init__(
            f"the working-day calendar does not know the holidays of {day.year}: add "
            f"policy/parameters/holidays/{day.year}.yaml from the State Council's notice "
            f"(国务院办公厅关于{day.year}年部分节假日安排的通知), or update the chinese-calendar "
            f"package (it knows {package_years()[0]}-{package_years()[1]})"
        )
        self.day = day
        self.year = day.year


def package_years() -> tuple[int, int]:
    """The first and last year the installed chinese-calendar package has holidays for."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def is_workday(day: date, schedule: HolidaySchedule | None = None) -> bool:
    """True on a working day: a weekday that is not a holiday, or a make-up weekend day.

    ``schedule`` defaults to the years given as parameters.
    """
    schedule = schedule or holiday_schedule()
    if day.year in schedule.years:
        return schedule.is_workday(day)
    first, last = package_years()
    if not first <= day.year <= last:
        raise UnknownCalendarYear(day)
    return bool(chinese_calendar.is_workday(day))


def add_workdays(start: date, count: int, schedule: HolidaySchedule | None = None) -> date:
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
        if is_workday(day, schedule):
            remaining -= 1
    return day
