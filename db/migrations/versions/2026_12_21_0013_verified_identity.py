"""Verified identity: claims count only when their person is verified.

``application.identity_verified`` marks a claim made in a chat verified as its person; the
unique constraint on (person_id, program, year) becomes a unique index over those claims only,
so a draft made by someone else holds nothing. ``chat_identity`` records how and when it was
verified (sms | contact | cadre) and the drafts its user made before (``drafts``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-21 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
COUNTING = "identity_verified"


def upgrade() -> None:
    op.add_column(
        "application",
        sa.Column("identity_verified", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    _drop_unique_constraint()
    op.create_index(
        "uq_application_counting",
        "application",
        ["person_id", "program", "year"],
        unique=True,
        postgresql_where=sa.text(COUNTING),
        sqlite_where=sa.text(COUNTING),
    )
    # Plain ALTER TABLE: SQLite adds a column in place.
    op.add_column("chat_identity", sa.Column("verified_via", sa.String(length=16), nullable=True))
    op.add_column(
        "chat_identity", sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("chat_identity", sa.Column("drafts", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("chat_identity", "drafts")  # SQLite 3.35+ drops columns in place
    op.drop_column("chat_identity", "verified_at")
    op.drop_column("chat_identity", "verified_via")
    op.drop_index("uq_application_counting", table_name="application")
    # Drafts that held nothing would break the constraint: they are withdrawn ones by then.
    _batch_application(
        lambda batch: batch.create_unique_constraint(
            op.f("uq_application_person_id_program_year"), ["person_id", "program", "year"]
        )
    )
    op.drop_column("application", "identity_verified")


def _drop_unique_constraint() -> None:
    _batch_application(
        lambda batch: batch.drop_constraint(
            op.f("uq_application_person_id_program_year"), type_="unique"
        )
    )


def _batch_application(change: Callable[[BatchOperations], None]) -> None:
    """PostgreSQL alters in place; SQLite copies ``application`` (batch mode), which drops its
    never-deleted trigger (0006): it is made again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS application_never_deleted")
    with op.batch_alter_table("application") as batch:
        change(batch)
    if sqlite:
        op.execute(
            "CREATE TRIGGER application_never_deleted BEFORE DELETE ON application "
            "BEGIN SELECT RAISE(ABORT, 'application rows are never deleted'); END"
        )
