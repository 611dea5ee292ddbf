"""The blind index of the card each claim is paid to, for the cross-check's shared-card finding.

Existing claims get theirs from their stored card when the process that migrates holds the keys
(``wugong serve`` and ``wugong db upgrade`` do); the index is a keyed hash, so it cannot be
computed in SQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    # Plain ALTER TABLE, also on SQLite: batch mode would rebuild the table and lose the
    # trigger that keeps applications from being deleted (migration 0006).
    op.add_column("application", sa.Column("account_index", sa.String(64), nullable=True))
    op.create_index("ix_application_account_index", "application", ["account_index"])
    _backfill()


def _backfill() -> None:
    from db.crypto import keyring
    from db.errors import KeyringNotInstalledError
    from db.pii import normalize_account

    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, bank_account_snapshot FROM application"
            " WHERE bank_account_snapshot IS NOT NULL"
        )
    ).all()
    if not rows:
        return
    try:
        keys = keyring()
    except KeyringNotInstalledError:
        raise RuntimeError(
            "migration 0009 must index the stored bank cards: run it with the secret key "
            "(wugong db upgrade)"
        ) from None
    update = sa.text("UPDATE application SET account_index = :index WHERE id = :id")
    values = [
        {
            "id": row.id,
            "index": keys.blind_index("account", normalize_account(keys.decrypt(row[1]))),
        }
        for row in rows
    ]
    for start in range(0, len(values), BATCH):
        connection.execute(update, values[start : start + BATCH])


def downgrade() -> None:
    op.drop_index("ix_application_account_index", table_name="application")
    op.drop_column("application", "account_index")  # SQLite 3.35+ drops columns in place
