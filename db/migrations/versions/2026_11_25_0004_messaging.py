"""Broadcast attachments and heartbeats, reminder payloads and opt-out, satisfaction answers;
leaner indexes on delivery and finding.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 07:30:00+00:00

Written by hand in the conventions of 0001; checked against the models by the migration test.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "satisfaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("chat_identity_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column(
            "rating",
            sa.Enum(
                "satisfied",
                "basically_satisfied",
                "dissatisfied",
                name=op.f("ck_satisfaction_rating"),
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_satisfaction_application_id_application"),
        ),
        sa.ForeignKeyConstraint(
            ["chat_identity_id"],
            ["chat_identity.id"],
            name=op.f("fk_satisfaction_chat_identity_id_chat_identity"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction")),
        sa.UniqueConstraint("application_id", name=op.f("uq_satisfaction_application_id")),
    )
    op.create_index(op.f("ix_satisfaction_county_code"), "satisfaction", ["county_code"])
    # Redundant beside the unique (application_id, code) index, and paid for by every finding
    # the cross-check writes.
    op.drop_index("ix_finding_application_id", table_name="finding")
    op.drop_index("ix_delivery_broadcast_id_status", table_name="delivery")
    op.create_index(
        "ix_delivery_broadcast_id_status_id", "delivery", ["broadcast_id", "status", "id"]
    )
    with op.batch_alter_table("broadcast") as batch:
        batch.add_column(sa.Column("attachment_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("attachment", sa.String(length=512), nullable=True))
        batch.add_column(sa.Column("created_by_chat_identity_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ambiguous", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_broadcast_created_by_chat_identity_id_chat_identity"),
            "chat_identity",
            ["created_by_chat_identity_id"],
            ["id"],
        )
    with op.batch_alter_table("reminder") as batch:
        batch.add_column(sa.Column("payload", JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("chat_identity") as batch:
        batch.add_column(
            sa.Column("reminders_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    op.drop_index("ix_delivery_broadcast_id_status_id", table_name="delivery")
    op.create_index("ix_delivery_broadcast_id_status", "delivery", ["broadcast_id", "status"])
    op.create_index("ix_finding_application_id", "finding", ["application_id"])
    with op.batch_alter_table("chat_identity") as batch:
        batch.drop_column("reminders_enabled")
    with op.batch_alter_table("reminder") as batch:
        batch.drop_column("payload")
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_constraint(
            op.f("fk_broadcast_created_by_chat_identity_id_chat_identity"), type_="foreignkey"
        )
        batch.drop_column("heartbeat_at")
        batch.drop_column("ambiguous")
        batch.drop_column("created_by_chat_identity_id")
        batch.drop_column("attachment")
        batch.drop_column("attachment_kind")
    op.drop_index(op.f("ix_satisfaction_county_code"), table_name="satisfaction")
    op.drop_table("satisfaction")
