"""The web page inside WeChat: a session bound to an openid; files uploaded from the page.

``web_session.wechat_openid`` is the openid that OAuth (snsapi_base) gave for the session when
the page was opened inside WeChat: the page then speaks as that WeChat chat identity. Files
uploaded from the page are ordinary ``attachment`` rows (``storage_path``, encrypted under the
data directory), so they need no column of their own.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-28 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE: SQLite adds a column in place.
    op.add_column("web_session", sa.Column("wechat_openid", sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column("web_session", "wechat_openid")  # SQLite 3.35+ drops columns in place
