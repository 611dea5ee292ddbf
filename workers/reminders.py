"""Reminders: planned as rows by one sweep, sent by another, each exactly once, never at night.

`plan_reminders` (hourly) adds the reminders that are due under dedup keys; `send_due_reminders`
(every minute, outside quiet hours) claims due rows and turns each into a notification in the
recipient's language, flipping the reminder to sent in the same transaction, so a reminder is
either sent once or not at all. The notification then goes out through the shared rate limit
and the sender of the recipient's channel (`workers.notifications`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dramatiq
import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.reminder_texts import render
from common.settings import MessagingSettings
from db.engine import writing
from db.enums import Program, ReminderStatus
from db.models import ChatIdentity, Notification, Reminder
from db.queries import reminders as planned
from db.types import utcnow
from policy import load_parameters, window
from workers.context import runtime
from workers.notifications import deliver_notification

log = logging.getLogger(__name__)


def quiet_now(settings: MessagingSettings, now: datetime) -> bool:
    """True inside the quiet hours (22:00–07:00 Asia/Shanghai by default; empty: never)."""
    if not settings.quiet_hours:
        return False
    start_text, end_text = settings.quiet_hours.split("-")
    start, end = (time.fromisoformat(f"{part:0>5}") for part in (start_text, end_text))
    local = now.astimezone(ZoneInfo(settings.timezone)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def local_today(settings: MessagingSettings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def closing_windows(session: Session, today: date, days_before: list[int]) -> list[planned.Due]:
    """People to remind that a window closes in one of ``days_before`` days: per county with
    windows of its own, and for every other county with the default windows."""
    parameters = load_parameters()
    own = sorted(parameters.counties())
    dues: list[planned.Due] = []
    for county in [None, *own]:
        for program in Program:
            for year in (today.year - 1, today.year):
                found = window(program.value, year, county, parameters)
                for days in days_before:
                    if found.closes - timedelta(days=days) == today:
                        dues += planned.window_closing(
                            session,
                            program,
                            year,
                            found.closes,
                            days,
                            county=county,
                            other_than=own if county is None else (),
                        )
    return dues


@dramatiq.actor(queue_name="reminders", max_retries=3, time_limit=600_000)
def plan_reminders() -> None:
    """Add every reminder that has become due; planning again adds nothing (dedup keys)."""
    settings = runtime().settings.messaging
    now = utcnow()
    today = local_today(settings, now)
    added = 0
    with writing(runtime().sessions) as session:
        dues: list[planned.Due] = []
        days_before = [int(d) for d in settings.reminder_days_before.split(",") if d]
        dues += closing_windows(session, today, days_before)
        dues += planned.returned_unfixed(
            session, now, timedelta(days=settings.returned_remind_days)
        )
        dues += planned.notices_ending(session, today, settings.notice_ending_days)
        dues += planned.review_backlog(session, now, timedelta(days=settings.review_backlog_days))
        dues += planned.payments_due(session, today)
        dues += planned.surveys(session, now)
        for due in dues:
            added += planned.add(session, due, now)
    if added:
        log.info("planned %d reminders", added)


@dramatiq.actor(queue_name="reminders", max_retries=3, time_limit=300_000)
def send_due_reminders() -> None:
    """Turn due reminders into notifications, outside quiet hours; safe to run twice at once."""
    settings = runtime().settings.messaging
    now = utcnow()
    if quiet_now(settings, now):
        return
    sessions = runtime().sessions
    with writing(sessions) as session:
        ids = planned.claim_due(session, now)
    delivered: list[int] = []
    today = local_today(settings, now)
    for reminder_id in ids:
        notification_id = send_one(reminder_id, today)
        if notification_id is not None:
            delivered.append(notification_id)
    for notification_id in delivered:
        deliver_notification.send(notification_id)
    if ids:
        log.info("reminders: %d claimed, %d sent", len(ids), len(delivered))


def send_one(reminder_id: int, today: date) -> int | None:
    """Send one claimed reminder: the notification's id, or None when it was dropped."""
    with writing(runtime().sessions) as session:
        reminder = session.get(Reminder, reminder_id)
        if reminder is None or reminder.status != ReminderStatus.PENDING:
            return None
        identity = (
            session.get(ChatIdentity, reminder.chat_identity_id)
            if reminder.chat_identity_id
            else None
        )
        rendered = None
        if identity is not None and identity.reminders_enabled and identity.blocked_at is None:
            rendered = render(session, reminder, identity, today)
        # The status flips only from pending, in the transaction that writes the message.
        flipped = session.execute(
            sa.update(Reminder)
            .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING)
            .values(
                status=ReminderStatus.SENT if rendered else ReminderStatus.CANCELLED,
                sent_at=utcnow() if rendered else None,
                attempts=Reminder.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if not flipped or rendered is None or identity is None:
            return None
        text, buttons = rendered
        notification = Notification(chat_identity_id=identity.id, text=text, buttons=buttons)
        session.add(notification)
        session.flush()
        return notification.id  # delivered through the chat's channel (an outbox keeps it)
