"""Sending is channel-neutral: a channel defined only here gets a broadcast, a reminder and a
status notice through the workers, which know no channel (lint-imports guarantees they import
none); a chat of a channel without a sender is never counted delivered; every outcome of the one
set is recorded as the exactly-once bookkeeping wants."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dramatiq
import pytest
import sqlalchemy as sa
from dramatiq.brokers.stub import StubBroker
from sqlalchemy.orm import Session, sessionmaker

from common import jobs
from common.notify import notify_status_change
from common.runtime import Runtime
from common.sending import (
    Attachment,
    Blocked,
    Button,
    Capabilities,
    MaybeSent,
    Message,
    NoSender,
    Rejected,
    RetryLater,
    SendError,
    Sent,
    button_rows,
    fit,
    register_sender,
    send_sync,
    sender_for,
)
from common.settings import MessagingSettings, Settings
from db.enums import ApplicationStatus, BroadcastStatus, DeliveryStatus, Program, ReminderStatus
from db.models import (
    Application,
    Broadcast,
    ChatIdentity,
    Delivery,
    Notification,
    NotificationStatus,
    Person,
    Reminder,
)
from db.queries import broadcasts as rows
from db.queries import reminders as planned
from db.queries import upsert_person
from db.types import utcnow
from policy.ric import check_char
from tests.fakes.telegram_api import serve_fake
from tests.fakes.telegram_harness import telegram_settings
from workers import context
from workers.notifications import SWEEP_AFTER, sweep_pending_notifications
from workers.reminders import send_due_reminders
from wugong.senders import register_senders

PIGEON = "carrier-pigeon"
VILLAGE = "140581100200"
NOTICE = "【通知】2025年度务工补贴申报将于12月25日截止，请尽快申报。"


class CarrierPigeon:
    """A channel the project has never heard of: it keeps what it was given, or fails as told."""

    channel = PIGEON
    capabilities = Capabilities(can_push=True, buttons=True, photos=True, documents=False)

    def __init__(self) -> None:
        self.delivered: list[tuple[str, Message]] = []
        self.failures: dict[str, list[SendError]] = {}
        self.lock = threading.Lock()

    async def send(self, chat_id: str, message: Message) -> Sent:
        with self.lock:
            planned_failures = self.failures.get(chat_id)
            if planned_failures:
                raise planned_failures.pop(0)
            self.delivered.append((chat_id, message))
            return Sent(f"pigeon-{len(self.delivered)}")

    def texts(self, chat_id: str) -> list[str]:
        return [message.text for to, message in self.delivered if to == chat_id]


@pytest.fixture
def pigeon(engine, session_factory, tmp_path: Path) -> Iterator[CarrierPigeon]:
    """The workers' runtime (no Telegram token), the shell's senders, and the pigeon's."""
    settings = Settings()
    settings.messaging = MessagingSettings(
        send_rate=400, send_chat_rate=50, broadcast_senders=2, quiet_hours=""
    )
    runtime = Runtime(settings=settings, engine=engine, sessions=session_factory)
    context.install(runtime)
    register_senders(runtime)
    sender = CarrierPigeon()
    register_sender(sender)
    yield sender
    context.install(None)


@pytest.fixture
def worker() -> Iterator[dramatiq.Broker]:
    """The in-process queue with two worker threads, as `wugong serve` runs it embedded."""
    from common.broker import setup_broker

    broker = setup_broker(None)
    running = dramatiq.Worker(broker, worker_threads=2)
    running.start()
    yield broker
    running.stop()


def run_queued(broker: dramatiq.Broker) -> None:
    """Wait until every queue is empty: jobs that enqueue jobs are followed to the end (each
    join also waits for the queue's delayed messages, retries included)."""
    stub: StubBroker = broker  # type: ignore[assignment]

    def queues() -> list[str]:
        return [name for name in list(stub.queues) if not name.endswith(".DQ")]

    while any(stub.queues[name].unfinished_tasks for name in list(stub.queues)):
        for name in queues():
            stub.join(name)


