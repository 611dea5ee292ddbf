"""Leaner indexes on the monitoring work records, which imports write a million at a time.

``ix_monitoring_employment_person_id`` repeats the leading column of the unique
(person_id, start_month) index, which serves every lookup by person; no query filters on
``work_county_code`` by index (the reminders compare a prefix of it, which a b-tree on the
whole value cannot serve). Each index cost an import of a million rows about half a second.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:20:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_monitoring_employment_person_id", table_name="monitoring_employment")
    op.drop_index("ix_monitoring_employment_work_county_code", table_name="monitoring_employment")


def downgrade() -> None:
    op.create_index(
        "ix_monitoring_employment_work_county_code",
        "monitoring_employment",
        ["work_county_code"],
    )
    op.create_index("ix_monitoring_employment_person_id", "monitoring_employment", ["person_id"])
