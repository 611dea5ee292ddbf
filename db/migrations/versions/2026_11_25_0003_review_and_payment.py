"""Review notes, roster batches to the finance bureau, and payments of applications.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 04:40:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=op.f(name), native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "roster_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "program",
            _enum(
                "ck_roster_batch_program", "transport", "stable_employment", "workshop_employment"
            ),
            nullable=False,
        ),
        sa.Column(
            "status", _enum("ck_roster_batch_status", "draft", "sent", "paid"), nullable=False
        ),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_roster_batch_created_by_staff_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_batch")),
    )
    op.create_index(op.f("ix_roster_batch_county_code"), "roster_batch", ["county_code"])
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("roster_batch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("payment_ref", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_application_roster_batch_id_roster_batch"),
            "roster_batch",
            ["roster_batch_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_application_roster_batch_id"), ["roster_batch_id"])


def downgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.drop_index(op.f("ix_application_roster_batch_id"))
        batch.drop_constraint(
            op.f("fk_application_roster_batch_id_roster_batch"), type_="foreignkey"
        )
        batch.drop_column("payment_ref")
        batch.drop_column("paid_at")
        batch.drop_column("roster_batch_id")
        batch.drop_column("review_note")
    op.drop_index(op.f("ix_roster_batch_county_code"), table_name="roster_batch")
    op.drop_table("roster_batch")
