"""Channels by name, and the file name of a stored attachment.

``chat_identity.channel`` loses its CHECK constraint: a channel is the name its sender registers
(common/sending.py), so adding one (WeChat, SMS, …) needs no migration, and a chat of a channel
without a sender is recorded undeliverable, never sent. ``attachment.file_name`` keeps the name
a document was sent under, beside ``storage_path`` (the encrypted copy under the data directory)
and the channel's ``file_id``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-14 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNELS_BEFORE = ("telegram", "web", "wechat")


def upgrade() -> None:
    # SQLite cannot drop a constraint in place: batch mode copies ``chat_identity`` (no trigger
    # guards it, unlike the never-deleted tables of 0006). PostgreSQL drops it in place.
    with op.batch_alter_table("chat_identity") as batch:
        batch.drop_constraint(op.f("ck_chat_identity_channel"), type_="check")
    # Plain ALTER TABLE: SQLite adds a column in place.
    op.add_column("attachment", sa.Column("file_name", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.drop_column("attachment", "file_name")  # SQLite 3.35+ drops columns in place
    listed = ", ".join(f"'{name}'" for name in CHANNELS_BEFORE)
    with op.batch_alter_table("chat_identity") as batch:
        batch.create_check_constraint(op.f("ck_chat_identity_channel"), f"channel IN ({listed})")
