"""Whole conversations through the dialog engine on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from bot.messages import FileRef, Incoming
from db.enums import ApplicationStatus, AttachmentKind, Capacity, Channel, StaffRole
from db.models import Application, Attachment, AuditEvent, ChatIdentity, Notification, StaffInvite
from db.types import utcnow
from tests.bot.conftest import NEIGHBOUR_ID, QUICK_CHECK, WORKER_ID, WORKER_PHONE, run


def apply_to_the_end(chat, id_number=WORKER_ID):
    chat.tap("menu:apply")
    chat.identify(id_number)
    assert "张三" not in chat.text  # the name masked (张*) when verified
    chat.tap("bank:file")
    chat.tap("done")
    assert "****" in chat.text and "6217000010002000305" not in chat.text
    chat.tap("confirm")
    chat.tap("pledge:accept")


def applications(session_factory):
    with session_factory() as session:
        return session.scalars(sa.select(Application).order_by(Application.program)).all()


def test_quick_check_answers_with_amounts_and_reasons(chat):
    """Given a 脱贫户 worker in Jiangsu for 9 months at 4000, the quick check shows 1500
    transport and 1200 stable employment, and offers to apply."""
    user = chat()
    user.say("/start")
    assert "menu:check" in user.buttons
    run(user, QUICK_CHECK)
    assert "1500" in user.text and "1200" in user.text
    assert "晋乡振发〔2023〕44号" in user.text
    assert "menu:apply" in user.buttons


def test_quick_check_says_what_would_change_the_answer(chat):
    user = chat()
    run(user, [*QUICK_CHECK[:3], ("say", "2025-07"), *QUICK_CHECK[4:]])
    # 5 months: one more month at this employer gives 1200.
    assert "1200" in user.text
    assert "1500" in user.text


def test_typing_a_button_label_is_the_same_as_tapping_it(chat):
    tapper, typer = chat("tapper"), chat("typer")
    tapper.say("/start")
    typer.say("/start")
    label = next(b.label for r in typer.replies for b in r.buttons if b.value == "menu:check")
    assert tapper.tap("menu:check") == typer.say(label)


def test_people_type_numbers_and_months_their_own_way(chat):
    user = chat()
    run(
        user,
        [
            ("tap", "menu:check"),
            ("say", "浙江宁波"),
            ("say", "２０２５年３月"),
            ("say", "十一月"),
            ("tap", "employer:one"),
            ("say", "三千五"),
            ("tap", "hh:poverty_alleviated"),
            ("say", "高平"),
            ("say", "1990年3月"),
        ],
    )
    assert "1500" in user.text and "1200" in user.text


def test_the_whole_period_in_one_answer(chat):
    user = chat()
    run(user, QUICK_CHECK[:2])
    user.say("三月到十一月")
    assert "employer:one" in user.buttons, "the end month was taken from the same answer"
    run(user, QUICK_CHECK[4:])
    assert "1500" in user.text and "1200" in user.text


def test_an_ambiguous_place_offers_a_choice(chat):
    user = chat()
    user.tap("menu:check")
    user.say("城区")
    assert "place:140502" in user.buttons
    user.tap("place:140502")
    assert "still" not in user.buttons  # next question: since when
    user.say("2025-03")
    assert "still" in user.buttons


def test_bad_answers_get_a_re_ask_and_lose_nothing(chat):
    user = chat()
    user.send(button="menu:check")
    user.say("江苏")
    for nonsense in ["<script>alert(1)</script>", "'; DROP TABLE person; --", "🙂", "x" * 4000]:
        user.say(nonsense)
        assert len(user.replies) >= 2, "an explanation, then the question again"
    user.send(unsupported="sticker")
    user.send(file=FileRef(kind="photo", file_id="f1"))
    user.say("2025-03")
    assert "still" in user.buttons, "the earlier answer (Jiangsu) was kept"


def test_a_photo_nothing_asked_for_is_said_not_kept(chat):
    user = chat()
    user.send(file=FileRef(kind="photo", file_id="f1"))
    assert "不会保存" in user.text
    assert "menu:check" in user.buttons  # and what can be done instead


def test_apply_on_the_web_chat_after_an_sms_code_writes_applications(
    chat, registry, session_factory
):
    user = chat()
    run(user, QUICK_CHECK)
    apply_to_the_end(user)
    assert "WG2025-" in user.text
    saved = applications(session_factory)
    assert [(a.program.value, a.amount_fen, a.status) for a in saved] == [
        ("stable_employment", 120000, ApplicationStatus.SUBMITTED),
        ("transport", 150000, ApplicationStatus.SUBMITTED),
    ]
    assert all(a.facts["identity_check"] == "sms" for a in saved)
    assert saved[0].bank_account_snapshot == "6217000010002000305"
    with session_factory() as session:
        events = session.scalars(sa.select(AuditEvent.to_status)).all()
    assert events.count(ApplicationStatus.SUBMITTED) == 2


def test_applying_twice_points_at_the_existing_application(chat, registry, session_factory):
    user = chat()
    run(user, QUICK_CHECK)
    apply_to_the_end(user)
    numbers = [f"WG2025-{a.id:06d}" for a in applications(session_factory)]
    run(user, QUICK_CHECK)
    apply_to_the_end(user)
    assert all(number in user.text for number in numbers)
    assert len(applications(session_factory)) == 2


def test_status_lists_applications_and_withdraws_one(chat, registry, session_factory):
    user = chat()
    run(user, QUICK_CHECK)
    apply_to_the_end(user)
    transport = next(a for a in applications(session_factory) if a.program.value == "transport")
    user.tap("menu:status")
    assert f"WG2025-{transport.id:06d}" in user.text
    user.tap(f"withdraw:{transport.id}")
    user.tap(f"withdraw_yes:{transport.id}")
    statuses = {a.program.value: a.status for a in applications(session_factory)}
    assert statuses == {
        "transport": ApplicationStatus.WITHDRAWN,
        "stable_employment": ApplicationStatus.SUBMITTED,
    }


def test_telegram_phone_matching_the_registry_verifies_the_identity(
    chat, registry, session_factory
):
    user = chat("4242", Channel.TELEGRAM)
    run(user, QUICK_CHECK)
    user.tap("menu:apply")
    user.say(WORKER_ID)
    assert any(reply.request_contact for reply in user.replies)
    user.send(contact_phone="+86 138 0000 1111", contact_is_own=True)
    user.tap("bank:file")
    user.tap("done")
    user.tap("confirm")
    user.tap("pledge:accept")
    assert all(a.facts["identity_check"] == "contact" for a in applications(session_factory))
    with session_factory() as session:
        identity = session.scalars(sa.select(ChatIdentity)).one()
    assert identity.phone_verified and identity.person_id == registry["worker"]
    assert WORKER_PHONE  # the registry phone the contact matched


def test_an_invalid_or_unknown_id_is_refused_politely(chat, registry):
    user = chat()
    user.tap("menu:apply")
    user.say("140581199003151233")  # wrong check digit
    assert len(user.replies) == 2
    user.say("140524196208150136")  # valid but not in the registry: the usual next step
    assert "6位短信验证码" in user.text and "不在脱贫户和监测户名单中" not in user.text
    assert "140524196208150136" not in user.text


def test_a_card_failing_luhn_is_a_warning_to_confirm(chat, registry, session_factory):
    user = chat()
    run(user, QUICK_CHECK)
    user.tap("menu:apply")
    user.identify(WORKER_ID)
    user.say("6217 0000 1000 2000 301")
    assert set(user.buttons) >= {"yes", "no"}
    user.tap("yes")
    # A new card: which bank it is from (the roster's 开户行), tapped or typed.
    user.say("我不知道")
    assert "bankname:0" in user.buttons
    user.say("高平农商银行三甲支行")
    user.tap("done")
    assert "高平农商银行三甲支行" in user.text  # in the summary
    user.tap("confirm")
    user.tap("pledge:accept")
    saved = applications(session_factory)
    assert saved and all(a.facts["bank_warning"] == "luhn" for a in saved)
    assert {a.bank_name for a in saved} == {"高平农商银行三甲支行"}


def test_language_switch(chat):
    user = chat()
    user.say("/lang")
    user.tap("lang:en")
    assert "English" in user.text
    user.say("/lang")
    user.tap("lang:zh_CN")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in user.replies[0].text)


def test_a_redelivered_update_is_not_handled_twice(conversations):
    message = Incoming(channel=Channel.TELEGRAM, user="99", text="/start", update_id=7)
    assert conversations.handle(message)
    assert conversations.handle(message) == []


def test_updates_arriving_out_of_order_are_both_handled(conversations):
    """Webhooks may deliver a user's updates out of order; only a true repeat is dropped."""
    later = Incoming(channel=Channel.TELEGRAM, user="98", text="/start", update_id=9)
    earlier = Incoming(channel=Channel.TELEGRAM, user="98", text="/help", update_id=8)
    assert conversations.handle(later)
    assert conversations.handle(earlier)
    assert conversations.handle(later) == []


