"""WeChat: the inbox of callbacks (one turn per message) and the customer-service window.

``wechat_inbox`` records every callback before WeChat gets its ``success``; its unique
``dedup_key`` (a message's sender and MsgId, an event's sender, CreateTime and Event) makes
WeChat's retries one turn, across processes. ``chat_identity.last_inbound_at`` is the user's
last message, which opens the 48-hour window of customer-service messages.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-28 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.add_column("chat_identity", sa.Column("last_inbound_at", sa.DateTime(timezone=True)))
    op.create_table(
        "wechat_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wechat_inbox")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_wechat_inbox_dedup_key")),
    )
    op.create_index(op.f("ix_wechat_inbox_status"), "wechat_inbox", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_wechat_inbox_status"), table_name="wechat_inbox")
    op.drop_table("wechat_inbox")
    with op.batch_alter_table("chat_identity") as batch:
        batch.drop_column("last_inbound_at")
