"""The staff console's work queue: finding claims by the end of an ID number, paging by age.

``person.id_tail_index`` is the blind index of an ID number's last 4 characters (what a masked
ID shows, 1405**********1232): a clerk types them and the queue finds the claims. It is a keyed
hash like ``id_index``, so existing persons get theirs from their stored ID number when the
process that migrates holds the keys (``wugong serve`` and ``wugong db upgrade`` do).

``ix_application_submitted_at`` serves the queue's order (oldest or newest first, then id), so a
page of 50 out of a county's 100,000 claims is read along the index instead of sorted.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-29 09:00:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    # Plain ALTER TABLE, also on SQLite: batch mode would rebuild the table and lose the
    # trigger that keeps persons from being deleted (migration 0006).
    op.add_column("person", sa.Column("id_tail_index", sa.String(64), nullable=True))
    _backfill()
    op.create_index("ix_person_id_tail_index", "person", ["id_tail_index"])
    op.create_index("ix_application_submitted_at", "application", ["submitted_at", "id"])


def _backfill() -> None:
    from db.crypto import keyring
    from db.errors import KeyringNotInstalledError
    from db.pii import ID_TAIL_LENGTH, normalize_id

    connection = op.get_bind()
    count = connection.execute(sa.text("SELECT count(*) FROM person")).scalar_one()
    if not count:
        return
    try:
        keys = keyring()
    except KeyringNotInstalledError:
        raise RuntimeError(
            "migration 0020 must index the ends of the stored ID numbers: run it with the "
            "secret key (wugong db upgrade)"
        ) from None
    update = sa.text("UPDATE person SET id_tail_index = :index WHERE id = :id")
    last = 0
    while True:
        rows = connection.execute(
            sa.text("SELECT id, id_number FROM person WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            number = normalize_id(keys.decrypt(row.id_number))
            if len(number) >= ID_TAIL_LENGTH:
                values.append({"id": row.id, "index": keys.blind_index("id_tail", number)})
        if values:
            connection.execute(update, values)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_application_submitted_at", table_name="application")
    op.drop_index("ix_person_id_tail_index", table_name="person")
    op.drop_column("person", "id_tail_index")  # SQLite 3.35+ drops columns in place
