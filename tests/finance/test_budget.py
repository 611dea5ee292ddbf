"""Budgets: approvals beyond the allocation are refused; the summary per program."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus, Program, Rating
from db.models import Application, BudgetAllocation, RosterBatch, RosterStatus, Satisfaction
from db.queries.budgets import (
    BudgetExceeded,
    NoAllocation,
    budget_summary,
    check_budget,
    overdue_batches,
)
from tests.finance.county import COUNTY, YEAR


def test_exactly_the_remaining_amount_is_accepted_and_one_fen_more_refused(county, session):
    # Given 5000 yuan allocated and 1500 + 600 + 1500 committed (approved) in 高平
    # When 1400 yuan more are approved, Then it fits; 1400.01 does not
    check_budget(session, county_code=COUNTY, year=YEAR, program="transport", amount_fen=140_000)
    with pytest.raises(BudgetExceeded) as raised:
        check_budget(
            session, county_code=COUNTY, year=YEAR, program=Program.TRANSPORT, amount_fen=140_001
        )
    error = raised.value
    assert (error.allocated, error.committed, error.requested) == (500_000, 360_000, 140_001)
    assert error.remaining == 140_000
    assert "5000.00" in str(error) and "3600.00" in str(error) and "1400.01" in str(error)


def test_paid_and_sent_claims_count_as_committed_but_other_counties_and_reviews_do_not(
    county, session
):
    session.get(Application, county.zhang).status = ApplicationStatus.PAID
    session.get(Application, county.li).status = ApplicationStatus.ROSTER_SENT
    session.get(Application, county.zhao).status = ApplicationStatus.REJECTED
    session.flush()
    # 1500 paid + 600 sent = 2100 committed: 2900 remain
    check_budget(session, county_code=COUNTY, year=YEAR, program="transport", amount_fen=290_000)
    with pytest.raises(BudgetExceeded):
        check_budget(
            session, county_code=COUNTY, year=YEAR, program="transport", amount_fen=290_100
        )


def test_a_program_without_allocation_is_refused(county, session):
    with pytest.raises(NoAllocation) as raised:
        check_budget(
            session, county_code=COUNTY, year=YEAR, program="stable_employment", amount_fen=1
        )
    assert raised.value.allocated == 0
    assert raised.value.committed == 120_000  # 张三's approved 1200


def test_summary_has_allocated_committed_and_paid_per_program(county, session):
    session.get(Application, county.zhao).status = ApplicationStatus.PAID
    session.flush()
    lines = {line.program: line for line in budget_summary(session, COUNTY, YEAR)}
    assert list(lines) == list(Program)
    transport = lines[Program.TRANSPORT]
    assert (transport.allocated, transport.committed, transport.paid) == (500_000, 360_000, 150_000)
    assert (transport.committed_persons, transport.remaining) == (3, 140_000)
    stable = lines[Program.STABLE_EMPLOYMENT]
    assert (stable.allocated, stable.committed, stable.remaining) == (None, 120_000, None)
    assert lines[Program.WORKSHOP_EMPLOYMENT].committed == 0


def test_summary_counts_people_and_satisfaction_per_program(county, session):
    # Given 张三's transport and stable claims paid, 张三 satisfied with both, 赵六's transport
    # claim paid and rated not satisfied, and 李四's transport claim approved only
    for claim, rating in [
        (county.zhang, Rating.SATISFIED),
        (county.zhang_stable, Rating.BASICALLY_SATISFIED),
        (county.zhao, Rating.DISSATISFIED),
    ]:
        session.get(Application, claim).status = ApplicationStatus.PAID
        session.add(Satisfaction(application_id=claim, chat_identity_id=county.zhang_chat,
                                 county_code=COUNTY, rating=rating))  # fmt: skip
    allocation = session.scalars(sa.select(BudgetAllocation)).one()
    allocation.target_persons, allocation.target_satisfaction_permille = 800, 950
    session.flush()
    lines = {line.program: line for line in budget_summary(session, COUNTY, YEAR)}
    transport, stable = lines[Program.TRANSPORT], lines[Program.STABLE_EMPLOYMENT]
    assert (transport.committed_persons, transport.paid_persons) == (3, 2)
    assert (transport.target_persons, transport.target_satisfaction_permille) == (800, 950)
    assert (transport.answers, transport.content) == (2, 1)
    assert (stable.answers, stable.content, stable.target_persons) == (1, 1, None)
    assert lines[Program.WORKSHOP_EMPLOYMENT].answers == 0


def test_overdue_batches_are_sent_ones_past_their_due_date(county, session):
    sent_at = datetime(2025, 9, 29, tzinfo=UTC)
    batches = [
        RosterBatch(county_code=COUNTY, year=YEAR, program=Program.TRANSPORT, status=status,
                    sent_at=sent_at, due_date=due)
        for status, due in [
            (RosterStatus.SENT, date(2025, 10, 15)), (RosterStatus.SENT, date(2025, 10, 16)),
            (RosterStatus.PAID, date(2025, 10, 15)),
        ]
    ]  # fmt: skip
    session.add_all(batches)
    session.flush()
    assert list(overdue_batches(session, COUNTY, date(2025, 10, 16))) == [batches[0]]
    assert list(overdue_batches(session, "140427", date(2025, 10, 16))) == []
