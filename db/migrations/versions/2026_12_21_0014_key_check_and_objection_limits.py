"""The secret key's fingerprint, and objections limited per identity.

``key_check`` holds one row: the fingerprint of the secret key the database's personal data is
written with (an HMAC of a constant under a key derived from it), written at the first start
after this migration; a process started with another key refuses to start. ``objection`` gets
``reviewers_told_at``: the reviewers are told of a notice's first objection at once and of
later ones in one digest, and this column is the exactly-once bookkeeping of both. How many
objections one chat raises (one per notice, a daily cap) is counted from the rows themselves.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "key_check",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_key_check_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_check")),
    )
    # Plain ALTER TABLE: SQLite adds a nullable column in place.
    op.add_column(
        "objection", sa.Column("reviewers_told_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("objection", "reviewers_told_at")  # SQLite 3.35+ drops columns in place
    op.drop_table("key_check")