def make_cadre(chat, session_factory, village):
    code = f"code-{village}"
    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code(code),
                role=StaffRole.CADRE,
                region_code=village,
                expires_at=utcnow().replace(year=2099),
            )
        )
    cadre = chat("cadre-" + village)
    cadre.say(f"/start {code}")
    cadre.say("王建国")
    cadre.tap("staff:skip")
    assert "menu:delegate" in cadre.buttons
    return cadre


def test_a_cadre_applies_for_a_villager_with_a_signed_letter(chat, registry, session_factory):
    cadre = make_cadre(chat, session_factory, "140581100200")
    cadre.tap("menu:delegate")
    cadre.say(NEIGHBOUR_ID)  # lives in another village
    assert "1404**********2467" in cadre.text
    cadre.say(WORKER_ID)
    cadre.say("朋友")  # not an allowed agent
    assert "village_cadre" in cadre.buttons
    cadre.tap("village_cadre")
    cadre.tap("agree:letter")
    cadre.send(file=FileRef(kind="photo", file_id="letter-1"))
    run(cadre, QUICK_CHECK[1:6])
    cadre.tap("bank:file")
    cadre.tap("done")
    cadre.tap("confirm")
    cadre.tap("pledge:accept")
    saved = applications(session_factory)
    assert {a.capacity for a in saved} == {Capacity.VILLAGE_CADRE}
    assert {a.consent_kind for a in saved} == {"letter"}
    assert {a.status for a in saved} == {ApplicationStatus.SUBMITTED}
    with session_factory() as session:
        kinds = session.scalars(sa.select(Attachment.kind)).all()
    assert kinds == [AttachmentKind.DELEGATION_LETTER]


