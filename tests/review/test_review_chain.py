"""The review chain in chat, on SQLite and PostgreSQL: village review, village notice, township
review and notice, county confirmation; returns, rejections and the budget limit."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from db.enums import ApplicationStatus as S
from db.enums import Program, StaffRole
from db.models import Application, AuditEvent, Notice
from db.types import utcnow
from tests.review.conftest import (
    allocate,
    apply_in_chat,
    approve_all_and_post,
    cross_check,
    make_staff,
    notifications_of,
    statuses,
)
from workers.notices import close_due


def end_of(session_factory, number):
    with session_factory() as session:
        return session.scalars(sa.select(Notice.ends_at).where(Notice.number == number)).one()


def test_a_claim_goes_from_the_village_to_the_county(chat, registry, session_factory):
    """Given a worker's two claims, when the village approves and posts its notice, the notice
    days pass, the township does the same and the county confirms, then both are approved and
    every step was an audit event and a message to the worker."""
    worker = chat("worker")
    apply_in_chat(worker)
    cross_check(session_factory)
    assert set(statuses(session_factory).values()) == {S.VILLAGE_REVIEW}

    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    assert "menu:review" in cadre.buttons
    cadre.say("/review")
    assert "张三" in cadre.text and "1405**********1232" in cadre.text
    assert "140581199003151232" not in cadre.text
    assert "江苏" in cadre.text and "4000" in cadre.text
    village_notice = approve_all_and_post(cadre)
    assert village_notice.startswith("GS-140581100200-")
    assert set(statuses(session_factory).values()) == {S.VILLAGE_NOTICE}
    assert village_notice in notifications_of(session_factory, worker)[-1].text

    # Before the notice days are over the sweep changes nothing; after them it moves the claims.
    ends = end_of(session_factory, village_notice)
    assert timedelta(days=5) < ends - utcnow() <= timedelta(days=6)  # 高平: 5 calendar days
    assert close_due(session_factory, ends - timedelta(minutes=1)) == 0
    assert close_due(session_factory, ends) == 1
    assert close_due(session_factory, ends + timedelta(days=1)) == 0  # idempotent
    assert set(statuses(session_factory).values()) == {S.TOWNSHIP_REVIEW}

    township = make_staff(chat, session_factory, StaffRole.TOWNSHIP, "140581100")
    township_notice = approve_all_and_post(township)
    assert township_notice.startswith("GS-140581100-")
    assert close_due(session_factory, end_of(session_factory, township_notice)) == 1
    assert set(statuses(session_factory).values()) == {S.COUNTY_REVIEW}

    allocate(session_factory, 100_000)
    allocate(session_factory, 100_000, program=Program.STABLE_EMPLOYMENT)
    county = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, "140581")
    county.say("/review")
    while any(b.startswith("review:approve:") for b in county.buttons):
        county.tap(next(b for b in county.buttons if b.startswith("review:approve:")))
    assert set(statuses(session_factory).values()) == {S.APPROVED}

    with session_factory() as session:
        transport = session.scalars(
            sa.select(Application).where(Application.program == "transport")
        ).one()
        chain = session.scalars(
            sa.select(AuditEvent.to_status)
            .where(AuditEvent.application_id == transport.id, AuditEvent.to_status.is_not(None))
            .order_by(AuditEvent.id)
        ).all()
        roles = session.scalars(
            sa.select(AuditEvent.role)
            .where(AuditEvent.application_id == transport.id, AuditEvent.action == "approve")
            .order_by(AuditEvent.id)
        ).all()
    assert chain == [
        S.SUBMITTED,
        S.VILLAGE_REVIEW,
        S.VILLAGE_NOTICE,
        S.TOWNSHIP_REVIEW,
        S.TOWNSHIP_NOTICE,
        S.COUNTY_REVIEW,
        S.APPROVED,
    ]
    assert roles == ["cadre", "township"]
    texts = [n.text for n in notifications_of(session_factory, worker)]
    assert any(township_notice in text for text in texts)
    assert any("1500" in text for text in texts[-2:])


def test_the_county_cannot_confirm_beyond_its_budget(chat, registry, session_factory):
    """Given 1000 yuan left per program, confirming a 1500 or 1200 yuan claim is refused with
    the figures, and the claim stays with the county."""
    worker = chat("worker")
    apply_in_chat(worker)
    cross_check(session_factory)
    with session_factory.begin() as session:
        for application in session.scalars(sa.select(Application)):
            application.status = S.COUNTY_REVIEW
    allocate(session_factory, 1000)
    allocate(session_factory, 1000, program=Program.STABLE_EMPLOYMENT)
    county = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, "140581")
    county.say("/review")
    county.tap(next(b for b in county.buttons if b.startswith("review:approve:")))
    assert "1000" in county.text
    assert "1500" in county.text or "1200" in county.text
    assert set(statuses(session_factory).values()) == {S.COUNTY_REVIEW}


def test_return_for_correction_is_fixed_in_chat_and_comes_back(chat, registry, session_factory):
    """When the cadre returns a claim with what to fix, the worker is told, taps the button on
    the message, changes the wage, sends it again, and it is back in the village review."""
    worker = chat("worker")
    apply_in_chat(worker)
    cross_check(session_factory)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    cadre.say("/review")
    first = next(b for b in cadre.buttons if b.startswith("review:return:"))
    application_id = int(first.rsplit(":", 1)[1])
    cadre.tap(first)
    cadre.say("月工资和银行流水对不上，请核对")
    with session_factory() as session:
        returned = session.get(Application, application_id)
        assert returned.status == S.RETURNED
        assert returned.review_note == "月工资和银行流水对不上，请核对"
    message = notifications_of(session_factory, worker)[-1]
    assert "月工资和银行流水对不上" in message.text
    fix = next(b["value"] for b in message.buttons if b["value"].startswith("fix:"))

    worker.send(button=fix)
    assert "4000" in worker.text and "part:wage" in worker.buttons
    worker.tap("part:wage")
    worker.say("3500")
    assert "3500" in worker.text
    worker.tap("send_again")
    with session_factory() as session:
        again = session.get(Application, application_id)
        assert again.status == S.SUBMITTED
        assert again.facts["monthly_wage"] == "3500"
    cross_check(session_factory)
    assert statuses(session_factory)[again.program.value] == S.VILLAGE_REVIEW
    cadre.say("/review")
    assert "3500" in cadre.text or "review:next:" in cadre.buttons


def test_a_rejected_applicant_is_told_why(chat, registry, session_factory):
    worker = chat("worker")
    apply_in_chat(worker)
    cross_check(session_factory)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    cadre.say("/review")
    cadre.tap(next(b for b in cadre.buttons if b.startswith("review:reject:")))
    cadre.say("x")  # too short: asked again, nothing changes
    assert S.REJECTED not in statuses(session_factory).values()
    cadre.say("该时段本人在村务农，未外出务工")
    assert S.REJECTED in statuses(session_factory).values()
    assert "该时段本人在村务农" in notifications_of(session_factory, worker)[-1].text
