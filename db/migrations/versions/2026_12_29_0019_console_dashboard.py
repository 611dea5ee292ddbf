"""The staff console: indexes for its dashboard.

The dashboard reads a county's claims of a year in one pass (status, program, amount, roster
and payment day, the id its satisfaction answer joins on) and the submissions of two years by
day; with these covering indexes both are index-only scans on PostgreSQL (and SQLite), instead
of reading the claims' rows with their facts and decisions (bench/console.py: 100,000 claims).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-29 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DASHBOARD = ["year", "region_code", "status", "program", "identity_verified", "amount_fen",
             "roster_batch_id", "paid_at", "id"]  # fmt: skip
SUBMITTED = ["submitted_at", "region_code", "status", "identity_verified"]


def upgrade() -> None:
    op.create_index("ix_application_dashboard", "application", DASHBOARD)
    op.create_index("ix_application_submitted", "application", SUBMITTED)


def downgrade() -> None:
    op.drop_index("ix_application_submitted", table_name="application")
    op.drop_index("ix_application_dashboard", table_name="application")
