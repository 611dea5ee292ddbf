"""The console's dashboard: the numbers a clerk of 高平 (or of 晋城) sees, exactly."""

from __future__ import annotations

from datetime import date

import pytest

from db.enums import ApplicationStatus, Program
from db.queries.budgets import budget_summary
from db.queries.console.dashboard import (
    CHART_STATUSES,
    aggregate_baseline,
    budget_execution,
    claims_by_township,
    dashboard,
    payment_speed,
    people_supported,
    satisfaction,
    weekly_submissions,
    weeks_in,
)
from tests.console_dashboard.county import (
    CITY,
    COUNTY,
    MISHAN,
    SANJIA,
    YEAR,
    ZEZHOU,
    County,
    build_county,
)

T, S, W = Program.TRANSPORT, Program.STABLE_EMPLOYMENT, Program.WORKSHOP_EMPLOYMENT
_S = ApplicationStatus


@pytest.fixture
def county(session_factory) -> County:
    return build_county(session_factory)


@pytest.fixture
def gaoping(county, session):
    (only,) = dashboard(session, COUNTY, YEAR).counties
    return only


def test_the_rosters_due_dates_are_7_working_days_on_the_chinese_calendar(county):
    # Monday 28 September + 7 working days, across 国庆 (1–8 October) and its make-up days
    assert county.first_roster_due == date(2026, 10, 13)
    assert county.second_roster_due == date(2026, 11, 11)


def test_people_supported_are_committed_claims_against_the_target(gaoping):
    assert gaoping.code == COUNTY and gaoping.name == "高平市"
    people = {line.program: line for line in gaoping.people}
    assert list(people) == list(Program)
    # c1–c5 approved, on the roster or paid (c6 is in village review; the drafts hold nothing)
    assert (people[T].supported, people[T].target) == (5, 800)
    assert people[T].share == 5 / 800
    assert (people[S].supported, people[S].target) == (1, 200)
    assert (people[W].supported, people[W].target, people[W].share) == (0, None, None)


def test_budget_is_allocated_committed_and_paid_with_the_execution_rate(gaoping):
    budget = {line.program: line for line in gaoping.budget}
    transport = budget[T]
    # committed 1500 + 600 + 1500 + 600 + 1500, paid 1500 + 600 + 1500, of 50 万元
    assert (transport.allocated, transport.committed, transport.paid) == (
        50_000_000,
        570_000,
        360_000,
    )
    assert transport.execution_rate == pytest.approx(0.0072)
    assert transport.committed_rate == pytest.approx(0.0114)
    stable = budget[S]
    assert (stable.allocated, stable.committed, stable.paid) == (25_000_000, 120_000, 120_000)
    assert stable.execution_rate == pytest.approx(0.0048)
    assert (budget[W].allocated, budget[W].execution_rate) == (None, None)


def test_the_figures_match_the_budget_in_chat(gaoping, session):
    chat = {line.program: line for line in budget_summary(session, COUNTY, YEAR)}
    for people, budget in zip(gaoping.people, gaoping.budget, strict=True):
        line = chat[budget.program]
        assert (budget.allocated, budget.committed, budget.paid) == (
            line.allocated,
            line.committed,
            line.paid,
        )
        assert (people.supported, people.target) == (line.committed_persons, line.target_persons)
    for happy in gaoping.satisfaction:
        assert (happy.answers, happy.content) == (
            chat[happy.program].answers,
            chat[happy.program].content,
        )


def test_claims_by_status_per_township_stack_every_township_of_the_county(gaoping):
    townships = {line.code: line for line in gaoping.townships}
    assert len(townships) == 15  # 高平's townships and sub-districts in the register
    assert list(townships) == sorted(townships)
    mishan, sanjia = townships[MISHAN], townships[SANJIA]
    assert (mishan.name, sanjia.name) == ("米山镇", "三甲镇")
    assert list(mishan.counts) == list(CHART_STATUSES)
    assert _S.DRAFT not in mishan.counts
    assert {status: n for status, n in mishan.counts.items() if n} == {
        _S.PAID: 3,
        _S.ROSTER_SENT: 1,
        _S.APPROVED: 1,
        _S.VILLAGE_REVIEW: 1,
    }
    assert {status: n for status, n in sanjia.counts.items() if n} == {
        _S.PAID: 1,
        _S.REJECTED: 1,
        _S.SUBMITTED: 1,
        _S.WITHDRAWN: 1,
    }
    assert (mishan.total, sanjia.total) == (6, 4)  # the two drafts of 米山镇 are not there
    assert sum(line.total for line in gaoping.townships) == 10


