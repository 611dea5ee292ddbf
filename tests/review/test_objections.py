"""Objections to a public notice, in chat: they hold the claims they name (or the whole notice),
the reviewer resolves them in /review, and the objector hears the outcome."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from common.i18n import translate
from common.notify import STATUS_MESSAGES
from db.enums import ApplicationStatus as S
from db.enums import ObjectionStatus, StaffRole
from db.models import Application, Notice, Objection
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
from workers.notices import close_due

WANG_ID = "140524196208150136"


def posted_notice(chat, session_factory):
    """张三's two claims and 王五's one on the village notice: (number, cadre, 王五's claim)."""
    apply_in_chat(chat("worker"))
    cross_check(session_factory)
    wang = add_claim(session_factory, "王五", WANG_ID, S.VILLAGE_REVIEW)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    return approve_all_and_post(cadre), cadre, wang


def status_by_name(session_factory) -> dict[str, set[S]]:
    with session_factory() as session:
        result: dict[str, set[S]] = {}
        for application in session.scalars(sa.select(Application)):
            result.setdefault(application.person.name, set()).add(application.status)
        return result


def test_an_objection_naming_a_person_holds_only_their_claims(chat, registry, session_factory):
    """Given a posted notice, when a villager objects to 张三 by command, 张三's claims are held
    past the end of the notice while 王五's move on; the cadre dismisses the objection, 张三's
    claims move on too, and the objector is told."""
    number, cadre, wang = posted_notice(chat, session_factory)
    villager = verified(chat("villager"), session_factory)
    villager.say(f"/object {number} 张三今年一直在村里，没有外出")
    assert status_by_name(session_factory) == {"张三": {S.ON_HOLD}, "王五": {S.VILLAGE_NOTICE}}
    assert "2" in villager.text
    assert any(number in n.text for n in notifications_of(session_factory, cadre))
    on_hold = translate("zh_CN", STATUS_MESSAGES[S.ON_HOLD])
    assert on_hold in notifications_of(session_factory, chat("worker"))[-1].text

    with session_factory() as session:
        ends = session.scalars(sa.select(Notice.ends_at).where(Notice.number == number)).one()
    assert close_due(session_factory, ends) == 1
    assert status_by_name(session_factory) == {"张三": {S.ON_HOLD}, "王五": {S.TOWNSHIP_REVIEW}}

    cadre.say("/review")
    assert "张三今年一直在村里" in cadre.text
    dismissals = [
        b
        for r in cadre.replies
        for b in (x.value for x in r.buttons)
        if b.startswith("objection:dismiss:")
    ]
    assert len(dismissals) == 2
    for value in dismissals:
        cadre.send(button=value)
        cadre.say("经核实，张三在江苏务工属实")
    assert status_by_name(session_factory) == {
        "张三": {S.TOWNSHIP_REVIEW},
        "王五": {S.TOWNSHIP_REVIEW},
    }
    outcomes = notifications_of(session_factory, villager)
    assert len(outcomes) == 2 and all("经核实" in n.text for n in outcomes)
    assert wang


def test_an_objection_to_the_whole_notice_holds_every_claim(chat, registry, session_factory):
    """Through the menu, an objection to the whole notice holds all three claims; upheld with
    a return, all go back to their applicants, who are told why."""
    number, cadre, _ = posted_notice(chat, session_factory)
    villager = verified(chat("villager"), session_factory)
    villager.send(button="menu:object")
    villager.say("GS-999999999999-2025-001")  # no such notice: asked again
    assert "GS-" in villager.text
    villager.say(number.lower())
    assert "objwho" in villager.buttons
    villager.tap("objwho")
    villager.say("公示的名单没有经过村民代表会议")
    assert status_by_name(session_factory) == {"张三": {S.ON_HOLD}, "王五": {S.ON_HOLD}}

    cadre.say("/review")
    upholds = [
        b
        for r in cadre.replies
        for b in (x.value for x in r.buttons)
        if b.startswith("objection:return:")
    ]
    assert len(upholds) == 1
    cadre.send(button=upholds[0])
    cadre.say("请重新召开村民代表会议后再申请")
    assert status_by_name(session_factory) == {"张三": {S.RETURNED}, "王五": {S.RETURNED}}
    with session_factory() as session:
        assert session.scalars(sa.select(Objection.status)).all() == [ObjectionStatus.UPHELD]
    assert "请重新召开" in notifications_of(session_factory, chat("worker"))[-1].text
    assert "请重新召开" in notifications_of(session_factory, villager)[-1].text


def test_no_objection_after_the_notice_has_ended(chat, registry, session_factory):
    number, _, _ = posted_notice(chat, session_factory)
    with session_factory.begin() as session:
        notice = session.scalars(sa.select(Notice).where(Notice.number == number)).one()
        notice.ends_at = utcnow() - timedelta(minutes=1)
    villager = verified(chat("villager"), session_factory)
    villager.say(f"/object {number} 张三没有外出务工")
    assert status_by_name(session_factory) == {
        "张三": {S.VILLAGE_NOTICE},
        "王五": {S.VILLAGE_NOTICE},
    }
    with session_factory() as session:
        assert session.scalars(sa.select(Objection)).all() == []
