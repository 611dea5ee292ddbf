"""WeChat: reaching people away from the chat (who could not be reached, the cadre's list).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-28 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # api


def downgrade() -> None:
    pass