def test_submissions_per_iso_week_this_year_against_last_year(gaoping):
    weeks = gaoping.submissions
    assert weeks.year == YEAR
    assert len(weeks.this_year) == len(weeks.last_year) == weeks_in(2026) == 53
    assert weeks_in(2025) == 52
    this = {week: n for week, n in enumerate(weeks.this_year, start=1) if n}
    last = {week: n for week, n in enumerate(weeks.last_year, start=1) if n}
    # c6 was submitted at 01:00 on Monday 5 January in China (week 2), Sunday in UTC (week 1)
    assert this == {2: 1, 10: 5, 11: 2, 23: 2}
    assert last == {10: 1, 11: 1}


def test_paid_within_7_working_days_counts_the_due_day_in_chinas_time(gaoping):
    payment = gaoping.payment
    # c1 (12 Oct), c2 (23:30 on 13 Oct) and c7 (its due day) in time; c3 at 00:30 on 14 Oct late
    assert (payment.paid, payment.on_time) == (4, 3)
    assert payment.share == 0.75


def test_satisfaction_counts_content_answers_against_the_target(gaoping):
    lines = {line.program: line for line in gaoping.satisfaction}
    transport = lines[T]
    assert (transport.satisfied, transport.basically_satisfied, transport.dissatisfied) == (1, 1, 1)
    assert (transport.answers, transport.content) == (3, 2)
    # no target in the budget: 95 % (GP26)
    assert (transport.target_permille, transport.met) == (950, False)
    assert transport.share == pytest.approx(2 / 3)
    stable = lines[S]
    assert (stable.answers, stable.content, stable.target_permille, stable.met) == (1, 1, 900, True)
    assert (lines[W].answers, lines[W].share, lines[W].met) == (0, None, None)


def test_each_figure_alone_gives_what_the_dashboard_gives(county, session, gaoping):
    assert people_supported(session, COUNTY, YEAR) == gaoping.people
    assert budget_execution(session, COUNTY, YEAR) == gaoping.budget
    assert claims_by_township(session, COUNTY, YEAR) == gaoping.townships
    assert weekly_submissions(session, COUNTY, YEAR) == (gaoping.submissions,)
    assert payment_speed(session, COUNTY, YEAR) == (gaoping.payment,)
    assert satisfaction(session, COUNTY, YEAR) == gaoping.satisfaction


def test_a_city_admin_sees_the_counties_side_by_side(county, session):
    city = dashboard(session, CITY, YEAR)
    codes = [county.code for county in city.counties]
    assert codes == ["140502", "140521", "140522", "140524", "140525", "140581"]
    counties = {county.code: county for county in city.counties}
    zezhou, gaoping = counties[ZEZHOU], counties[COUNTY]
    assert (zezhou.name, gaoping.name) == ("泽州县", "高平市")
    assert (zezhou.people[0].supported, zezhou.people[0].target) == (1, 300)
    assert (gaoping.people[0].supported, gaoping.people[0].target) == (5, 800)
    assert (zezhou.payment.paid, zezhou.payment.on_time) == (1, 1)
    assert sum(line.total for line in zezhou.townships) == 1
    assert all(line.code.startswith(ZEZHOU) for line in zezhou.townships)
    assert gaoping == dashboard(session, COUNTY, YEAR).counties[0]
    quiet = counties["140502"]
    assert quiet.people[0].supported == 0 and quiet.payment.share is None
    assert sum(quiet.submissions.this_year) == 0


def test_another_year_shows_its_own_claims(county, session):
    (gaoping,) = dashboard(session, COUNTY, 2025).counties
    assert gaoping.people[0].supported == 1
    assert gaoping.budget[0].allocated == 1
    assert gaoping.budget[0].paid == 150_000
    assert sum(gaoping.submissions.this_year) == 2  # 2025's weeks, against 2024's
    assert sum(gaoping.submissions.last_year) == 0


def test_a_region_that_is_not_a_county_or_city_is_refused(session):
    for code in ("14", "140581101", "14058x"):
        with pytest.raises(ValueError):
            dashboard(session, code, YEAR)


def test_the_single_aggregate_gives_the_same_headline_numbers(county, session, gaoping):
    baseline = {line.program: line for line in aggregate_baseline(session, COUNTY, YEAR)}
    assert list(baseline) == [T, S]  # the programs with claims
    for people, budget, happy in zip(
        gaoping.people[:2], gaoping.budget[:2], gaoping.satisfaction[:2], strict=True
    ):
        line = baseline[people.program]
        assert (line.supported, line.target_persons) == (people.supported, people.target)
        assert (line.allocated, line.committed, line.paid) == (
            budget.allocated,
            budget.committed,
            budget.paid,
        )
        assert (line.answers, line.content) == (happy.answers, happy.content)
    transport = baseline[T]
    assert (transport.paid_with_due, transport.paid_on_time) == (3, 2)
    assert transport.submitted == 8
    assert sum(line.paid_with_due for line in baseline.values()) == gaoping.payment.paid
    assert sum(line.paid_on_time for line in baseline.values()) == gaoping.payment.on_time
