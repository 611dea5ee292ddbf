"""Staff roles that lapse and can be revoked; login codes for existing staff.

``chat_identity.staff_since`` and ``staff_seen_at`` say when an identity took its staff role and
last used it (a web chat's role lapses: db/queries/staff.py); ``staff.last_used_at`` and
``revoked_at`` are shown by `wugong staff list`; ``staff_invite.staff_id`` marks a login code
of an existing staff member (`wugong staff login-code`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: SQLite adds a column without a constraint in place.
    op.add_column("chat_identity", sa.Column("staff_since", sa.DateTime(timezone=True)))
    op.add_column("chat_identity", sa.Column("staff_seen_at", sa.DateTime(timezone=True)))
    op.add_column("staff", sa.Column("last_used_at", sa.DateTime(timezone=True)))
    op.add_column("staff", sa.Column("revoked_at", sa.DateTime(timezone=True)))
    # A foreign key needs batch mode on SQLite (a copy of ``staff_invite``, which no trigger
    # guards); PostgreSQL alters the table in place.
    with op.batch_alter_table("staff_invite") as batch:
        batch.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_staff_invite_staff_id_staff"), "staff", ["staff_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("staff_invite") as batch:
        batch.drop_constraint(op.f("fk_staff_invite_staff_id_staff"), type_="foreignkey")
        batch.drop_column("staff_id")
    # SQLite 3.35+ drops columns in place.
    op.drop_column("staff", "revoked_at")
    op.drop_column("staff", "last_used_at")
    op.drop_column("chat_identity", "staff_seen_at")
    op.drop_column("chat_identity", "staff_since")
