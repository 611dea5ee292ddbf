"""The review queues: the claims waiting at a staff member's level in their scope."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import NoticeStatus, StaffRole
from db.models import Application, Notice, NoticeItem, Staff
from db.queries.review import (
    NOTICE_LEVEL,
    REVIEW_STATUS,
    Action,
    NotAllowed,
    authorize,
    unstaffed_condition,
)


def _in_scope(scope: str) -> sa.ColumnElement[bool]:
    return Application.region_code.startswith(scope, autoescape=True)


def _in_draft() -> sa.ColumnElement[bool]:
    drafted = (
        sa.select(NoticeItem.application_id)
        .join(Notice, Notice.id == NoticeItem.notice_id)
        .where(Notice.status == NoticeStatus.DRAFT)
    )
    return Application.id.in_(drafted)


def _waiting(staff: Staff) -> sa.ColumnElement[bool]:
    """The claims at the staff member's level in their scope; for a county admin also those
    waiting at a lower level where nobody can act on them (no village code, no reviewer)."""
    status = REVIEW_STATUS.get(staff.role)
    if status is None:
        raise NotAllowed("wrong_role", f"{staff.role.value} has no review queue")
    at_level: sa.ColumnElement[bool] = Application.status == status
    if staff.role == StaffRole.COUNTY_ADMIN:
        at_level = sa.or_(at_level, unstaffed_condition())
    return sa.and_(at_level, _in_scope(staff.region_code), ~_in_draft())


def queue(
    session: Session, staff: Staff | None, *, after_id: int = 0, limit: int = 1
) -> Sequence[Application]:
    """The applications waiting for the staff member in their scope, oldest first.

    Applications already approved at this level (waiting for the notice) are not listed.
    """
    member = authorize(staff, Action.VIEW, staff.region_code if staff else None)
    return session.scalars(
        sa.select(Application)
        .where(_waiting(member), Application.id > after_id)
        .order_by(Application.id)
        .limit(limit)
    ).all()


def queue_size(session: Session, staff: Staff) -> int:
    if REVIEW_STATUS.get(staff.role) is None:
        return 0
    return (
        session.scalar(sa.select(sa.func.count()).select_from(Application).where(_waiting(staff)))
        or 0
    )


def waiting_for_notice(session: Session, staff: Staff) -> int:
    """How many claims the staff member approved that wait for their next notice."""
    level = NOTICE_LEVEL.get(staff.role)
    if level is None:
        return 0
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(NoticeItem)
            .join(Notice, Notice.id == NoticeItem.notice_id)
            .where(Notice.number == f"draft-{level.value}-{staff.region_code}")
        )
        or 0
    )
