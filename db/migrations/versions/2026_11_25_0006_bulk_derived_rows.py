"""Rows written a million at a time carry no per-row foreign-key triggers; their parents are
never deleted instead.

Findings are derived from the monitoring records by the cross-check, which writes them only from
a join with ``application`` and rewrites them on every run; monitoring work records are written
only by the import, from a join with the ``person`` rows of the same transaction. A foreign key
checked each of those rows again, one index probe and row lock per row: on 287,000 findings that
was a fifth of a cross-check of 100,000 applications, and on 1,000,000 work records it cost an
import more than three times a raw COPY of them. What the foreign keys guarded, that no row ever
points at a parent that is gone, now holds because applications, persons and import batches can
never be deleted (a trigger refuses it: they are the legal record the audit trail points at).

A finding is now identified by (application, code), its natural key, instead of a surrogate id
beside a unique index on those two columns; its registry values are stored as ``json`` on
PostgreSQL (written once, shown as written) instead of ``jsonb`` (built and decomposed per row).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 12:30:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEVER_DELETED = ("application", "person", "import_batch")
JSONB = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _guard_postgresql() -> None:
    op.execute(
        "CREATE FUNCTION wugong_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME "
        "USING ERRCODE = 'restrict_violation'; END $$"
    )
    for table in NEVER_DELETED:
        for event in ("DELETE", "TRUNCATE"):
            op.execute(
                f"CREATE TRIGGER {table}_never_{event.lower()}d BEFORE {event} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION wugong_never_deleted()"
            )


def _guard_sqlite() -> None:
    for table in NEVER_DELETED:
        op.execute(
            f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are never deleted'); END"
        )


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch:
        batch.drop_constraint("fk_finding_application_id_application", type_="foreignkey")
        batch.drop_constraint("uq_finding_application_id_code", type_="unique")
        batch.drop_constraint("pk_finding", type_="primary")
        batch.drop_column("id")
        batch.create_primary_key("pk_finding", ["application_id", "code"])
        batch.alter_column(
            "registry_values",
            type_=sa.JSON(),
            existing_type=JSONB,
            existing_nullable=False,
            postgresql_using="registry_values::json",
        )
    with op.batch_alter_table("monitoring_employment") as batch:
        batch.drop_constraint("fk_monitoring_employment_person_id_person", type_="foreignkey")
        batch.drop_constraint(
            "fk_monitoring_employment_import_batch_id_import_batch", type_="foreignkey"
        )
    if op.get_bind().dialect.name == "postgresql":
        _guard_postgresql()
    else:
        _guard_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NEVER_DELETED:
            for event in ("delete", "truncate"):
                op.execute(f"DROP TRIGGER {table}_never_{event}d ON {table}")
        op.execute("DROP FUNCTION wugong_never_deleted()")
    else:
        for table in NEVER_DELETED:
            op.execute(f"DROP TRIGGER {table}_never_deleted")
    with op.batch_alter_table("monitoring_employment") as batch:
        batch.create_foreign_key(
            "fk_monitoring_employment_import_batch_id_import_batch",
            "import_batch",
            ["import_batch_id"],
            ["id"],
        )
        batch.create_foreign_key(
            "fk_monitoring_employment_person_id_person", "person", ["person_id"], ["id"]
        )
    # Findings are derived rows: the next cross-check writes them again. The surrogate ids
    # they had before the upgrade are not restored.
    op.execute("DELETE FROM finding")
    with op.batch_alter_table("finding") as batch:
        batch.alter_column(
            "registry_values",
            type_=JSONB,
            existing_type=sa.JSON(),
            existing_nullable=False,
            postgresql_using="registry_values::jsonb",
        )
        batch.drop_constraint("pk_finding", type_="primary")
        batch.add_column(sa.Column("id", sa.Integer(), sa.Identity(), nullable=False))
        batch.create_primary_key("pk_finding", ["id"])
        batch.create_unique_constraint("uq_finding_application_id_code", ["application_id", "code"])
        batch.create_foreign_key(
            "fk_finding_application_id_application", "application", ["application_id"], ["id"]
        )
