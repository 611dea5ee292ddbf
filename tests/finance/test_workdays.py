"""The payment due date: 7 working days on the Chinese calendar, with holidays and make-up days."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from db.workdays import UnknownCalendarYear, add_workdays, is_workday, package_years
from policy.errors import ParameterError
from policy.holidays import load_holidays


def working_days_between(start: date, end: date) -> list[date]:
    """The oracle: chinese_calendar's own verdict on every day after start up to end."""
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return [day for day in days if chinese_calendar.is_workday(day)]


@pytest.mark.parametrize(
    ("sent", "due"),
    [
        # 国庆 2025: 10-01..10-08 off, Saturday 10-11 is a make-up workday.
        (date(2025, 9, 29), date(2025, 10, 15)),
        # Friday before 国庆; Sunday 09-28 is a make-up workday and counts.
        (date(2025, 9, 26), date(2025, 10, 13)),
        # 春节 2025: 01-28..02-04 off; Sunday 01-26 and Saturday 02-08 are make-up workdays.
        (date(2025, 1, 24), date(2025, 2, 10)),
        # 春节 2026: 02-15..02-23 off; Saturdays 02-14 and 02-28 are make-up workdays.
        (date(2026, 2, 13), date(2026, 3, 2)),
        # Across the new year: 2026-01-01..03 off, Sunday 01-04 is a make-up workday.
        (date(2025, 12, 31), date(2026, 1, 12)),
    ],
)
def test_seven_working_days_after_sending(sent: date, due: date) -> None:
    # Given a roster sent on `sent`, When 7 working days are added, Then payment is due on `due`
    assert add_workdays(sent, 7) == due
    worked = working_days_between(sent, due)
    assert len(worked) == 7 and worked[-1] == due


def test_make_up_saturdays_count_and_holidays_do_not() -> None:
    assert is_workday(date(2025, 10, 11))  # Saturday, make-up day
    assert not is_workday(date(2025, 10, 6))  # Monday inside 国庆
    assert date(2025, 10, 11) in working_days_between(date(2025, 9, 29), date(2025, 10, 15))


def test_zero_days_is_the_same_day_and_negative_is_refused() -> None:
    assert add_workdays(date(2025, 10, 3), 0) == date(2025, 10, 3)
    with pytest.raises(ValueError):
        add_workdays(date(2025, 10, 3), -1)


def test_a_year_the_calendar_does_not_know_is_a_clear_error() -> None:
    first, last = package_years()
    # Given the last day of the last known year, When 7 working days are added, Then the
    # calendar refuses instead of guessing the next year's holidays
    with pytest.raises(UnknownCalendarYear) as raised:
        add_workdays(date(last, 12, 28), 7)
    assert raised.value.year == last + 1
    assert f"policy/parameters/holidays/{last + 1}.yaml" in str(raised.value)
    assert f"{first}-{last}" in str(raised.value)


# A made-up schedule for a year after the package's last: test data, not a real notice.
NEXT_YEAR = """
year: 2027
reference: test schedule (not the State Council's)
holidays:
  - 2027-01-01
  - 2027-02-06..2027-02-12
workdays:
  - 2027-02-14
"""


def test_a_year_given_as_parameters_is_used_beyond_the_package(tmp_path) -> None:
    """Given 2027's schedule as a YAML parameter file, a roster sent on 2026-12-28 is due 7
    working days later: 12-29, 12-30, 12-31, then 2027-01-04, 05, 06, 07 (01-01 off)."""
    (tmp_path / "2027.yaml").write_text(NEXT_YEAR, encoding="utf-8")
    schedule = load_holidays(tmp_path)
    assert add_workdays(date(2026, 12, 28), 7, schedule) == date(2027, 1, 7)
    assert not is_workday(date(2027, 2, 8), schedule)  # inside the spring festival
    assert is_workday(date(2027, 2, 14), schedule)  # a make-up Sunday
    assert is_workday(date(2027, 2, 15), schedule)  # an ordinary Monday


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("year: 2027\nholidays: [2027-01-01]\n", "reference"),
        ("year: 2027\nreference: x\nholidays: [2028-01-01]\n", "not in 2027"),
        ("year: 2027\nreference: x\nholidays: [2027-02-30]\n", "not a real date"),
        ("year: 2027\nreference: x\nholidays: [2027-01-01]\nworkdays: [2027-01-01]\n", "both"),
    ],
)
def test_a_malformed_schedule_is_refused_with_the_problem_named(tmp_path, text, problem) -> None:
    (tmp_path / "2027.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=problem):
        load_holidays(tmp_path)
