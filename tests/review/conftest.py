"""Review-chain fixtures: the dialog engine and registry of tests/bot, staff with invite codes,
budgets, and applications moved through the cross-check."""

from __future__ import annotations

import re

import sqlalchemy as sa

from db.enums import ApplicationStatus, Program, StaffRole
from db.models import Application, BudgetAllocation, Notification, StaffInvite
from db.queries.crosscheck.run import crosscheck_application
from db.types import utcnow
from tests.bot.conftest import (  # noqa: F401  (fixtures, and what tests import from here)
    QUICK_CHECK,
    TODAY,
    chat,
    conversations,
    registry,
    run,
)


def make_staff(new_chat, session_factory, role: StaffRole, region: str, user: str | None = None):
    """A chat user who took ``role`` for ``region`` with a one-time invite code."""
    code = f"code-{role.value}-{region}-{user or ''}"
    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code(code),
                role=role,
                region_code=region,
                expires_at=utcnow().replace(year=2099),
            )
        )
    member = new_chat(user or f"{role.value}-{region}")
    member.say(f"/start {code}")
    member.say("王建国")  # the name asked after the invite
    member.tap("staff:skip")  # and the phone number, skipped
    return member


def apply_in_chat(user):
    """The worker checks and applies for both subsidies (transport 1500, stable 1200)."""
    run(user, QUICK_CHECK)
    user.tap("menu:apply")
    user.identify("140581199003151232")
    user.tap("bank:file")
    user.tap("done")
    user.tap("confirm")
    user.tap("pledge:accept")
    assert "WG2025-" in user.text


def cross_check(session_factory) -> None:
    """Run the cross-check of every submitted application, as the worker would."""
    with session_factory.begin() as session:
        ids = session.scalars(
            sa.select(Application.id).where(Application.status == ApplicationStatus.SUBMITTED)
        ).all()
    for application_id in ids:
        with session_factory.begin() as session:
            crosscheck_application(session, application_id, today=TODAY)


def statuses(session_factory) -> dict[str, ApplicationStatus]:
    with session_factory() as session:
        return {a.program.value: a.status for a in session.scalars(sa.select(Application)).all()}


def allocate(session_factory, amount_yuan: int, program=Program.TRANSPORT, county="140581"):
    with session_factory.begin() as session:
        session.add(
            BudgetAllocation(
                county_code=county,
                year=2025,
                program=program,
                amount_fen=amount_yuan * 100,
                source_document="test allocation",
            )
        )


def notifications_of(session_factory, user) -> list[Notification]:
    """The notifications written for a chat user, oldest first."""
    from db.models import ChatIdentity

    with session_factory() as session:
        return session.scalars(
            sa.select(Notification)
            .join(ChatIdentity, ChatIdentity.id == Notification.chat_identity_id)
            .where(ChatIdentity.external_id == user.user)
            .order_by(Notification.id)
        ).all()


NUMBER = re.compile(r"GS-(\d{9}|\d{12})-\d{4}-\d{3}")


def approve_all_and_post(staff) -> str:
    """The reviewer approves every claim in their queue, then posts the notice."""
    staff.say("/review")
    while any(b.startswith("review:approve:") for b in staff.buttons):
        staff.tap(next(b for b in staff.buttons if b.startswith("review:approve:")))
    assert "review:post" in staff.buttons
    staff.tap("review:post")
    number = NUMBER.search(staff.text)
    assert number, staff.text
    assert f"/notices/{number.group(0)}" in staff.text
    assert f"/notices/{number.group(0)}.xlsx" in staff.text
    return number.group(0)


def add_claim(session_factory, name: str, id_number: str, status, village="140581100200") -> int:
    """Another villager's transport claim (1500 yuan, Zhejiang), already at ``status``."""
    from db.enums import Program
    from db.queries import upsert_person

    with session_factory.begin() as session:
        person = upsert_person(session, id_number=id_number, name=name, region_code=village).person
        application = Application(
            person_id=person.id,
            program=Program.TRANSPORT,
            year=2025,
            region_code=village,
            status=status,
            facts={"work_place": "33", "work_from": "2025-02", "work_to": "2025-10"},
            decision={"eligible": True, "amount": 1500},
            amount_fen=150_000,
        )
        session.add(application)
        session.flush()
        return application.id


VILLAGER_ID = "140581198001010228"


def verified(user, session_factory, name: str = "赵六", id_number: str = VILLAGER_ID):
    """The chat ``user`` verified as a villager of the registry, as an SMS code, a shared
    contact or the cadre leave it (``phone_verified`` and ``person_id``): who may object."""
    from db.models import ChatIdentity
    from db.queries import upsert_person

    user.say("/start")
    with session_factory.begin() as session:
        person = upsert_person(
            session, id_number=id_number, name=name, region_code="140581100200"
        ).person
        identity = session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == user.user)
        ).one()
        identity.person_id = person.id
        identity.phone_verified = True
    return user
