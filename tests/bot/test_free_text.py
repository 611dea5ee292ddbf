"""Free text at any step: requests in words, answers inside sentences, ambiguity asked with
buttons, the year said, and a language switch that keeps the answers."""

from __future__ import annotations

import sqlalchemy as sa

from db.enums import StaffRole
from db.models import Application, Notification, Staff
from tests.bot.conftest import QUICK_CHECK, WORKER_ID, run
from tests.bot.test_dialogs import apply_to_the_end, make_cadre


def test_a_request_in_words_starts_the_check_and_the_first_question_names_the_year(chat):
    user = chat()
    user.say("你好")
    assert "menu:check" in user.buttons  # the greeting
    user.say("我想查一下能领多少补贴")
    assert "2025年您在哪里务工" in user.text


def test_help_mid_check_answers_then_asks_the_same_question_with_the_answers_kept(chat):
    user = chat()
    run(user, QUICK_CHECK[:3])  # the place, the first month
    assert "still" in user.buttons
    user.say("帮助")
    assert "交通补贴" in user.text  # the help text
    assert "still" in user.buttons, "then the same question again"
    user.say("2025年11月")
    assert "employer:one" in user.buttons, "the earlier answers were kept"


def test_switching_language_mid_check_keeps_the_answers_and_asks_again_in_english(chat):
    user = chat()
    run(user, QUICK_CHECK[:4])  # place, from, to: now the employer question
    assert "employer:one" in user.buttons
    user.say("说英语")
    assert "Did you work for one employer" in user.text
    assert "employer:one" in user.buttons
    run(user, QUICK_CHECK[4:])
    assert "Here is what you can get for 2025" in user.text
    assert "1500" in user.text, "Jiangsu, given in Chinese before the switch, still counts"


def test_a_whole_sentence_answers_the_place_and_the_period(chat):
    user = chat()
    user.tap("menu:check")
    user.say("在浙江宁波打工")
    assert "浙江省宁波市" in user.text
    user.say("今年3月份到现在还在干")
    assert "employer:one" in user.buttons, "the period was read whole, still working"
    user.say("一直在一家")
    assert "月工资" in user.text or "monthly wage" in user.text


def test_a_lunar_period_is_read_and_said(chat):
    user = chat()
    user.tap("menu:check")
    user.say("江苏")
    user.say("去年正月到七月")
    assert "正月" in user.text and "2024-02" in user.text and "2024-08" in user.text
    assert "employer:one" in user.buttons


def test_a_wage_range_is_asked_with_buttons_and_never_guessed(chat, session_factory):
    user = chat()
    run(user, QUICK_CHECK[:5])
    user.say("三千到四千")
    assert user.buttons == ["reading:0", "reading:1", "reading:2"]
    labels = [button.label for reply in user.replies for button in reply.buttons]
    assert any("3500" in label for label in labels)
    user.tap("reading:1")
    assert "hh:poverty_alleviated" in user.buttons  # the next question: the wage is taken


def test_my_applications_and_withdraw_in_words(chat, registry, session_factory):
    user = chat()
    run(user, QUICK_CHECK)
    apply_to_the_end(user)
    user.say("申请到哪一步了")
    numbers = [f"WG2025-{a.id:06d}" for a in _applications(session_factory)]
    assert all(number in user.text for number in numbers)
    user.say("撤回申请")
    assert any(value.startswith("withdraw:") for value in user.buttons), "two: pick one"


def test_talking_to_a_person_gives_the_village_cadres_phone_and_tells_them_once(
    chat, registry, session_factory
):
    cadre = make_cadre(chat, session_factory, "140581100200")
    with session_factory.begin() as session:
        staff = session.scalars(sa.select(Staff).where(Staff.role == StaffRole.CADRE)).one()
        staff.phone = "13900002222"
    user = chat()
    user.say("找人工")
    assert "村委会" in user.text and "13900002222" not in user.text, "not verified: no phone"
    run(user, QUICK_CHECK)
    user.tap("menu:apply")
    user.identify(WORKER_ID)
    user.say("我想找村干部")
    assert "王建国" in user.text and "13900002222" in user.text
    assert user.buttons, "then the question of the step again"
    user.say("有人吗")
    user.say("菜单")
    user.say("联系村干部")
    assert "13900002222" in user.text
    assert _notices_to(session_factory, cadre.user) == 1, "told once a day"


def test_free_text_steps_keep_what_is_typed(chat, registry, session_factory):
    """A broadcast's text is the text, even when it reads like a request."""
    county = make_county_admin(chat, session_factory)
    county.tap("menu:broadcast")
    county.say("帮助")
    assert any(value.startswith("audience:") for value in county.buttons), "taken as the text"


def make_county_admin(chat, session_factory):
    from db.models import StaffInvite
    from db.types import utcnow

    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code("code-county"),
                role=StaffRole.COUNTY_ADMIN,
                region_code="140581",
                expires_at=utcnow().replace(year=2099),
            )
        )
    admin = chat("county-admin")
    admin.say("/start code-county")
    admin.say("赵局长")
    admin.tap("staff:skip")
    return admin


def _applications(session_factory) -> list[Application]:
    with session_factory() as session:
        return list(session.scalars(sa.select(Application).order_by(Application.id)))


def _notices_to(session_factory, user: str) -> int:
    from db.models import ChatIdentity

    with session_factory() as session:
        identity = session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == user)
        ).one()
        return len(
            session.scalars(
                sa.select(Notification).where(
                    Notification.chat_identity_id == identity.id,
                    Notification.text.contains("would like to talk")
                    | Notification.text.contains("想找人咨询"),
                )
            ).all()
        )


def test_a_confirmation_step_takes_words_as_well_as_its_buttons(chat, registry):
    user = chat()
    run(user, QUICK_CHECK)
    user.tap("menu:apply")
    user.identify(WORKER_ID)
    user.tap("bank:file")
    user.tap("done")
    assert "confirm" in user.buttons  # the summary
    user.say("嗯 没错")
    assert "pledge:accept" in user.buttons
