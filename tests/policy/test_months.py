"""Months: parsing, ordering and whole-month counting inside a claim year."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy import InvalidMonth, Month, months_in_year
from policy.months import months_between


@pytest.mark.parametrize(
    "text", ["2025-03", "2025-3", "2025年03月", "2025年3月", "202503", " 2025-03 "]
)
def test_months_parse_in_the_usual_spellings(text: str) -> None:
    assert Month.parse(text) == Month(2025, 3)


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-00", "2025/03", "25-03", "March", "", "2025-03-01"]
)
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(InvalidMonth):
        Month.parse(text)


def test_months_print_and_order() -> None:
    assert str(Month(2025, 3)) == "2025-03"
    assert Month(2024, 12) < Month(2025, 1)
    assert Month(2024, 12) + 1 == Month(2025, 1)


def test_work_across_new_year_is_split_by_year() -> None:
    start, end = Month(2024, 10), Month(2025, 3)
    assert months_in_year(start, end, 2024) == 3
    assert months_in_year(start, end, 2025) == 3
    assert months_in_year(start, end, 2023) == 0


months = st.builds(Month, st.integers(2020, 2030), st.integers(1, 12))


@given(start=months, end=months)
def test_months_in_each_year_add_up_to_the_whole_period(start: Month, end: Month) -> None:
    total = sum(months_in_year(start, end, year) for year in range(2019, 2032))
    assert total == months_between(start, end)
    assert all(0 <= months_in_year(start, end, y) <= 12 for y in range(2019, 2032))


@given(month=months, shift=st.integers(-200, 200))
def test_adding_months_moves_the_index(month: Month, shift: int) -> None:
    assert (month + shift).index == month.index + shift
    assert Month.parse(str(month)) == month
