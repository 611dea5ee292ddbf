"""Application windows: open from `window_opens` to the deadline, per program, county and year."""

from __future__ import annotations

from datetime import date

from policy import load_parameters, next_window, open_windows, open_years, window

LINYI = "140821"


def november_round():
    """A county that takes claims in one round, 1 to 15 November (as 临猗 does)."""
    return load_parameters().with_overrides(
        LINYI,
        {"transport.window_opens": "11-01", "transport.deadline": "11-15"},
        reference="test: one application round in early November",
    )


def late_county():
    """A county whose stable-employment window runs from November into next January."""
    return load_parameters().with_overrides(
        LINYI,
        {"stable_employment.window_opens": "11-01", "stable_employment.deadline": "01-31"},
        reference="test: claims until the end of January",
    )


def test_by_default_claims_are_taken_all_year_until_the_programs_deadline():
    """In 2026 the transport window is 1 January to 25 December, stable employment to 31 Dec."""
    assert window("transport", 2026).opens == date(2026, 1, 1)
    assert window("transport", 2026).closes == date(2026, 12, 25)
    assert window("stable_employment", 2026).closes == date(2026, 12, 31)
    assert window("transport", 2026).is_open(date(2026, 12, 25))
    assert not window("transport", 2026).is_open(date(2026, 12, 26))


def test_after_the_transport_deadline_only_the_other_programs_are_open():
    """On 28 December 2026 transport is closed; the next transport window opens 1 January."""
    open_now = {w.program for w in open_windows(date(2026, 12, 28))}
    assert open_now == {"stable_employment", "workshop_employment"}
    following = next_window("transport", date(2026, 12, 28))
    assert (following.year, following.opens, following.closes) == (
        2027,
        date(2027, 1, 1),
        date(2027, 12, 25),
    )


def test_a_county_round_in_november_is_closed_before_and_after_it():
    """Given 临猗's November round, in June the next window is November's; in December, next
    year's."""
    params = november_round()
    assert not window("transport", 2026, LINYI, params).is_open(date(2026, 6, 1))
    june = next_window("transport", date(2026, 6, 1), LINYI, params)
    assert (june.opens, june.closes) == (date(2026, 11, 1), date(2026, 11, 15))
    december = next_window("transport", date(2026, 12, 1), LINYI, params)
    assert december.opens == date(2027, 11, 1)
    # Other counties keep the default.
    assert window("transport", 2026, "140581", params).opens == date(2026, 1, 1)


def test_a_window_that_reaches_into_january_keeps_last_year_open():
    """Given a window from 1 November to 31 January, in January 2027 the 2026 claims are still
    taken, and the decisions carry that closing day as their deadline."""
    params = late_county()
    assert window("stable_employment", 2026, LINYI, params).closes == date(2027, 1, 31)
    assert open_years(date(2027, 1, 10), LINYI, params) == [2026, 2027]
    assert open_years(date(2027, 2, 1), LINYI, params) == [2027]
    assert open_years(date(2027, 1, 10)) == [2027]  # the default window closed in December
