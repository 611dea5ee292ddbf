"""Signing in to the staff console with the chat's one-time codes, and the session rules of a
web role: idle and age limits, signing out, revocation, form tokens, attempts per minute."""

from __future__ import annotations

import sqlalchemy as sa

from db.enums import Channel, StaffRole
from db.models import AuditEvent, ChatIdentity, Staff
from db.queries import staff as roles
from db.queries.broadcasts import Audience, recipients_query
from tests.console.conftest import (
    GAOPING,
    TOWNSHIP,
    add_staff,
    form_token,
    invite,
    login_code,
    sign_in,
)


async def test_a_visitor_is_sent_to_sign_in_and_back(browser, session_factory):
    answer = await browser.get("/staff?tab=1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/login?next=%2Fstaff%3Ftab%3D1"
    page = await browser.get(answer.headers["location"])
    assert "登录" in page.text and 'name="next" value="/staff?tab=1"' in page.text
    staff_id = add_staff(session_factory, StaffRole.TOWNSHIP, TOWNSHIP, "王晓明")
    login_code(session_factory, staff_id, "abc-login-123")
    signed = await sign_in(browser, "abc-login-123", next="/staff?tab=1")
    assert (signed.status_code, signed.headers["location"]) == (303, "/staff?tab=1")
    home = await browser.get("/staff")
    assert home.status_code == 200
    assert "王晓明" in home.text and "乡镇工作人员" in home.text and "高平市" in home.text


async def test_the_cookie_is_httponly_strict_and_only_for_the_console(browser, session_factory):
    staff_id = add_staff(session_factory, StaffRole.COUNTY_ADMIN, GAOPING)
    login_code(session_factory, staff_id, "cookie-code-1")
    answer = await sign_in(browser, "cookie-code-1")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/staff" in cookie


async def test_an_invite_asks_the_name_then_makes_the_staff_member(browser, session_factory):
    invite(session_factory, "invite-140581", StaffRole.COUNTY_ADMIN, GAOPING)
    first = await sign_in(browser, "invite-140581")
    assert first.status_code == 400
    assert "请同时填写您的姓名" in first.text or "全名" in first.text
    assert 'id="name"' in first.text and 'value="invite-140581"' in first.text
    bad = await sign_in(browser, "invite-140581", name="12345")
    assert bad.status_code == 400
    named = await sign_in(browser, "invite-140581", name="赵 丽")
    assert named.status_code == 303
    with session_factory() as session:
        staff = session.scalar(sa.select(Staff))
        assert (staff.name, staff.role, staff.region_code) == (
            "赵 丽",
            StaffRole.COUNTY_ADMIN,
            GAOPING,
        )
        assert session.scalar(
            sa.select(AuditEvent.action).where(AuditEvent.action == "staff_joined")
        )
    again = await sign_in(browser, "invite-140581", name="赵丽")
    assert again.status_code == 400
    assert "邀请码无效或已被使用" in again.text


async def test_expired_and_unknown_codes_are_refused_in_one_line(browser, session_factory):
    invite(session_factory, "old-invite", StaffRole.TOWNSHIP, TOWNSHIP, days=-1)
    expired = await sign_in(browser, "old-invite", name="赵丽")
    assert expired.status_code == 400 and "已过期" in expired.text
    unknown = await sign_in(browser, "no-such-code")
    assert unknown.status_code == 400 and "无效" in unknown.text
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ChatIdentity)) == 0


async def test_the_role_lapses_when_idle_and_when_old(browser, signed_in, clock):
    await signed_in()
    clock.advance(hours=7, minutes=59)
    assert (await browser.get("/staff")).status_code == 200
    clock.advance(hours=7, minutes=59)  # used within 8 hours each time
    assert (await browser.get("/staff")).status_code == 200
    clock.advance(hours=8, minutes=1)
    lapsed = await browser.get("/staff")
    assert lapsed.status_code == 303 and "lapsed=idle" in lapsed.headers["location"]
    page = await browser.get(lapsed.headers["location"])
    assert "登录已结束" in page.text
    assert (await browser.get("/staff")).status_code == 303  # the role is gone for good


async def test_a_role_lasts_seven_days_at_most(browser, signed_in, clock):
    await signed_in()
    for _ in range(7 * 4):
        clock.advance(hours=6)
        if clock.now.day == 9:
            break
        assert (await browser.get("/staff")).status_code == 200
    clock.advance(hours=6)
    answer = await browser.get("/staff")
    assert answer.status_code == 303 and "lapsed=max_age" in answer.headers["location"]


async def test_revoking_the_staff_member_ends_the_console_session(
    browser, signed_in, session_factory, clock
):
    staff_id = await signed_in()
    assert (await browser.get("/staff")).status_code == 200
    with session_factory.begin() as session:
        roles.revoke(session, staff_id, clock())
    assert (await browser.get("/staff")).status_code == 303


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(browser, signed_in):
    await signed_in()
    home = await browser.get("/staff")
    copied = dict(browser.cookies)
    out = await browser.post("/staff/logout", data={"csrf": form_token(home.text)})
    assert out.status_code == 303 and out.headers["location"] == "/staff/login?out=1"
    browser.cookies.update(copied)
    assert (await browser.get("/staff")).status_code == 303


async def test_a_post_without_the_form_token_or_from_another_site_changes_nothing(
    browser, signed_in
):
    await signed_in()
    home = await browser.get("/staff")
    assert (await browser.post("/staff/logout", data={"csrf": "forged"})).status_code == 403
    foreign = await browser.post(
        "/staff/logout",
        data={"csrf": form_token(home.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert (await browser.get("/staff")).status_code == 200  # still signed in


async def test_sign_in_attempts_are_limited_per_address(browser):
    answers = [(await sign_in(browser, f"guess-{n}")).status_code for n in range(11)]
    assert answers[:10] == [400] * 10
    assert answers[10] == 429


async def test_english_on_a_switch(browser, signed_in):
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    switched = await browser.get("/staff/lang?to=en&next=%2Fstaff")
    assert (switched.status_code, switched.headers["location"]) == (303, "/staff")
    home = await browser.get("/staff")
    assert "township staff" in home.text and "Sign out" in home.text
    assert (await browser.get("/staff/lang?to=en&next=https://evil.example")).headers[
        "location"
    ] == "/staff"


async def test_console_sessions_are_never_sent_messages(browser, signed_in, session_factory):
    await signed_in()
    with session_factory() as session:
        audience = session.scalars(recipients_query(Audience(who="staff"))).all()
        consoles = session.scalars(
            sa.select(ChatIdentity.id).where(ChatIdentity.channel == Channel.CONSOLE)
        ).all()
    assert consoles and not set(consoles) & set(audience)
