"""Planning reminders from the records: who is reminded, once, and only while it still applies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus, Program, ReminderStatus, StaffRole
from db.models import (
    Application,
    ChatIdentity,
    MonitoringEmployment,
    Notification,
    Reminder,
    RosterBatch,
    RosterStatus,
)
from db.queries import Actor, change_status
from db.queries import reminders as planned
from tests.bot.conftest import WORKER_ID
from tests.messaging.conftest import add_identity
from tests.review.conftest import add_claim
from workers import reminders

# 2025-12-18 is 7 days before the transport deadline (12-25), 12:00 in Shanghai.
SEVEN_DAYS_BEFORE = datetime(2025, 12, 18, 4, 0, tzinfo=UTC)


@pytest.fixture
def worker_identity(session_factory, registry) -> int:
    """The registry's 脱贫户 worker uses the bot and worked in Ningbo (another province)."""
    with session_factory.begin() as session:
        identity = ChatIdentity(
            channel="telegram", external_id="5550001", state={}, person_id=registry["worker"]
        )
        session.add(identity)
        session.add(
            MonitoringEmployment(
                person_id=registry["worker"],
                work_county_code="330201",
                start_month=date(2025, 3, 1),
                end_month=None,
            )
        )
        session.flush()
        return identity.id


def texts_for(session_factory, identity_id: int) -> list[str]:
    with session_factory() as session:
        return list(
            session.scalars(
                sa.select(Notification.text).where(Notification.chat_identity_id == identity_id)
            )
        )


def at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(reminders, "utcnow", lambda: moment)


def test_the_window_closing_reminder_goes_once_to_who_has_not_applied(
    installed, session_factory, worker_identity, monkeypatch
):
    """Given a worker who looks eligible for the transport subsidy from the monitoring records
    and has not applied, 7 days before the deadline they are reminded once in Chinese."""
    at(monkeypatch, SEVEN_DAYS_BEFORE)
    for _ in range(2):  # a second scheduler or a redelivered sweep
        reminders.plan_reminders.fn()
        reminders.send_due_reminders.fn()
    texts = texts_for(session_factory, worker_identity)
    assert len(texts) == 1
    assert "2025-12-25" in texts[0] and "7" in texts[0]


def test_a_county_with_its_own_window_is_reminded_before_its_own_closing_day(
    installed, session_factory, worker_identity, monkeypatch, county_parameters
):
    """Given 高平 taking transport claims only until 15 November, its worker is reminded on
    8 November (7 days before), and not on 18 December (7 days before the default deadline)."""
    county_parameters("140581", {"transport.deadline": "11-15"})
    at(monkeypatch, SEVEN_DAYS_BEFORE)
    reminders.plan_reminders.fn()
    reminders.send_due_reminders.fn()
    assert texts_for(session_factory, worker_identity) == []
    at(monkeypatch, datetime(2025, 11, 8, 4, 0, tzinfo=UTC))
    reminders.plan_reminders.fn()
    reminders.send_due_reminders.fn()
    texts = texts_for(session_factory, worker_identity)
    assert len(texts) == 1 and "2025-11-15" in texts[0]


def test_no_window_reminder_for_who_applied_meanwhile(
    installed, session_factory, worker_identity, monkeypatch
):
    """Given the reminder was planned, when the worker applies before it is sent, it is
    dropped (cancelled), not sent."""
    at(monkeypatch, SEVEN_DAYS_BEFORE)
    reminders.plan_reminders.fn()
    add_claim(session_factory, "张三", WORKER_ID, ApplicationStatus.SUBMITTED)
    reminders.send_due_reminders.fn()
    assert texts_for(session_factory, worker_identity) == []
    with session_factory() as session:
        kinds = dict(session.execute(sa.select(Reminder.kind, Reminder.status)).all())
    assert kinds[planned.Kind.WINDOW_CLOSING] == ReminderStatus.CANCELLED