def add_chat(session: Session, channel: str, external_id: str, number: int) -> ChatIdentity:
    """A registered person of VILLAGE who talks to us on `channel`."""
    first17 = f"{VILLAGE[:6]}19900101{number:03d}"
    person = upsert_person(
        session, id_number=first17 + check_char(first17), name=f"王{number}", region_code=VILLAGE
    ).person
    identity = ChatIdentity(channel=channel, external_id=external_id, state={}, person_id=person.id)
    session.add(identity)
    session.flush()
    return identity


def broadcast(sessions: sessionmaker[Session], broker: dramatiq.Broker, **options) -> Broadcast:
    with sessions.begin() as session:
        number = rows.create_broadcast(session, rows.Audience(), NOTICE, **options).id
    jobs.START_BROADCAST.send(number)  # as the broadcast dialog does after its commit
    run_queued(broker)
    with sessions() as session:
        found = session.get(Broadcast, number)
        assert found is not None
        return found


def remind(sessions: sessionmaker[Session], broker: dramatiq.Broker, identity_id: int) -> date:
    """A window-closing reminder due now, sent by the reminders' sweep; the window's end."""
    deadline = date.today() + timedelta(days=7)
    with sessions.begin() as session:
        person_id = session.get(ChatIdentity, identity_id).person_id  # type: ignore[union-attr]
        due = planned.Due(
            kind=planned.Kind.WINDOW_CLOSING,
            chat_identity_id=identity_id,
            dedup_key=f"test:window:{identity_id}",
            payload={
                "program": "transport",
                "year": deadline.year,
                "deadline": deadline.isoformat(),
                "days": 7,
            },
            person_id=person_id,
        )
        assert planned.add(session, due, utcnow() - timedelta(minutes=1))
    send_due_reminders.send()
    run_queued(broker)
    return deadline


def status_news(sessions: sessionmaker[Session], broker: dramatiq.Broker, identity_id: int) -> int:
    """An application approved by the county: the status notice every status change writes,
    left pending long enough for the notifications' sweep to deliver it."""
    with sessions.begin() as session:
        identity = session.get(ChatIdentity, identity_id)
        assert identity is not None
        application = Application(
            person_id=identity.person_id,
            program=Program.STABLE_EMPLOYMENT,
            year=2025,
            region_code=VILLAGE,
            status=ApplicationStatus.APPROVED,
            facts={},
            decision={},
            amount_fen=120_000,
            submitted_at=datetime.now(UTC),
        )
        session.add(application)
        session.flush()
        notify_status_change(session, application)
        session.flush()
        session.execute(
            sa.update(Notification)
            .where(Notification.chat_identity_id == identity_id)
            .values(created_at=utcnow() - SWEEP_AFTER * 2)
        )
        application_id = application.id
    sweep_pending_notifications.send()
    run_queued(broker)
    return application_id


def notifications(sessions: sessionmaker[Session], identity_id: int) -> list[Notification]:
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(Notification)
                .where(Notification.chat_identity_id == identity_id)
                .order_by(Notification.id)
            )
        )


