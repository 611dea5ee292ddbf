"""Broadcasts composed in chat, reminders switched off and on, and the satisfaction question."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus, BroadcastStatus, ReminderStatus, StaffRole
from db.models import Broadcast, ChatIdentity, Notification, Reminder, Satisfaction
from tests.bot.conftest import WORKER_ID
from tests.review.conftest import add_claim, make_staff
from workers import reminders
from workers.broadcasts import send_broadcast

COUNTY = "140581"
NOON = datetime(2025, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def worker_chat(chat, session_factory, registry):
    """The registry's worker on the web chat, identified (linked to their person)."""
    user = chat("worker-web")
    user.say("/start")
    with session_factory.begin() as session:
        identity = session.scalar(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == "worker-web")
        )
        identity.person_id = registry["worker"]
    return user


def test_an_administrator_broadcasts_to_their_county(installed, chat, session_factory, worker_chat):
    """Given a county administrator, /broadcast takes the text and the audience, previews the
    count, sends on confirmation, reports progress; the worker's web chat gets the notice."""
    admin = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, COUNTY)
    admin.say("/broadcast")
    admin.say("请于12月25日前完成申报。")
    admin.tap("audience:beneficiaries")
    assert "1" in admin.text and "请于12月25日前完成申报。" in admin.text
    admin.tap("broadcast:send")
    with session_factory() as session:
        broadcast = session.scalars(sa.select(Broadcast)).one()
        assert broadcast.total == 1 and broadcast.audience["scope"] == COUNTY
    send_broadcast.fn(broadcast.id)
    admin.tap(f"bcast:show:{broadcast.id}")
    assert "1" in admin.text
    with session_factory() as session:
        assert session.get(Broadcast, broadcast.id).status == BroadcastStatus.FINISHED
        texts = session.scalars(
            sa.select(Notification.text)
            .join(ChatIdentity, ChatIdentity.id == Notification.chat_identity_id)
            .where(ChatIdentity.external_id == "worker-web")
        ).all()
    assert "请于12月25日前完成申报。" in texts


def test_a_broadcast_can_be_cancelled_and_stays_in_the_region(
    installed, chat, session_factory, worker_chat
):
    """Given an administrator, a village outside the county is refused as audience, and a
    broadcast cancelled before sending reaches nobody."""
    admin = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, COUNTY)
    admin.say("/broadcast")
    admin.say("通知")
    admin.tap("audience:region")
    admin.say("140821100200")
    assert "140821100200" in admin.text  # outside your region, asked again
    admin.say("140581100200")
    admin.tap("broadcast:send")
    with session_factory() as session:
        number = session.scalars(sa.select(Broadcast.id)).one()
    admin.tap(f"bcast:cancel:{number}")
    send_broadcast.fn(number)
    with session_factory() as session:
        assert session.get(Broadcast, number).status == BroadcastStatus.CANCELLED
        assert (
            session.scalars(sa.select(Notification).where(Notification.text == "通知")).all() == []
        )


def test_only_administrators_broadcast(installed, chat, session_factory):
    """Given a village cadre, /broadcast is refused in plain words."""
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    cadre.say("/broadcast")
    assert "管理员" in cadre.text
    with session_factory() as session:
        assert session.scalars(sa.select(Broadcast)).all() == []


def paid_claim(session_factory) -> int:
    application_id = add_claim(session_factory, "张三", WORKER_ID, ApplicationStatus.PAID)
    with session_factory.begin() as session:
        session.execute(
            sa.text("UPDATE application SET paid_at = :at WHERE id = :id"),
            {"at": NOON, "id": application_id},
        )
    return application_id


def run_reminders(monkeypatch, at: datetime) -> None:
    monkeypatch.setattr(reminders, "utcnow", lambda: at)
    reminders.plan_reminders.fn()
    reminders.send_due_reminders.fn()


def test_after_payment_the_worker_rates_the_service_once(
    installed, chat, session_factory, worker_chat, monkeypatch
):
    """Given a paid claim, the worker is asked once how satisfied they are; one tap records
    it, a comment can follow (card numbers masked), and the county sees the share."""
    application_id = paid_claim(session_factory)
    run_reminders(monkeypatch, NOON)
    run_reminders(monkeypatch, NOON)  # planned and sent once only
    with session_factory() as session:
        asked = session.scalars(
            sa.select(Notification).where(Notification.text.contains("满意"))
        ).all()
    assert len(asked) == 1
    assert asked[0].buttons[0]["value"] == f"sat:{application_id}:satisfied"
    worker_chat.send(button=f"sat:{application_id}:satisfied")  # tapped under the question
    assert "满意" in worker_chat.text
    worker_chat.say("办得很快，卡号6217000010002000305收到了")
    with session_factory() as session:
        answer = session.scalars(sa.select(Satisfaction)).one()
    assert answer.rating.value == "satisfied"
    assert "6217000010002000305" not in answer.comment
    admin = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, COUNTY)
    admin.say("/satisfaction")
    assert "100.0%" in admin.text and "已达到" in admin.text


def test_reminders_switched_off_are_not_sent(
    installed, chat, session_factory, worker_chat, monkeypatch
):
    """Given the worker turned reminders off, the survey is not sent (and is dropped)."""
    worker_chat.say("/reminders")
    worker_chat.tap("reminders:off")
    with session_factory() as session:
        assert not session.scalar(
            sa.select(ChatIdentity.reminders_enabled).where(
                ChatIdentity.external_id == "worker-web"
            )
        )
    paid_claim(session_factory)
    run_reminders(monkeypatch, NOON)
    with session_factory() as session:
        assert (
            session.scalars(sa.select(Notification).where(Notification.text.contains("满意"))).all()
            == []
        )
    worker_chat.say("/reminders")
    worker_chat.tap("reminders:on")
    with session_factory() as session:
        assert session.scalar(
            sa.select(ChatIdentity.reminders_enabled).where(
                ChatIdentity.external_id == "worker-web"
            )
        )


def test_nothing_is_sent_in_quiet_hours(installed, session_factory, worker_chat, monkeypatch):
    """Given a due reminder at 23:00 in Shanghai, it waits; at 07:30 it is sent."""
    paid_claim(session_factory)
    night = datetime(2025, 12, 1, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    run_reminders(monkeypatch, night)
    with session_factory() as session:
        assert session.scalar(sa.select(Reminder.status)) == ReminderStatus.PENDING
    run_reminders(monkeypatch, datetime(2025, 12, 1, 23, 30, tzinfo=UTC))  # 07:30
    with session_factory() as session:
        assert session.scalar(sa.select(Reminder.status)) == ReminderStatus.SENT


def test_quiet_hours_wrap_around_midnight(installed, session_factory):
    """Given the default 22:00–07:00, 22:00 and 06:59 are quiet, 07:00 is not; an empty
    setting switches quiet hours off."""
    settings = installed.messaging
    assert reminders.quiet_now(settings, datetime(2025, 12, 1, 14, 0, tzinfo=UTC))  # 22:00
    assert reminders.quiet_now(settings, datetime(2025, 12, 1, 22, 59, tzinfo=UTC))  # 06:59
    assert not reminders.quiet_now(settings, datetime(2025, 12, 1, 23, 0, tzinfo=UTC))  # 07:00
    settings.quiet_hours = ""
    assert not reminders.quiet_now(settings, datetime(2025, 12, 1, 15, 0, tzinfo=UTC))
