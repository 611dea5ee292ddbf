"""Notifications: deliver pending notification rows through their chat's channel, at most once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import dramatiq
from sqlalchemy import CursorResult, select, update

from common import jobs
from common.sending import (
    Blocked,
    MaybeSent,
    Message,
    NoSender,
    Rejected,
    RetryLater,
    Unreachable,
    outbox_channels,
    send_sync,
    sender_for,
    stored_buttons,
)
from db.engine import writing
from db.models import ChatIdentity, Notification, NotificationStatus
from db.queries.tell_in_person import record_undelivered
from workers.context import runtime
from workers.ratelimit import acquire, limiter

log = logging.getLogger(__name__)

MAX_RETRIES = 5
# The first try and every retry each claim the row once; after the last one it is given up.
MAX_ATTEMPTS = 1 + MAX_RETRIES
# Rows still pending this long after they were written were never enqueued (or their message was
# lost with the broker): the sweep enqueues them again.
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500


@dramatiq.actor(
    actor_name=jobs.DELIVER_NOTIFICATION.actor,
    queue_name=jobs.DELIVER_NOTIFICATION.queue,
    max_retries=MAX_RETRIES,
    time_limit=60_000,
)
def deliver_notification(notification_id: int) -> None:
    """Send one pending notification through its chat's channel; safe to run twice.

    The row is claimed by moving it from pending to sent (sent_at still empty) in its own
    transaction before the send, so two runs cannot both send it; sent_at is filled after.
    A row left sent without sent_at was claimed by a worker that died mid-send: it may have
    arrived, so it is not sent again. A channel that cannot push (the web chat) keeps its rows
    pending as its outbox, for its client to fetch; a channel with no sender in this process
    gets its rows failed, never counted as sent.
    """
    sessions = runtime().sessions
    with sessions() as session:
        row = session.execute(
            select(
                ChatIdentity.channel,
                ChatIdentity.external_id,
                ChatIdentity.language,
                Notification.attempts,
            )
            .join(ChatIdentity, ChatIdentity.id == Notification.chat_identity_id)
            .where(
                Notification.id == notification_id,
                Notification.status == NotificationStatus.PENDING,
            )
        ).one_or_none()
    if row is None:
        return  # delivered, given up, or unknown: nothing to do
    channel = str(row.channel)
    try:
        sender = sender_for(channel)
    except NoSender as error:
        _finish(notification_id, NotificationStatus.FAILED, f"undeliverable: {error}")
        log.warning("notification %d undeliverable: %s", notification_id, error)
        return
    if not sender.capabilities.can_push:
        return  # the row is the channel's outbox: its client fetches it
    # Notifications share the one send rate with broadcasts and reminders (see workers/
    # ratelimit.py); the turn is taken outside any transaction, so no writer waits for it.
    acquire(limiter(runtime().settings), row.external_id)
    claimed = _claim(notification_id)
    if claimed is None:
        return  # another worker took it since it was read
    text, buttons, attempts = claimed
    _send(
        notification_id,
        channel,
        row.external_id,
        attempts,
        Message(text, buttons=stored_buttons(buttons), language=row.language),
    )


def _claim(notification_id: int) -> tuple[str, Any, int] | None:
    """Move a pending notification to sent (sent_at still empty) before its send: its text,
    buttons and attempts, or None when another worker took it first."""
    with writing(runtime().sessions) as session:
        claimed = cast(
            CursorResult[Any],
            session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.status == NotificationStatus.PENDING,
                )
                .values(status=NotificationStatus.SENT, attempts=Notification.attempts + 1)
            ),
        ).rowcount
        if not claimed:
            return None
        notification = session.get(Notification, notification_id)
        assert notification is not None
        return notification.text, notification.buttons, notification.attempts


def _send(
    notification_id: int, channel: str, external_id: str, attempts: int, message: Message
) -> None:
    """Send a claimed notification and record its outcome."""
    try:
        send_sync(channel, external_id, message)
    except Blocked as error:
        _finish(notification_id, NotificationStatus.FAILED, f"blocked: {error}")
        _mark_blocked(channel, external_id)
        _tell_in_person(notification_id, channel, f"blocked: {error}")
        log.info("notification %d: the chat is unreachable: %s", notification_id, error)
    except Unreachable as error:
        # The chat stays, but this channel has no way to the user now (WeChat: no consent,
        # outside the window): the person's village cadre tells them.
        _finish(notification_id, NotificationStatus.FAILED, f"unreachable: {error}")
        _tell_in_person(notification_id, channel, f"unreachable: {error}")
        log.info("notification %d: cannot reach the user now: %s", notification_id, error)
    except (Rejected, NoSender) as error:
        _finish(notification_id, NotificationStatus.FAILED, f"undeliverable: {error}")
        log.info("notification %d undeliverable: %s", notification_id, error)
    except MaybeSent as error:
        _finish(notification_id, NotificationStatus.FAILED, f"ambiguous, not resent: {error}")
        log.warning("notification %d may or may not have arrived: %s", notification_id, error)
    except RetryLater as error:
        if attempts >= MAX_ATTEMPTS:
            _finish(notification_id, NotificationStatus.FAILED, f"gave up: {error}")
            log.error("notification %d: gave up after %d attempts", notification_id, attempts)
            return
        _finish(notification_id, NotificationStatus.PENDING, str(error)[:255])
        after = error.after_seconds
        delay = int(after * 1000) if after is not None else None
        raise dramatiq.Retry(f"notification {notification_id}: {error}", delay=delay) from error
    except Exception:
        # Not a known outcome (a bug, a bad token): the row is released for a retry.
        status = (
            NotificationStatus.FAILED if attempts >= MAX_ATTEMPTS else NotificationStatus.PENDING
        )
        _finish(notification_id, status, "error: see the worker log")
        raise
    else:
        _finish(notification_id, NotificationStatus.SENT, None, sent_at=datetime.now(UTC))


@dramatiq.actor(queue_name="notifications", max_retries=3, time_limit=60_000)
def sweep_pending_notifications() -> None:
    """Enqueue notifications left pending for longer than SWEEP_AFTER, but those of channels
    that cannot push (their outbox, which their clients empty)."""
    cutoff = datetime.now(UTC) - SWEEP_AFTER
    with runtime().sessions() as session:
        ids = session.scalars(
            select(Notification.id)
            .join(ChatIdentity, ChatIdentity.id == Notification.chat_identity_id)
            .where(
                Notification.status == NotificationStatus.PENDING,
                Notification.created_at < cutoff,
                ChatIdentity.channel.not_in(outbox_channels()),
                ChatIdentity.blocked_at.is_(None),
            )
            .order_by(Notification.id)
            .limit(SWEEP_BATCH)
        ).all()
    for notification_id in ids:
        deliver_notification.send(notification_id)
    if ids:
        log.info("re-enqueued %d pending notifications", len(ids))


def _finish(
    notification_id: int,
    status: NotificationStatus,
    error: str | None,
    *,
    sent_at: datetime | None = None,
) -> None:
    with writing(runtime().sessions) as session:
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id)
            .values(status=status, error=error[:255] if error else None, sent_at=sent_at)
        )


def _tell_in_person(notification_id: int, channel: str, reason: str) -> None:
    """Put news that reached nobody on the cadre's list of people to tell in person. (SMS is
    not tried: the SMS providers send one-time codes only, with no notice template.)"""
    with writing(runtime().sessions) as session:
        record_undelivered(session, notification_id, channel, reason)


def _mark_blocked(channel: str, external_id: str) -> None:
    with writing(runtime().sessions) as session:
        session.execute(
            update(ChatIdentity)
            .where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
            .values(blocked_at=datetime.now(UTC))
        )
