"""Notifications to Telegram users: the deliver actor against the fake Bot API, at most once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
from sqlalchemy import select, update

from common.broker import setup_broker
from common.runtime import Runtime
from common.settings import Settings
from db.enums import Channel
from db.models import ChatIdentity, Notification, NotificationStatus
from tests.fakes.telegram_api import serve_fake
from tests.fakes.telegram_harness import inline_values, telegram_settings
from tests.waiting import WORKER_TIMEOUT_MS
from workers import context
from workers.notifications import MAX_ATTEMPTS, deliver_notification, sweep_pending_notifications
from wugong.senders import register_senders

CHAT = 424242


@pytest.fixture(scope="module")
def fake_api():
    with serve_fake() as fake:
        yield fake


@pytest.fixture
def fake(fake_api):
    fake_api.reset()
    yield fake_api
    fake_api.reset()


@pytest.fixture
def installed(fake, engine, session_factory):
    """The workers' runtime on the test database, with Telegram pointed at the fake."""
    settings = Settings()
    settings.telegram = telegram_settings(fake, mode="polling")
    runtime = Runtime(settings=settings, engine=engine, sessions=session_factory)
    context.install(runtime)
    register_senders(runtime)  # as every process does at start
    yield settings
    context.install(None)


def add_notification(
    session_factory, channel: Channel = Channel.TELEGRAM, external: str = str(CHAT)
):
    with session_factory.begin() as session:
        identity = session.scalar(
            select(ChatIdentity).where(
                ChatIdentity.channel == channel, ChatIdentity.external_id == external
            )
        )
        if identity is None:
            identity = ChatIdentity(channel=channel, external_id=external, state={})
            session.add(identity)
            session.flush()
        notification = Notification(
            chat_identity_id=identity.id,
            text="您的申请已通过村级审核。",
            buttons=[{"label": "我的申请", "value": "menu:status"}],
        )
        session.add(notification)
        session.flush()
        return notification.id


def load(session_factory, notification_id: int) -> Notification:
    with session_factory() as session:
        return session.get(Notification, notification_id)


def test_a_pending_notification_is_sent_once(installed, fake, session_factory):
    """Given a pending notification for a Telegram user, delivering it sends one message with
    its buttons and marks it sent; delivering it again sends nothing."""
    notification_id = add_notification(session_factory)
    deliver_notification.fn(notification_id)
    deliver_notification.fn(notification_id)
    (call,) = fake.sent(CHAT)
    assert call.params["text"] == "您的申请已通过村级审核。"
    assert inline_values(call.params["reply_markup"]) == ["menu:status"]
    row = load(session_factory, notification_id)
    assert row.status == NotificationStatus.SENT
    assert row.sent_at is not None
    assert row.attempts == 1


def test_web_chat_notifications_are_left_for_the_web_chat(installed, fake, session_factory):
    notification_id = add_notification(session_factory, Channel.WEB, "web-session-1")
    deliver_notification.fn(notification_id)
    assert fake.sent() == []
    assert load(session_factory, notification_id).status == NotificationStatus.PENDING


def test_a_user_who_blocked_the_bot_is_not_retried(installed, fake, session_factory):
    """When Telegram answers 403 (the user blocked the bot), the notification fails for good
    and the identity is marked blocked."""
    notification_id = add_notification(session_factory)
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    deliver_notification.fn(notification_id)
    row = load(session_factory, notification_id)
    assert row.status == NotificationStatus.FAILED
    assert "blocked" in row.error
    with session_factory() as session:
        identity = session.scalar(select(ChatIdentity).where(ChatIdentity.external_id == str(CHAT)))
        assert identity.blocked_at is not None


def test_a_user_who_blocked_the_bot_and_writes_again_is_reachable(installed, fake, session_factory):
    """A user who unblocked the bot and wrote to it gets news again: their message clears the
    mark and is the last time they wrote."""
    from bot.engine import Conversations
    from bot.messages import Incoming

    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    deliver_notification.fn(add_notification(session_factory))
    wrote_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    turns = Conversations(session_factory, now=lambda: wrote_at)
    assert turns.handle(Incoming(channel=Channel.TELEGRAM, user=str(CHAT), text="/start"))
    with session_factory() as session:
        identity = session.scalar(select(ChatIdentity).where(ChatIdentity.external_id == str(CHAT)))
        assert (identity.blocked_at, identity.last_inbound_at) == (None, wrote_at)
    notification_id = add_notification(session_factory)
    deliver_notification.fn(notification_id)
    assert load(session_factory, notification_id).status == NotificationStatus.SENT


def test_flood_control_releases_the_row_for_a_later_retry(installed, fake, session_factory):
    """When Telegram says "retry after 3 s", the row goes back to pending and the actor asks
    dramatiq to retry after that long; the retry sends it."""
    notification_id = add_notification(session_factory)
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(dramatiq.Retry) as retry:
        deliver_notification.fn(notification_id)
    assert retry.value.delay == 3000
    assert load(session_factory, notification_id).status == NotificationStatus.PENDING
    deliver_notification.fn(notification_id)
    assert len(fake.sent(CHAT)) == 1
    row = load(session_factory, notification_id)
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)


def test_the_last_attempt_gives_up(installed, fake, session_factory, worker_errors):
    worker_errors.expect("gave up after")  # the error an operator must see, provoked here
    notification_id = add_notification(session_factory)
    with session_factory.begin() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id)
            .values(attempts=MAX_ATTEMPTS - 1)
        )
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    deliver_notification.fn(notification_id)  # no Retry: given up
    row = load(session_factory, notification_id)
    assert row.status == NotificationStatus.FAILED
    assert row.error.startswith("gave up")


def test_the_sweep_enqueues_what_was_left_pending(installed, fake, session_factory):
    """Given an old pending notification that never reached the queue, the sweep enqueues it
    and the in-process worker delivers it; a fresh one is left to its own message."""
    broker = setup_broker(None)
    old = add_notification(session_factory)
    fresh = add_notification(session_factory)
    with session_factory.begin() as session:
        session.execute(
            update(Notification)
            .where(Notification.id == old)
            .values(created_at=datetime.now(UTC) - timedelta(hours=1))
        )
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        sweep_pending_notifications.send()
        broker.join(sweep_pending_notifications.queue_name)
        worker.join()
    finally:
        worker.stop()
    assert load(session_factory, old).status == NotificationStatus.SENT
    assert load(session_factory, fresh).status == NotificationStatus.PENDING
    assert len(fake.sent(CHAT)) == 1
