"""Work records take their ids from the sequence a thousand at a time (PostgreSQL).

Only imports write ``monitoring_employment``, a million rows at a time; each row's id from a
sequence without a cache locks the sequence and logs it every 32 values, some 0.15 s a million
rows in the import's one transaction. With ``CACHE 1000`` a session takes a thousand ids at once.
An id says nothing of when its row came (ids of two sessions may interleave, and a session's
unused ids are skipped); nothing orders work records by id.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-30 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CACHE = 1000


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_alter(CACHE))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_alter(1))


def _alter(cache: int) -> str:
    # The sequence named as the column owns it, whatever the schema (search_path) is.
    return (
        "DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s CACHE "
        f"{int(cache)}', pg_get_serial_sequence('monitoring_employment', 'id')); END $$"
    )
