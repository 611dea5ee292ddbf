"""Objections cannot be used to hold a notice hostage (issue 13, point 5): only a chat
verified as a person objects, once per notice and on a few notices a day, and the reviewers get
one digest instead of a message per objection."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from common.settings import ObjectionSettings, get_settings
from db.enums import ApplicationStatus as S
from db.enums import NoticeLevel, NoticeStatus, StaffRole
from db.models import Application, ChatIdentity, Notice, Notification, Objection
from db.types import utcnow
from tests.review.conftest import (
    add_claim,
    apply_in_chat,
    approve_all_and_post,
    cross_check,
    make_staff,
    notifications_of,
    verified,
)
from workers.notices import send_digests

WANG_ID = "140524196208150136"
OTHER_IDS = ("140581197503040110", "140581198512120335", "140581199007150443")


def posted_notice(chat, session_factory):
    """张三's two claims and 王五's one on the village notice: (number, cadre)."""
    apply_in_chat(chat("worker"))
    cross_check(session_factory)
    add_claim(session_factory, "王五", WANG_ID, S.VILLAGE_REVIEW)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    return approve_all_and_post(cadre), cadre


def held(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(
            sa.select(sa.func.count()).where(Application.status == S.ON_HOLD)
        ) or 0  # fmt: skip


def objections(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Objection)) or 0


def test_an_unverified_chat_cannot_object(chat, registry, session_factory):
    """An anonymous chat objecting to the whole notice is told in one line how to object
    instead; nothing is recorded and no claim is held."""
    number, _ = posted_notice(chat, session_factory)
    stranger = chat("stranger")
    stranger.say(f"/object {number} 全部都是假的，一个也不该发")
    assert "只有核实过身份的人才能在这里提出异议" in stranger.replies[0].text
    assert "村委会当面反映" in stranger.replies[0].text
    stranger.tap("menu:object")
    assert "只有核实过身份的人才能在这里提出异议" in stranger.replies[0].text
    assert objections(session_factory) == 0 and held(session_factory) == 0


def test_a_second_objection_to_the_same_notice_is_refused(chat, registry, session_factory):
    number, _ = posted_notice(chat, session_factory)
    villager = verified(chat("villager"), session_factory)
    villager.say(f"/object {number} 张三今年一直在村里，没有外出")
    assert held(session_factory) == 2
    villager.say(f"/object {number} 王五也没有外出务工")
    assert f"您已对公示 {number} 提出过异议" in villager.replies[0].text
    assert objections(session_factory) == 2  # 张三's two claims, nothing for 王五
    assert held(session_factory) == 2


def test_a_chat_objects_to_a_few_notices_a_day_at_most(
    chat, registry, session_factory, monkeypatch
):
    """With a cap of one notice a day, a villager who objected to another notice 23 hours ago
    is refused today; once a day has passed since, they may object again."""
    monkeypatch.setattr(get_settings(), "objections", ObjectionSettings(objections_per_day=1))
    number, _ = posted_notice(chat, session_factory)
    villager = verified(chat("villager"), session_factory)
    now = utcnow()
    with session_factory.begin() as session:
        other = Notice(
            level=NoticeLevel.VILLAGE, region_code="140581100200", number="GS-OTHER-001",
            starts_at=now - timedelta(days=2), ends_at=now + timedelta(days=3),
            status=NoticeStatus.POSTED,
        )  # fmt: skip
        session.add(other)
        session.flush()
        identity = session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == villager.user)
        ).one()
        earlier = Objection(notice_id=other.id, text="不属实", from_chat_identity_id=identity.id)
        session.add(earlier)
        session.flush()
        earlier.created_at = now - timedelta(hours=23)
        earlier_id = earlier.id
    villager.say(f"/object {number} 张三今年一直在村里，没有外出")
    assert "您今天已对 1 个公示提出异议，已达每日上限" in villager.replies[0].text
    assert held(session_factory) == 0

    with session_factory.begin() as session:
        session.get(Objection, earlier_id).created_at = now - timedelta(hours=25)
    villager.say(f"/object {number} 张三今年一直在村里，没有外出")
    assert held(session_factory) == 2


def objection_news(session_factory, cadre) -> list[str]:
    return [n.text for n in notifications_of(session_factory, cadre) if "异议" in n.text]


def test_reviewers_get_one_digest_for_many_objections(chat, registry, session_factory):
    """Four villagers object within the hour: the cadre is told of the first at once, and of
    the other three in one digest once the window has passed — sent once, however often the
    sweep runs."""
    number, cadre = posted_notice(chat, session_factory)
    villagers = [verified(chat("villager"), session_factory)] + [
        verified(chat(f"villager-{n}"), session_factory, f"村民{n}", id_number)
        for n, id_number in enumerate(OTHER_IDS)
    ]
    started = utcnow()
    for villager in villagers:
        villager.say(f"/object {number} 张三今年一直在村里，没有外出")
    assert objections(session_factory) == 8  # two claims named by each of four villagers
    told = objection_news(session_factory, cadre)
    assert len(told) == 1 and number in told[0]

    window = timedelta(minutes=60)
    assert send_digests(session_factory, started + timedelta(minutes=30), window) == 0
    assert len(objection_news(session_factory, cadre)) == 1
    later = started + timedelta(minutes=61)
    assert send_digests(session_factory, later, window) == 1
    assert send_digests(session_factory, later, window) == 0  # exactly once
    told = objection_news(session_factory, cadre)
    assert len(told) == 2
    assert f"公示 {number} 又收到 3 条异议" in told[1]
    with session_factory() as session:
        assert session.scalar(
            sa.select(sa.func.count()).select_from(Notification)
            .where(Notification.text.contains("又收到"))
        ) == 1  # fmt: skip