def test_a_used_or_unknown_invite_gives_no_role(chat, session_factory):
    cadre = make_cadre(chat, session_factory, "140581100200")
    other = chat("someone-else")
    other.say("/start code-140581100200")
    assert "menu:delegate" not in other.buttons
    other.say("/start nonsense")
    assert "menu:delegate" not in other.buttons
    assert cadre


def test_delegated_application_waits_for_the_workers_tap(chat, registry, session_factory):
    worker = chat("5001", Channel.TELEGRAM)
    worker.send(button="menu:apply")
    worker.identify(WORKER_ID)
    cadre = make_cadre(chat, session_factory, "140581100200")
    cadre.tap("menu:delegate")
    cadre.say(WORKER_ID)
    cadre.tap("relative")
    cadre.tap("agree:chat")
    # The cadre is asked about the worker, not about "you", and pledges as a delegate.
    assert "张三" in cadre.text and "您在哪里务工" not in cadre.text
    run(cadre, QUICK_CHECK[1:6])
    assert "张三" in cadre.text and "您本人" not in cadre.text  # whose card it must be
    cadre.tap("bank:file")
    cadre.tap("done")
    cadre.tap("confirm")
    assert "受张三委托" in cadre.text and "本人承诺" not in cadre.text
    cadre.tap("pledge:accept")
    assert "已为张三提交申请" in cadre.text
    saved = applications(session_factory)
    assert {a.status for a in saved} == {ApplicationStatus.DRAFT}
    with session_factory() as session:
        notes = session.scalars(sa.select(Notification)).all()
    assert len(notes) == len(saved)
    consent = next(b["value"] for b in notes[0].buttons if b["value"].startswith("consent:yes"))
    worker.send(button=consent)
    statuses = sorted(a.status for a in applications(session_factory))
    assert ApplicationStatus.SUBMITTED in statuses
