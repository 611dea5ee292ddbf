"""A claim counts only when its person is verified (issue 13, point 3): an impostor's claim with
their own card is a draft that blocks nobody; the real person verifies, sees it and withdraws
it; the cadre is told; the cadre's in-person confirmation turns a draft into a claim."""

from __future__ import annotations

import sqlalchemy as sa

from db.enums import ApplicationStatus, Channel, StaffRole
from db.models import Application, ChatIdentity, Notification, Staff
from db.queries import review_queue
from tests.bot.conftest import (
    NEIGHBOUR_ID,
    OTHER_VILLAGE,
    VILLAGE,
    WORKER_ID,
    WORKER_PHONE,
)
from tests.security.helpers import (
    IMPOSTOR_CARD,
    QUICK_CHECK,
    draft_to_the_end,
    run,
)


def claims(session_factory) -> list[Application]:
    with session_factory() as session:
        return list(session.scalars(sa.select(Application).order_by(Application.id)))


def make_cadre(session_factory, conversations, village: str):
    """A cadre of `village` with a chat (user "cadre-<village>")."""
    from tests.bot.conftest import Chat

    with session_factory.begin() as session:
        staff = Staff(name="王建国", role=StaffRole.CADRE, region_code=village)
        session.add(staff)
        session.flush()
        session.add(
            ChatIdentity(
                channel=Channel.WEB, external_id=f"cadre-{village}", staff_id=staff.id, state={}
            )
        )
        staff_id = staff.id
    return Chat(conversations, Channel.WEB, f"cadre-{village}"), staff_id


def test_an_impostors_claim_blocks_nobody_and_the_real_person_withdraws_it(
    chat, registry, session_factory, conversations, sms, limits_clock
):
    _, staff_id = make_cadre(session_factory, conversations, VILLAGE)
    impostor = chat("impostor")
    run(impostor, QUICK_CHECK)
    draft_to_the_end(impostor, WORKER_ID)
    drafts = claims(session_factory)
    assert len(drafts) == 2  # transport and stable employment
    assert {(d.status, d.identity_verified) for d in drafts} == {(ApplicationStatus.DRAFT, False)}
    assert all(d.bank_account_snapshot == IMPOSTOR_CARD for d in drafts)
    draft = drafts[0]
    # The draft reaches no review queue.
    with session_factory() as session:
        staff = session.get(Staff, staff_id)
        assert review_queue.queue(session, staff, limit=50) == []

    limits_clock.advance(60)  # the next code to that phone may go after a minute
    real = chat("real")
    run(real, QUICK_CHECK)
    real.tap("menu:apply")
    real.identify(WORKER_ID)
    assert sms.sent[-1][0] == WORKER_PHONE  # the code went to the records' phone
    assert "张*" in real.text and "张三" not in real.text
    assert "有人在别的聊天里用您的名字填了申请" in real.text
    real.tap("bank:file")
    real.tap("done")
    assert "姓名：张*" in real.text and "张三" not in real.text  # the summary masks it too
    real.tap("confirm")
    real.tap("pledge:accept")
    assert "已经申请过" not in real.text and "WG2025-" in real.text
    counted = [c for c in claims(session_factory) if c.identity_verified]
    assert len(counted) == 2
    assert {c.status for c in counted} == {ApplicationStatus.SUBMITTED}
    assert all(c.bank_account_snapshot == "6217000010002000305" for c in counted)

    # The cadre was told once, with masked ID and name and no card number.
    with session_factory() as session:
        cadre_chat = session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.staff_id == staff_id)
        ).one()
        told = session.scalars(
            sa.select(Notification.text).where(Notification.chat_identity_id == cadre_chat.id)
        ).all()
    assert len(told) == 1
    assert "1405**********1232" in told[0] and "张*" in told[0]
    assert "张三" not in told[0] and IMPOSTOR_CARD not in told[0]

    # The real person sees the impostor's draft, marked, and withdraws it.
    real.tap("menu:status")
    assert "别人在其他聊天里填的" in real.text
    real.tap(f"withdraw:{draft.id}")
    real.tap(f"withdraw_yes:{draft.id}")
    statuses = {c.id: c.status for c in claims(session_factory)}
    assert statuses[draft.id] == ApplicationStatus.WITHDRAWN


def test_the_cadre_confirms_in_person_and_the_draft_becomes_a_claim(
    chat, registry, session_factory, conversations
):
    neighbour = chat("neighbour")  # no phone in the records: no code can come
    run(neighbour, QUICK_CHECK)
    draft_to_the_end(neighbour, NEIGHBOUR_ID)
    drafts = claims(session_factory)
    assert drafts and all(d.status == ApplicationStatus.DRAFT for d in drafts)

    elsewhere, _ = make_cadre(session_factory, conversations, VILLAGE)
    elsewhere.tap("menu:drafts")
    assert "seen:" not in " ".join(elsewhere.buttons)  # not this cadre's village

    cadre, _ = make_cadre(session_factory, conversations, OTHER_VILLAGE)
    cadre.tap("menu:drafts")
    assert "李四" in cadre.text
    cadre.tap(f"seen:{drafts[0].id}")
    assert "WG2025-" in cadre.text
    after = claims(session_factory)
    assert all(
        (c.status, c.identity_verified, c.facts["identity_check"])
        == (ApplicationStatus.SUBMITTED, True, "cadre")
        for c in after
    )
    with session_factory() as session:
        author = session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == "neighbour")
        ).one()
        told = session.scalars(
            sa.select(Notification.text).where(Notification.chat_identity_id == author.id)
        ).all()
    assert (author.phone_verified, author.person_id, author.verified_via) == (
        True,
        registry["neighbour"],
        "cadre",
    )
    assert any("WG2025-" in text for text in told)


def test_a_draft_goes_on_when_its_author_verifies_by_code(
    chat, registry, session_factory, sms, limits_clock
):
    user = chat("later")
    run(user, QUICK_CHECK)
    draft_to_the_end(user, WORKER_ID)
    limits_clock.advance(60)
    user.tap("menu:apply")
    user.identify(WORKER_ID)
    assert "您的草稿申请现在提交" in user.text and "WG2025-" in user.text
    assert all(c.status == ApplicationStatus.SUBMITTED for c in claims(session_factory))


def test_telegram_contact_matching_the_records_still_verifies(chat, registry, session_factory):
    user = chat("4242", Channel.TELEGRAM)
    user.tap("menu:apply")
    user.say(WORKER_ID)
    assert any(reply.request_contact for reply in user.replies)
    user.send(contact_phone="+86 138 0000 1111", contact_is_own=True)
    assert "张*" in user.text
    with session_factory() as session:
        identity = session.scalars(sa.select(ChatIdentity)).one()
    assert (identity.phone_verified, identity.person_id, identity.verified_via) == (
        True,
        registry["worker"],
        "contact",
    )
