"""WeChat: reaching people away from the chat (who could not be reached, the cadre's list).

``tell_in_person``: a status notice or reminder no channel could deliver (the user unfollowed
the WeChat account, gave no consent to notices, blocked the bot), for the cadres of the
person's village to tell in person; one row per notification at most.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-28 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "tell_in_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_tell_in_person_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_tell_in_person_notification_id_notification"),
        ),
        sa.ForeignKeyConstraint(
            ["done_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_tell_in_person_done_by_staff_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tell_in_person")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_tell_in_person_notification_id")),
    )
    op.create_index(
        op.f("ix_tell_in_person_person_id"), "tell_in_person", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_tell_in_person_region_code"), "tell_in_person", ["region_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_tell_in_person_region_code"), table_name="tell_in_person")
    op.drop_index(op.f("ix_tell_in_person_person_id"), table_name="tell_in_person")
    op.drop_table("tell_in_person")
