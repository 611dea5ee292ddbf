"""Recording audit events, and changing an application's status together with its event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import ActorKind, ApplicationStatus
from db.models import Application, AuditEvent, ChatIdentity, Staff


@dataclass(frozen=True)
class Actor:
    """Who acts: a chat identity, a staff member (with the role held at the time), or the system."""

    kind: ActorKind
    id: int | None = None
    role: str | None = None

    @classmethod
    def system(cls, role: str | None = None) -> Actor:
        return cls(ActorKind.SYSTEM, None, role)

    @classmethod
    def of_staff(cls, staff: Staff) -> Actor:
        return cls(ActorKind.STAFF, staff.id, staff.role.value)

    @classmethod
    def of_chat_identity(cls, identity: ChatIdentity) -> Actor:
        return cls(ActorKind.PERSON, identity.id, None)


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    *,
    application: Application | None = None,
    from_status: ApplicationStatus | None = None,
    to_status: ApplicationStatus | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event (flushed, so it gets its id); it can never be changed afterwards."""
    if application is not None and application.id is None:
        session.flush()
    event = AuditEvent(
        application_id=None if application is None else application.id,
        actor_kind=actor.kind,
        actor_id=actor.id,
        role=actor.role,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )
    session.add(event)
    session.flush()
    return event


def record_audits(
    session: Session,
    actor: Actor,
    action: str,
    events: Iterable[tuple[int, dict[str, Any]]],
) -> None:
    """Many events of one action, each on its application (id, data), in one executemany:
    what one import does to thousands of claims costs one round trip, not one each."""
    rows = [
        {
            "application_id": application_id,
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "role": actor.role,
            "action": action,
            "data": data,
        }
        for application_id, data in events
    ]
    if rows:
        session.execute(sa.insert(AuditEvent), rows)


def change_status(
    session: Session,
    application: Application,
    to_status: ApplicationStatus,
    actor: Actor,
    *,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Move the application to ``to_status`` and record who did it and why, in one flush.

    Which transitions are allowed is the workflow's business, not this function's.
    """
    from_status = application.status
    application.status = to_status
    return record_audit(
        session,
        actor,
        "status_change",
        application=application,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )
