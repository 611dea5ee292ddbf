"""Notifications: deliver pending notification rows to Telegram users, each at most once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import dramatiq
from sqlalchemy import CursorResult, select, update

from bot.channels.telegram import (
    DeliveryDeferred,
    DeliveryUncertain,
    Undeliverable,
    send_notification_sync,
)
from bot.channels.telegram.render import stored_buttons
from common import jobs
from db.engine import writing
from db.enums import Channel
from db.models import ChatIdentity, Notification, NotificationStatus
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
    """Send one pending notification of a Telegram identity; safe to run twice.

    The row is claimed by moving it from pending to sent (sent_at still empty) in its own
    transaction before the send, so two runs cannot both send it; sent_at is filled after.
    A row left sent without sent_at was claimed by a worker that died mid-send: it may have
    arrived, so it is not sent again. Web chat identities' rows stay pending for the web chat.
    """
    settings = runtime().settings.telegram
    sessions = runtime().sessions
    with sessions() as session:
        row = session.execute(
            select(ChatIdentity.channel, ChatIdentity.external_id, Notification.attempts)
            .join(ChatIdentity, ChatIdentity.id == Notification.chat_identity_id)
            .where(
                Notification.id == notification_id,
                Notification.status == NotificationStatus.PENDING,
            )
        ).one_or_none()
    if row is None:
        return  # delivered, given up, or unknown: nothing to do
    if row.channel != Channel.TELEGRAM:
        return
    if settings.telegram_token is None:
        log.warning("notification %d: no Telegram token; left pending", notification_id)
        return
    # Notifications share the one send rate with broadcasts and reminders (see workers/
    # ratelimit.py); the turn is taken outside any transaction, so no writer waits for it.
    acquire(limiter(runtime().settings), row.external_id)
    with writing(sessions) as session:
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
            return  # another worker took it since it was read
        notification = session.get(Notification, notification_id)
        assert notification is not None
        text, buttons, attempts = notification.text, notification.buttons, notification.attempts
    try:
        send_notification_sync(settings, row.external_id, text, stored_buttons(buttons))
    except Undeliverable as error:
        _finish(notification_id, NotificationStatus.FAILED, f"undeliverable: {error}")
        if error.blocked:
            _mark_blocked(row.channel, row.external_id)
        log.info("notification %d undeliverable: %s", notification_id, error)
    except DeliveryUncertain as error:
        _finish(notification_id, NotificationStatus.FAILED, f"ambiguous, not resent: {error}")
        log.warning("notification %d may or may not have arrived: %s", notification_id, error)
    except DeliveryDeferred as error:
        if attempts >= MAX_ATTEMPTS:
            _finish(notification_id, NotificationStatus.FAILED, f"gave up: {error}")
            log.error("notification %d: gave up after %d attempts", notification_id, attempts)
            return
        _finish(notification_id, NotificationStatus.PENDING, str(error)[:255])
        delay = int(error.retry_after * 1000) if error.retry_after is not None else None
        raise dramatiq.Retry(f"notification {notification_id}: {error}", delay=delay) from error
    except Exception:
        # Not a known Telegram outcome (a bug, a bad token): the row is released for a retry.
        status = (
            NotificationStatus.FAILED if attempts >= MAX_ATTEMPTS else NotificationStatus.PENDING
        )
        _finish(notification_id, status, "error: see the worker log")
        raise
    else:
        _finish(notification_id, NotificationStatus.SENT, None, sent_at=datetime.now(UTC))


@dramatiq.actor(queue_name="notifications", max_retries=3, time_limit=60_000)
def sweep_pending_notifications() -> None:
    """Enqueue Telegram notifications left pending for longer than SWEEP_AFTER."""
    cutoff = datetime.now(UTC) - SWEEP_AFTER
    with runtime().sessions() as session:
        ids = session.scalars(
            select(Notification.id)
            .join(ChatIdentity, ChatIdentity.id == Notification.chat_identity_id)
            .where(
                Notification.status == NotificationStatus.PENDING,
                Notification.created_at < cutoff,
                ChatIdentity.channel == Channel.TELEGRAM,
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


def _mark_blocked(channel: Channel, external_id: str) -> None:
    with writing(runtime().sessions) as session:
        session.execute(
            update(ChatIdentity)
            .where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
            .values(blocked_at=datetime.now(UTC))
        )
