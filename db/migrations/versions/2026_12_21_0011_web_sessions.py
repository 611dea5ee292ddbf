"""Server-issued web chat sessions.

``web_session`` keeps the SHA-256 of each token that POST /api/session issued (never the token)
and when it was last used; the web chat takes only sessions found here, and a periodic job
deletes the ones idle too long. Chats of client-chosen session strings made before this
revision can no longer be reached from the page; the same job removes those that nothing
refers to.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_session_token_hash")),
    )
    op.create_index(op.f("ix_web_session_last_seen_at"), "web_session", ["last_seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_web_session_last_seen_at"), table_name="web_session")
    op.drop_table("web_session")