def test_a_channel_defined_only_in_the_tests_gets_a_broadcast_a_reminder_and_news(
    pigeon, worker, session_factory
):
    """Given a person whose chat is on the carrier-pigeon channel (its sender registered here,
    nowhere in wugong), a broadcast, a reminder and a status notice each reach them once,
    through the same workers and queues as Telegram's, and are recorded sent."""
    with session_factory.begin() as session:
        coop = add_chat(session, PIGEON, "coop-7", 1).id

    done = broadcast(session_factory, worker)
    assert pigeon.texts("coop-7") == [NOTICE]
    assert done.status == BroadcastStatus.FINISHED
    assert (done.total, done.sent, done.failed, done.ambiguous) == (1, 1, 0, 0)

    deadline = remind(session_factory, worker, coop)
    (reminder_text,) = pigeon.texts("coop-7")[1:]
    assert deadline.isoformat() in reminder_text
    _, message = pigeon.delivered[-1]
    assert "menu:apply" in [button.value for row in message.buttons for button in row]
    with session_factory() as session:
        assert session.scalars(sa.select(Reminder.status)).all() == [ReminderStatus.SENT]

    application_id = status_news(session_factory, worker, coop)
    (news,) = pigeon.texts("coop-7")[2:]
    assert f"WG2025-{application_id:06d}" in news and "1200" in news

    assert len(pigeon.delivered) == 3
    statuses = [(n.status, n.sent_at is not None) for n in notifications(session_factory, coop)]
    assert statuses == [(NotificationStatus.SENT, True)] * 2  # the reminder and the news


def test_a_chat_on_a_channel_without_a_sender_is_never_counted_delivered(
    pigeon, worker, session_factory
):
    """Given a chat on a channel this process has no sender for, the broadcast records its
    delivery failed (not sent), and its reminder and status notice fail as undeliverable."""
    with session_factory.begin() as session:
        add_chat(session, PIGEON, "coop-8", 2)
        lost = add_chat(session, "semaphore", "hill-3", 3).id

    done = broadcast(session_factory, worker)
    assert done.status == BroadcastStatus.FINISHED
    assert (done.total, done.sent, done.failed) == (2, 1, 1)
    with session_factory() as session:
        delivery = session.scalars(
            sa.select(Delivery).where(Delivery.chat_identity_id == lost)
        ).one()
    assert delivery.status == DeliveryStatus.FAILED and "semaphore" in (delivery.error or "")

    remind(session_factory, worker, lost)
    status_news(session_factory, worker, lost)
    rows_of_lost = notifications(session_factory, lost)
    assert len(rows_of_lost) == 2
    assert all(n.status == NotificationStatus.FAILED for n in rows_of_lost)
    assert all("no sender" in (n.error or "") for n in rows_of_lost)
    assert pigeon.texts("hill-3") == []


@pytest.mark.parametrize(
    ("failure", "status", "blocked", "arrived"),
    [
        (Blocked("the pigeon was shot down"), DeliveryStatus.BLOCKED, True, 0),
        (Rejected("the scroll is too heavy"), DeliveryStatus.FAILED, False, 0),
        (MaybeSent("the pigeon flew off and never came back"), DeliveryStatus.AMBIGUOUS, False, 0),
        (RetryLater("storm", after_seconds=0.05), DeliveryStatus.SENT, False, 1),
    ],
)
def test_each_outcome_is_recorded_as_the_bookkeeping_wants(
    pigeon, worker, session_factory, failure, status, blocked, arrived
):
    """Blocked marks the chat unreachable; Rejected fails the delivery only; MaybeSent is
    recorded as unknown and not sent again; RetryLater puts the row back and it goes later,
    once."""
    with session_factory.begin() as session:
        chat = add_chat(session, PIGEON, "coop-9", 4).id
    pigeon.failures["coop-9"] = [failure]
    done = broadcast(session_factory, worker)
    assert done.status == BroadcastStatus.FINISHED
    with session_factory() as session:
        delivery = session.scalars(sa.select(Delivery)).one()
        identity = session.get(ChatIdentity, chat)
        assert identity is not None
        assert delivery.status == status
        assert (identity.blocked_at is not None) == blocked
    assert len(pigeon.texts("coop-9")) == arrived


def test_a_status_notice_that_may_have_arrived_is_not_sent_again(pigeon, worker, session_factory):
    with session_factory.begin() as session:
        chat = add_chat(session, PIGEON, "coop-10", 5).id
    pigeon.failures["coop-10"] = [MaybeSent("no answer")]
    status_news(session_factory, worker, chat)
    sweep_pending_notifications.send()
    run_queued(worker)
    (row,) = notifications(session_factory, chat)
    assert row.status == NotificationStatus.FAILED and row.error.startswith("ambiguous")
    assert pigeon.texts("coop-10") == []


