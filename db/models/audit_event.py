"""AuditEvent: an append-only record of who did what to an application, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from db.base import CURRENT_TIMESTAMP, Base, IdMixin
from db.enums import ActorKind, ApplicationStatus, enum_type
from db.types import UtcDateTime, json_type, utcnow


class AuditEvent(IdMixin, Base):
    """Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL), so not even a bug or a
    careless script can rewrite history; the migration creates them, and so does create_all.

    ``actor_id`` is a chat identity id or a staff id depending on ``actor_kind``.
    """

    __tablename__ = "audit_event"

    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    actor_kind: Mapped[ActorKind] = mapped_column(enum_type(ActorKind, "actor_kind"))
    actor_id: Mapped[int | None]
    role: Mapped[str | None] = mapped_column(sa.String(32))
    action: Mapped[str] = mapped_column(sa.String(64))
    from_status: Mapped[ApplicationStatus | None] = mapped_column(
        enum_type(ApplicationStatus, "from_status")
    )
    to_status: Mapped[ApplicationStatus | None] = mapped_column(
        enum_type(ApplicationStatus, "to_status")
    )
    reason: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, server_default=CURRENT_TIMESTAMP, index=True
    )


# The same statements, frozen, are in the initial migration.
POSTGRESQL_TRIGGERS = (
    """
    CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
)
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END
    """,
)

# SQLAlchemy 2.0 leaves DDL() without annotations.
for _statement in POSTGRESQL_TRIGGERS:
    event.listen(
        AuditEvent.__table__,
        "after_create",
        sa.DDL(_statement).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
    )
for _statement in SQLITE_TRIGGERS:
    event.listen(
        AuditEvent.__table__,
        "after_create",
        sa.DDL(_statement).execute_if(dialect="sqlite"),  # type: ignore[no-untyped-call]
    )
