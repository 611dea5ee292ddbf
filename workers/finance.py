"""Finance jobs: reminding county administrators of rosters finance has not paid in time."""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import partial
from zoneinfo import ZoneInfo

import dramatiq
import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.i18n import N_, translate
from common.notify import notify_identity
from common.texts import program_name
from db.engine import writing
from db.enums import StaffRole
from db.models import AuditEvent, ChatIdentity, RosterBatch, Staff
from db.queries import Actor, record_audit
from db.queries.budgets import overdue_batches
from workers.context import runtime

log = logging.getLogger(__name__)

CHINA = ZoneInfo("Asia/Shanghai")
REMINDED = "roster_overdue_reminded"
OVERDUE = N_(
    "⚠️ Roster {batch} ({program} {year}) was sent to the finance bureau on {sent}; payment was "
    "due by {date} and is not complete. Send /roster to record payments."
)


def _admins(session: Session, county_code: str) -> list[ChatIdentity]:
    return list(
        session.scalars(
            sa.select(ChatIdentity)
            .join(Staff, Staff.id == ChatIdentity.staff_id)
            .where(
                Staff.role == StaffRole.COUNTY_ADMIN,
                Staff.active.is_(True),
                Staff.region_code == county_code,
                ChatIdentity.blocked_at.is_(None),
                ChatIdentity.messageable(),
            )
            .order_by(ChatIdentity.id)
        )
    )


def remind_batch(session: Session, batch: RosterBatch, today: date) -> bool:
    """Remind the county's administrators of one overdue batch, at most once a day."""
    key = f"{batch.id}:{today.isoformat()}"
    done = session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == REMINDED, AuditEvent.reason == key)
    )
    if done is not None:
        return False
    for identity in _admins(session, batch.county_code):
        language = identity.language
        notify_identity(
            session,
            identity,
            OVERDUE,
            batch=batch.id,
            program=program_name(partial(translate, language), batch.program.value),
            year=batch.year,
            sent=batch.sent_at.astimezone(CHINA).date().isoformat() if batch.sent_at else "",
            date=batch.due_date.isoformat() if batch.due_date else "",
        )
    record_audit(session, Actor.system("finance"), REMINDED, reason=key, data={"batch": batch.id})
    return True


@dramatiq.actor(queue_name="finance", max_retries=3, time_limit=120_000)
def remind_overdue_rosters() -> None:
    """Tell county administrators about rosters whose payment due date has passed.

    Safe to run twice: the write lock (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite)
    and the audit event of each reminder keep a batch from being reminded twice the same day.
    """
    today = datetime.now(CHINA).date()
    with writing(runtime().sessions) as session:
        counties = session.scalars(
            sa.select(RosterBatch.county_code)
            .where(RosterBatch.due_date < today, RosterBatch.sent_at.is_not(None))
            .distinct()
        ).all()
        reminded = 0
        for county in counties:
            for batch in overdue_batches(session, county, today):
                session.refresh(batch, with_for_update=True)
                reminded += remind_batch(session, batch, today)
    if reminded:
        log.info("reminded county administrators of %d overdue rosters", reminded)
