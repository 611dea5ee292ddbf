"""One-time codes sent by SMS to verify a person's phone (only their HMAC is kept).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "one_time_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_identity_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code_mac", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tries_left", sa.Integer(), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_identity_id"],
            ["chat_identity.id"],
            name=op.f("fk_one_time_code_chat_identity_id_chat_identity"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_one_time_code_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_code")),
    )
    op.create_index(
        op.f("ix_one_time_code_chat_identity_id"),
        "one_time_code",
        ["chat_identity_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_one_time_code_chat_identity_id"), table_name="one_time_code")
    op.drop_table("one_time_code")
