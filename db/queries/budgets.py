"""County budgets: the check that refuses approvals beyond the allocation, and the summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import ApplicationStatus, Program
from db.errors import DbError
from db.models import Application, BudgetAllocation, RosterBatch, RosterStatus

# Money is committed from the county's confirmation on: these claims will be paid.
COMMITTED = (ApplicationStatus.APPROVED, ApplicationStatus.ROSTER_SENT, ApplicationStatus.PAID)


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
            Application.status.in_(COMMITTED),
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
    """One program of a county and year; amounts in fen, ``allocated`` None when none is known."""

    program: Program
    allocated: int | None
    committed: int
    paid: int
    committed_persons: int
    target_persons: int | None

    @property
    def remaining(self) -> int | None:
        return None if self.allocated is None else self.allocated - self.committed


def budget_summary(session: Session, county_code: str, year: int) -> Sequence[BudgetLine]:
    """Allocated / committed / paid per program, for every program (in the policy's order)."""
    allocations = {
        row.program: row
        for row in session.scalars(
            sa.select(BudgetAllocation).where(
                BudgetAllocation.county_code == county_code, BudgetAllocation.year == year
            )
        )
    }
    paid_amount = sa.case(
        (Application.status == ApplicationStatus.PAID, Application.amount_fen), else_=0
    )
    sums = {
        row.program: row
        for row in session.execute(
            sa.select(
                Application.program,
                sa.func.coalesce(sa.func.sum(Application.amount_fen), 0).label("committed"),
                sa.func.coalesce(sa.func.sum(paid_amount), 0).label("paid"),
                sa.func.count().label("persons"),
            )
            .where(
                _in_county(county_code),
                Application.year == year,
                Application.status.in_(COMMITTED),
            )
            .group_by(Application.program)
        )
    }
    lines = []
    for program in Program:
        allocation = allocations.get(program)
        total = sums.get(program)
        lines.append(
            BudgetLine(
                program=program,
                allocated=None if allocation is None else allocation.amount_fen,
                committed=0 if total is None else int(total.committed),
                paid=0 if total is None else int(total.paid),
                committed_persons=0 if total is None else int(total.persons),
                target_persons=None if allocation is None else allocation.target_persons,
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
