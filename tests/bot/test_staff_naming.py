"""Taking a staff role with `/start CODE`: the region in words, then the name and phone asked."""

from __future__ import annotations

import sqlalchemy as sa

from bot.engine import Conversations
from db.crypto import blind_index
from db.enums import Channel, StaffRole
from db.models import AuditEvent, Staff, StaffInvite
from db.types import utcnow
from tests.bot.conftest import TODAY, Chat

SANJIA = "140581102225"  # 三甲村委会, 三甲镇, 高平市


def invite(session_factory, code: str, region: str = SANJIA, role=StaffRole.CADRE) -> None:
    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code(code), role=role, region_code=region,
                expires_at=utcnow().replace(year=2099),
            )
        )  # fmt: skip


def staff_row(session_factory) -> tuple:
    """(name, phone as stored, phone index) of the one staff member, read raw."""
    with session_factory() as session:
        return tuple(session.execute(sa.text("SELECT name, phone, phone_index FROM staff")).one())


def actions(session_factory) -> list[tuple[str, dict]]:
    with session_factory() as session:
        events = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(event.action, event.data) for event in events]


def test_a_cadre_is_told_the_village_in_words_and_names_themselves(
    conversations, session_factory, keyring
):
    """Given an invite for 三甲村委会, /start CODE on Telegram from 王建国 says the role is for
    高平市三甲镇三甲村 and offers his display name; tapping it, then typing his mobile number,
    welcomes him by name with the region in words and the number masked. The number is stored
    encrypted with its blind index; joining and the phone are audited (the name did not
    change, so no rename)."""
    invite(session_factory, "c-1")
    cadre = Chat(conversations, Channel.TELEGRAM, "7001")

    cadre.send(text="/start c-1", display_name="王建国")
    assert "这个邀请码让您成为高平市三甲镇三甲村的村干部。" in cadre.text
    assert [(b.label, b.value) for r in cadre.replies for b in r.buttons] == [
        ("我是王建国", "staff:name")
    ]
    cadre.send(button="staff:name", display_name="王建国")
    assert "手机号码" in cadre.text and cadre.replies[-1].request_contact
    cadre.send(text="138 0000 1111", display_name="王建国")

    assert "欢迎您，王建国！您现在是高平市三甲镇三甲村的村干部。" in cadre.text
    assert "138****1111" in cadre.text and "13800001111" not in cadre.text
    assert "menu:delegate" in cadre.buttons
    name, stored_phone, phone_index = staff_row(session_factory)
    assert name == "王建国" and "13800001111" not in stored_phone
    assert phone_index == blind_index("phone", "13800001111")
    with session_factory() as session:
        assert session.scalars(sa.select(Staff.phone)).one() == "13800001111"
    assert [action for action, _ in actions(session_factory)] == ["staff_joined", "staff_phone"]
    assert actions(session_factory)[1][1] == {"phone": "138****1111"}


def test_bad_answers_are_asked_again_and_change_nothing(chat, session_factory, keyring):
    """Given a web chat (no display name, so no name button), a name with digits and a phone
    of 10 digits each get one translated line and the same question again; the role keeps
    "工作人员" until a real name comes, the rename is audited, and "跳过" skips the phone."""
    invite(session_factory, "c-2")
    cadre = chat("web-cadre")
    cadre.say("/start c-2")
    assert cadre.buttons == []
    cadre.say("王1号")
    assert cadre.replies[0].text.startswith("请发送您的姓名")
    assert cadre.replies[-1].text == "请问您的姓名是？群众和同事会看到这个名字。"
    assert staff_row(session_factory)[0] == "工作人员"

    cadre.say(" 阿依古丽·买买提 ")
    cadre.say("1380000111")
    assert cadre.replies[0].text == "请发送以1开头的11位手机号码，或者点“跳过”。"
    assert staff_row(session_factory) == ("阿依古丽·买买提", None, None)
    cadre.say("跳过")
    assert "欢迎您，阿依古丽·买买提！" in cadre.text
    renamed = [data for action, data in actions(session_factory) if action == "staff_named"]
    assert renamed == [{"from": "工作人员", "to": "阿依古丽·买买提"}]


def test_the_naming_resumes_with_the_next_message_and_the_role_works_meanwhile(
    session_factory, keyring
):
    """Given /start CODE redeemed and the bot restarted before the answer, the next message is
    taken as the name; a cadre who goes to the menu instead keeps the role under the display
    name, and the used invite cannot be redeemed again."""
    invite(session_factory, "c-3")
    first = Chat(Conversations(session_factory, today=lambda: TODAY), Channel.WEB, "w-3")
    first.say("/start c-3")
    again = Chat(Conversations(session_factory, today=lambda: TODAY), Channel.WEB, "w-3")
    again.update_id = first.update_id  # the same user's next update, not a redelivery
    again.say("赵六")
    assert "手机号码" in again.text
    assert staff_row(session_factory)[0] == "赵六"

    invite(session_factory, "c-4", region="140581109201")
    other = Chat(Conversations(session_factory, today=lambda: TODAY), Channel.WEB, "w-4")
    other.say("/start c-4")
    other.say("菜单")
    assert "menu:delegate" in other.buttons
    third = Chat(Conversations(session_factory, today=lambda: TODAY), Channel.WEB, "w-5")
    third.say("/start c-4")
    assert "menu:delegate" not in third.buttons
    with session_factory() as session:
        names = session.scalars(sa.select(Staff.name).order_by(Staff.id)).all()
    assert names == ["赵六", "工作人员"]