def test_the_web_chat_keeps_what_it_is_sent_for_the_page(pigeon, session_factory):
    """The web chat cannot push: its sender puts the message in the outbox the page reads, and
    a session it never saw is unreachable."""
    with session_factory.begin() as session:
        web = add_chat(session, "web", "web-session-77", 6).id
    message = Message("您好", buttons=button_rows([Button("我的申请", "menu:status")]))
    send_sync("web", "web-session-77", message)
    (row,) = notifications(session_factory, web)
    assert (row.text, row.buttons, row.status) == (
        "您好",
        [{"label": "我的申请", "value": "menu:status"}],
        NotificationStatus.PENDING,
    )
    with pytest.raises(Blocked):
        send_sync("web", "never-seen-session", message)


def test_a_channel_gets_only_what_it_can_carry():
    photo_by_telegram = Attachment("photo", refs={"telegram": "AgAC-file"})
    photo_bytes = Attachment("photo", content=b"\xff\xd8", filename="a.jpg")
    message = Message(
        "看这里",
        buttons=button_rows([Button("好", "ok")]),
        attachment=photo_by_telegram,
        request_phone=True,
    )
    web = Capabilities(can_push=False, buttons=True)
    sms = Capabilities(can_push=True, buttons=False)
    pigeon = CarrierPigeon.capabilities
    assert fit(message, "web", web) == Message("看这里", buttons=message.buttons)
    assert fit(message, "sms", sms) == Message("看这里")
    # The pigeon takes photos, but not Telegram's file ids: the bytes go, the id does not.
    assert fit(message, PIGEON, pigeon).attachment is None
    with_bytes = Message("看这里", attachment=photo_bytes)
    assert fit(with_bytes, PIGEON, pigeon).attachment == photo_bytes
    assert fit(message, "telegram", Capabilities(photos=True, can_request_phone=True)) == message


def test_an_unknown_channel_is_a_clear_error():
    with pytest.raises(NoSender, match="no sender for channel 'semaphore'"):
        sender_for("semaphore")
    with pytest.raises(NoSender):
        send_sync("semaphore", "hill-3", Message("?"))


@pytest.fixture(scope="module")
def bot_api():
    with serve_fake() as fake:
        yield fake


def test_telegram_uploads_a_photo_given_as_bytes(bot_api):
    """Telegram's sender sends a photo it is given as bytes as an upload, the text as its
    caption, its buttons inline; a Telegram file id would go as is."""
    bot_api.reset()
    from bot.channels.telegram.sender import TelegramSender

    register_sender(TelegramSender(telegram_settings(bot_api, mode="polling")))
    photo = Attachment("photo", content=b"\xff\xd8 a photo \xff\xd9", filename="notice.jpg")
    message = Message("通知", buttons=button_rows([Button("知道了", "ok")]), attachment=photo)
    send_sync("telegram", "4242", message)
    (call,) = bot_api.calls_of("sendPhoto")
    assert call.params["photo"]["content"] == b"\xff\xd8 a photo \xff\xd9"
    assert call.params["caption"] == "通知"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok"
    bot_api.fail_next("sendPhoto", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Blocked):
        send_sync("telegram", "4242", message)
    bot_api.fail_next("sendMessage", 400, "Bad Request: message text is empty")
    with pytest.raises(Rejected):
        send_sync("telegram", "4242", Message(""))


def test_people_of_the_pigeon_are_people_like_any_other(pigeon, session_factory):
    """The channel is only a name on the chat: audiences count its people like Telegram's."""
    with session_factory.begin() as session:
        add_chat(session, PIGEON, "coop-11", 7)
        add_chat(session, "telegram", "4711", 8)
    with session_factory() as session:
        assert rows.count_recipients(session, rows.Audience()) == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
