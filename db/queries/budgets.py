"""County budgets: the check that refuses approvals beyond the allocation, and the summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import COMMITTED_STATUSES, ApplicationStatus, Program, Rating
from db.errors import DbError
from db.models import Application, BudgetAllocation, RosterBatch, RosterStatus, Satisfaction

# Money is committed from the county's confirmation on: these claims will be paid.
# The answers that count towards the satisfaction target (满意 and 基本满意), as /satisfaction.
CONTENT = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


class BudgetError(DbError):
    """Base class of the budget errors."""


class BudgetExceeded(BudgetError):
    """Raised when approving an application would commit more than the county's allocation for
    the program and year: ``allocated``, ``committed`` (approved, roster sent or paid) and
    ``requested`` are in fen, so the message can say by how much.
    """

    def __init__(
        self,
        *,
        county_code: str,
        year: int,
        program: Program,
        allocated: int,
        committed: int,
        requested: int,
    ) -> None:
        self.county_code = county_code
        self.year = year
        self.program = program
        self.allocated = allocated
        self.committed = committed
        self.requested = requested
        super().__init__(
            f"budget of {county_code} for {program.value} {year} exceeded: allocated "
            f"{allocated / 100:.2f}, committed {committed / 100:.2f}, requested "
            f"{requested / 100:.2f} CNY"
        )

    @property
    def remaining(self) -> int:
        """What is left of the allocation in fen (never negative)."""
        return max(self.allocated - self.committed, 0)


class NoAllocation(BudgetExceeded):
    """Raised when the county has no allocation at all for the program and year: nothing can be
    approved until one is imported (`wugong import allocations`); ``allocated`` is 0.
    """


def county_of(region_code: str) -> str:
    """The county of a region code: its first 6 digits."""
    return region_code[:6]


def _in_county(county_code: str) -> sa.ColumnElement[bool]:
    # A prefix match uses the index on region_code; village codes are 12 digits under the county.
    return Application.region_code.startswith(county_code, autoescape=True)


def committed_fen(session: Session, *, county_code: str, year: int, program: Program) -> int:
    """The sum of the amounts of the county's approved, rostered and paid claims."""
    total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Application.amount_fen), 0)).where(
            _in_county(county_code),
            Application.year == year,
            Application.program == program,
            Application.status.in_(COMMITTED_STATUSES),
        )
    )
    return int(total or 0)


def check_budget(
    session: Session, *, county_code: str, year: int, program: Program | str, amount_fen: int
) -> None:
    """Raise BudgetExceeded unless ``amount_fen`` still fits into the county's allocation.

    Call it in the transaction that approves, before the status change: the allocation row is
    locked (FOR UPDATE), so two confirmations in the same county wait for each other instead of
    both spending the last yuan. Exactly the remaining amount is accepted.
    """
    program = Program(program)
    allocation = session.scalars(
        sa.select(BudgetAllocation)
        .where(
            BudgetAllocation.county_code == county_code,
            BudgetAllocation.year == year,
            BudgetAllocation.program == program,
        )
        .with_for_update()
    ).one_or_none()
    committed = committed_fen(session, county_code=county_code, year=year, program=program)
    allocated = 0 if allocation is None else allocation.amount_fen
    if allocation is None or committed + amount_fen > allocated:
        kind = NoAllocation if allocation is None else BudgetExceeded
        raise kind(
            county_code=county_code,
            year=year,
            program=program,
            allocated=allocated,
            committed=committed,
            requested=amount_fen,
        )


@dataclass(frozen=True)
class BudgetLine:
    """One program of a county and year: amounts in fen (``allocated`` None when none is
    known), the people supported against the allocation's target, and the satisfaction answers
    of its paid applicants against the target per mille (targets None when the budget has none).

    A person counts as supported from the county's confirmation on, as the money does: the
    claim is committed and will be paid.
    """

    program: Program
    allocated: int | None
    committed: int
    paid: int
    committed_persons: int
    target_persons: int | None
    paid_persons: int = 0
    answers: int = 0
    content: int = 0
    target_satisfaction_permille: int | None = None

    @property
    def remaining(self) -> int | None:
        return None if self.allocated is None else self.allocated - self.committed


def _satisfaction(session: Session, county_code: str, year: int) -> dict[Program, tuple[int, int]]:
    """Per program: the answers given and those satisfied or basically satisfied."""
    content = sa.case((Satisfaction.rating.in_(CONTENT), 1), else_=0)
    rows = session.execute(
        sa.select(Application.program, sa.func.count(), sa.func.coalesce(sa.func.sum(content), 0))
        .join(Application, Application.id == Satisfaction.application_id)
        .where(_in_county(county_code), Application.year == year)
        .group_by(Application.program)
    )
    return {program: (int(answers), int(happy)) for program, answers, happy in rows}


def budget_summary(session: Session, county_code: str, year: int) -> Sequence[BudgetLine]:
    """Allocated / committed / paid, people and satisfaction per program, for every program (in
    the policy's order)."""
    allocations = {
        row.program: row
        for row in session.scalars(
            sa.select(BudgetAllocation).where(
                BudgetAllocation.county_code == county_code, BudgetAllocation.year == year
            )
        )
    }
    is_paid = Application.status == ApplicationStatus.PAID
    sums = {
        row.program: row
        for row in session.execute(
            sa.select(
                Application.program,
                sa.func.coalesce(sa.func.sum(Application.amount_fen), 0).label("committed"),
                sa.func.coalesce(
                    sa.func.sum(sa.case((is_paid, Application.amount_fen), else_=0)), 0
                ).label("paid"),
                sa.func.count().label("persons"),
                sa.func.coalesce(sa.func.sum(sa.case((is_paid, 1), else_=0)), 0).label(
                    "paid_persons"
                ),
            )
            .where(
                _in_county(county_code),
                Application.year == year,
                Application.status.in_(COMMITTED_STATUSES),
            )
            .group_by(Application.program)
        )
    }
    answers = _satisfaction(session, county_code, year)
    lines = []
    for program in Program:
        allocation = allocations.get(program)
        total = sums.get(program)
        given, content = answers.get(program, (0, 0))
        lines.append(
            BudgetLine(
                program=program,
                allocated=None if allocation is None else allocation.amount_fen,
                committed=0 if total is None else int(total.committed),
                paid=0 if total is None else int(total.paid),
                committed_persons=0 if total is None else int(total.persons),
                target_persons=None if allocation is None else allocation.target_persons,
                paid_persons=0 if total is None else int(total.paid_persons),
                answers=given,
                content=content,
                target_satisfaction_permille=(
                    None if allocation is None else allocation.target_satisfaction_permille
                ),
            )
        )
    return lines


def overdue_batches(session: Session, county_code: str, today: date) -> Sequence[RosterBatch]:
    """The county's rosters sent to finance whose payment due date has passed, oldest first."""
    return session.scalars(
        sa.select(RosterBatch)
        .where(
            RosterBatch.county_code == county_code,
            RosterBatch.status == RosterStatus.SENT,
            RosterBatch.due_date < today,
        )
        .order_by(RosterBatch.due_date, RosterBatch.id)
    ).all()
