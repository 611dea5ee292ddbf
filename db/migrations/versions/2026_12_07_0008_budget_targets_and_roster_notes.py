"""The satisfaction target of a budget allocation, and the roster note of an application.

``budget_allocation.target_satisfaction_permille`` is the 满意度指标 of the county's budget
(95% is 950), an integer like the amounts in fen, so it is exact on SQLite and PostgreSQL.
``application.roster_note`` is what a reviewer chose to show in the roster's 备注 column,
kept apart from ``review_note`` (the words sent to the applicant).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: SQLite (3.35+) adds and drops a column in place, and a
# batch copy of ``application`` would silently lose the trigger of 0006 that refuses deletes.


def upgrade() -> None:
    op.add_column(
        "budget_allocation",
        sa.Column("target_satisfaction_permille", sa.Integer(), nullable=True),
    )
    op.add_column("application", sa.Column("roster_note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("application", "roster_note")
    op.drop_column("budget_allocation", "target_satisfaction_permille")