def test_a_returned_claim_left_unfixed_is_reminded_after_three_days(
    installed, session_factory, worker_identity, monkeypatch
):
    """Given a claim returned for correction four days ago, the applicant is reminded with the
    button that opens the correction; a claim returned yesterday is not."""
    application_id = add_claim(session_factory, "张三", WORKER_ID, ApplicationStatus.VILLAGE_REVIEW)
    with session_factory.begin() as session:
        application = session.get(Application, application_id)
        application.review_note = "请补充工资流水"
        change_status(session, application, ApplicationStatus.RETURNED, Actor.system("test"))
    returned = datetime.now(UTC)  # the status change is stamped with the real clock

    def morning(days: int) -> datetime:
        # 10:00 in Shanghai `days` later: reminders keep quiet from 22:00 to 07:00
        return (returned + timedelta(days=days)).replace(hour=2, minute=0)

    at(monkeypatch, morning(1))
    reminders.plan_reminders.fn()
    reminders.send_due_reminders.fn()
    assert not any("请补充工资流水" in t for t in texts_for(session_factory, worker_identity))
    at(monkeypatch, morning(4))
    reminders.plan_reminders.fn()
    reminders.send_due_reminders.fn()
    reminded = [t for t in texts_for(session_factory, worker_identity) if "请补充工资流水" in t]
    assert len(reminded) == 1
    with session_factory() as session:
        buttons = session.scalars(
            sa.select(Notification.buttons).where(Notification.text == reminded[0])
        ).one()
    assert {"label": "修改我的申请", "value": f"fix:{application_id}"} in buttons


def test_reviewers_and_county_admins_are_reminded(installed, session_factory, registry):
    """Given a claim waiting 4 days in a cadre's queue and a roster due in two days, the cadre
    gets the backlog reminder and the county administrator the payment reminder."""
    with session_factory.begin() as session:
        cadre = add_identity(session, 901, role=StaffRole.CADRE, region="140581100200")
        admin = add_identity(session, 902, role=StaffRole.COUNTY_ADMIN, region="140581")
        session.add(
            RosterBatch(
                county_code="140581",
                year=2025,
                program=Program.TRANSPORT,
                status=RosterStatus.SENT,
                sent_at=datetime(2025, 12, 1, tzinfo=UTC),
                due_date=date(2025, 12, 10),
            )
        )
        cadre_id, admin_id = cadre.id, admin.id
    application_id = add_claim(session_factory, "张三", WORKER_ID, ApplicationStatus.VILLAGE_REVIEW)
    now = datetime(2025, 12, 8, 4, 0, tzinfo=UTC)
    with session_factory.begin() as session:
        session.get(Application, application_id).updated_at = now - timedelta(days=4)
        dues = list(planned.review_backlog(session, now, timedelta(days=3)))
        dues += planned.payments_due(session, now.date())
    assert [(d.kind, d.chat_identity_id) for d in dues] == [
        (planned.Kind.REVIEW_BACKLOG, cadre_id),
        (planned.Kind.PAYMENT_DUE, admin_id),
    ]


@pytest.mark.postgres
def test_two_sweeps_claim_different_reminders(postgres_engine, keyring):
    """Given 10 due reminders, two sweeps claiming at the same time get disjoint rows."""
    from db.crypto import install_keyring
    from db.engine import make_sessionmaker

    install_keyring(keyring)
    sessions = make_sessionmaker(postgres_engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        identity = ChatIdentity(channel="telegram", external_id="1", state={})
        session.add(identity)
        session.flush()
        for i in range(10):
            session.add(
                Reminder(
                    kind="review_backlog",
                    chat_identity_id=identity.id,
                    due_at=now,
                    payload={},
                    dedup_key=f"k{i}",
                )
            )
    first, second = sessions(), sessions()
    try:
        with first.begin(), second.begin():
            a = planned.claim_due(first, now, limit=6)
            b = planned.claim_due(second, now, limit=6)
    finally:
        first.close()
        second.close()
    assert len(a) == 6 and len(b) == 4 and not set(a) & set(b)


def test_a_draft_someone_else_made_in_the_workers_name_does_not_silence_the_reminder(
    installed, session_factory, worker_identity, monkeypatch
):
    """Given an unverified chat filed a draft in the worker's name (it holds nothing), the
    worker is still reminded: the draft is not the worker's claim (issue 13)."""
    at(monkeypatch, SEVEN_DAYS_BEFORE)
    claim = add_claim(session_factory, "张三", WORKER_ID, ApplicationStatus.DRAFT)
    with session_factory.begin() as session:
        session.get(Application, claim).identity_verified = False
    reminders.plan_reminders.fn()
    reminders.send_due_reminders.fn()
    texts = texts_for(session_factory, worker_identity)
    assert len(texts) == 1 and "2025-12-25" in texts[0]
