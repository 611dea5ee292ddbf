"""The cadre's list of people to tell in person (当面告知): news no channel delivered."""

from __future__ import annotations

import sqlalchemy as sa

from db.models import ChatIdentity, Notification, TellInPerson
from db.queries.tell_in_person import record_undelivered
from tests.bot.conftest import OTHER_VILLAGE, VILLAGE
from tests.bot.test_dialogs import make_cadre


def undelivered(session_factory, registry, text: str) -> int:
    """A status notice for the registry's worker that no channel could deliver."""
    with session_factory.begin() as session:
        chat = ChatIdentity(
            channel="wechat", external_id="oWorker0001", state={}, person_id=registry["worker"]
        )
        session.add(chat)
        session.flush()
        notice = Notification(chat_identity_id=chat.id, text=text, buttons=[])
        session.add(notice)
        session.flush()
        entry = record_undelivered(session, notice.id, "wechat", "43004 not following")
        assert entry is not None
        return entry.id


def test_the_village_cadre_sees_whom_to_tell_and_marks_it_told(chat, registry, session_factory):
    entry = undelivered(session_factory, registry, "您的申请已通过审核。")
    cadre = make_cadre(chat, session_factory, VILLAGE)
    cadre.say("/tell")
    assert "张三" in cadre.text and "您的申请已通过审核。" in cadre.text
    assert "1405**********1232" in cadre.text and "140581199003151232" not in cadre.text
    assert f"told:{entry}" in cadre.buttons
    cadre.tap(f"told:{entry}")
    assert "已记为告知" in cadre.text
    with session_factory() as session:
        assert session.scalar(sa.select(TellInPerson.done_at)) is not None
    cadre.say("/tell")
    assert "张三" not in cadre.text
    # Pressed again (an old button): one line, nothing changes.
    cadre.send(button=f"told:{entry}")
    assert "不在您的名单" in cadre.text or "no longer" in cadre.text


def test_another_villages_cadre_and_a_villager_see_nothing(chat, registry, session_factory):
    entry = undelivered(session_factory, registry, "您的申请已通过审核。")
    other = make_cadre(chat, session_factory, OTHER_VILLAGE)
    other.say("/tell")
    assert "张三" not in other.text
    other.send(button=f"told:{entry}")
    assert "不在您的名单" in other.text
    villager = chat("villager")
    villager.say("/tell")
    assert "张三" not in villager.text
    with session_factory() as session:
        assert session.scalar(sa.select(TellInPerson.done_at)) is None
