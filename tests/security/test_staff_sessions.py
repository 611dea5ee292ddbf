"""Finding: staff access on the web chat was the session string, never expiring, never revocable.

A web chat's staff role now lapses after the idle hours (8) and 7 days at most, a login code
signs the person in again, and revocation ends a role at once on every channel, its old
buttons and download links included. Times come from an injected clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.engine import Conversations
from common.roster_links import issue_link, redeem_link
from db.enums import ApplicationStatus, Channel, Program, StaffRole
from db.models import Application, AuditEvent, ChatIdentity, RosterBatch, Staff, StaffInvite
from db.queries import Actor
from db.queries import staff as roles
from db.queries.staff import StaffLimits
from tests.bot.conftest import TODAY, Chat
from tests.review.conftest import add_claim

START = datetime(2025, 12, 1, 1, 0, tzinfo=UTC)
LIMITS = StaffLimits(idle=timedelta(hours=8), max_age=timedelta(days=7))
SANJIA = "140581102225"  # 三甲村委会
VILLAGE = "140581100200"
NOT_STAFF = (
    "这是给村、乡镇、县工作人员用的功能。工作人员请向乡镇索取邀请码，然后发送 /start 邀请码。"
)
LAPSED = (
    "您在本聊天中的工作人员登录已结束。"
    "如需继续以工作人员身份办理，请向管理员索取新的登录码，再发送 /start 加登录码。"
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def talk(session_factory, clock):
    conversations = Conversations(
        session_factory, today=lambda: TODAY, now=clock, staff_limits=LIMITS
    )

    def make(user: str, channel: Channel = Channel.WEB) -> Chat:
        return Chat(conversations, channel, user)

    return make


def invite_code(session_factory, code: str, region: str = SANJIA, role=StaffRole.CADRE) -> str:
    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code(code), role=role, region_code=region,
                expires_at=START.replace(year=2099),
            )
        )  # fmt: skip
    return code


def take_role(member: Chat, session_factory, code: str, **invite) -> None:
    invite_code(session_factory, code, **invite)
    member.say(f"/start {code}")
    member.say("王建国")
    member.tap("staff:skip")
    assert "欢迎您，王建国" in member.text


def is_staff(member: Chat) -> bool:
    """What the person notices: the main menu offers the staff entries (the review queue)."""
    member.say("菜单")
    return "menu:review" in member.buttons


def identity(session_factory, member: Chat) -> ChatIdentity:
    with session_factory() as session:
        return session.scalars(
            sa.select(ChatIdentity).where(ChatIdentity.external_id == member.user)
        ).one()


def audit(session_factory, action: str) -> list[dict]:
    with session_factory() as session:
        return [
            event.data
            for event in session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]


def login_code(session_factory, staff_id: int, now: datetime) -> str:
    with session_factory.begin() as session:
        return roles.issue_login_code(session, staff_id, 24, now)


def the_staff_id(session_factory) -> int:
    with session_factory() as session:
        return session.scalars(sa.select(Staff.id)).one()


def test_a_web_staff_role_lapses_after_eight_idle_hours(talk, clock, session_factory):
    """Given a cadre on the web chat who works at 0 h, 7 h and 14 h (never 8 hours idle), the
    role holds; after 8 hours without use the next message is told in one line that the staff
    sign-in has ended, is answered as an ordinary user's, and the lapse is audited."""
    cadre = talk("web-cadre")
    take_role(cadre, session_factory, "c-idle")
    for _ in range(2):
        clock.advance(hours=7)
        assert is_staff(cadre)
    clock.advance(hours=8)
    cadre.say("菜单")
    assert cadre.replies[0].text == LAPSED
    assert "menu:review" not in cadre.buttons and "menu:check" in cadre.buttons
    assert identity(session_factory, cadre).staff_id is None
    assert audit(session_factory, "staff_session_ended") == [
        {"staff": the_staff_id(session_factory), "channel": "web", "reason": "idle"}
    ]
    cadre.say("菜单")
    assert LAPSED not in cadre.text  # said once


def test_a_web_staff_role_lapses_seven_days_after_it_was_taken(talk, clock, session_factory):
    """Given a cadre who uses the web chat every 6 hours, the role still ends 7 days after it
    was taken."""
    cadre = talk("web-busy")
    take_role(cadre, session_factory, "c-week")
    for _ in range(27):  # 6 days 18 hours
        clock.advance(hours=6)
        assert is_staff(cadre)
    clock.advance(hours=6)
    cadre.say("/review")
    assert cadre.replies[0].text == LAPSED
    assert "review:" not in " ".join(cadre.buttons)
    assert audit(session_factory, "staff_session_ended")[0]["reason"] == "max_age"


def test_a_telegram_staff_role_does_not_lapse(talk, clock, session_factory):
    """A Telegram account is the person's own: its role outlasts a month without use."""
    cadre = talk("7001", Channel.TELEGRAM)
    take_role(cadre, session_factory, "c-tg")
    clock.advance(days=30)
    assert is_staff(cadre)
    assert LAPSED not in cadre.text
    assert audit(session_factory, "staff_session_ended") == []


def test_a_login_code_signs_the_same_staff_member_in_again_once(talk, clock, session_factory):
    """After the lapse, a login code sent with /start makes the chat the same staff member
    again (no second staff row); the code works once."""
    cadre = talk("web-again")
    take_role(cadre, session_factory, "c-login")
    clock.advance(hours=9)
    assert not is_staff(cadre)
    code = login_code(session_factory, the_staff_id(session_factory), clock.now)
    cadre.say(f"/start {code}")
    assert "欢迎您，王建国！您现在是高平市三甲镇三甲村的村干部。" in cadre.text
    assert is_staff(cadre)
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Staff)) == 1
        stored = session.scalars(sa.select(StaffInvite.code_hash)).all()
    assert code not in stored and StaffInvite.hash_code(code) in stored
    other = talk("web-thief")
    other.say(f"/start {code}")
    assert "邀请码无效或已被使用" in other.text
    assert not is_staff(other)


def test_revoking_by_id_ends_the_role_on_the_web_and_on_telegram_at_once(
    talk, clock, session_factory
):
    """Given a township clerk signed in on Telegram and on the web chat, revoking the id makes
    both an ordinary user's from the next message on, and voids their unused login code."""
    telegram = talk("7002", Channel.TELEGRAM)
    take_role(telegram, session_factory, "t-1", region="140581102", role=StaffRole.TOWNSHIP)
    staff_id = the_staff_id(session_factory)
    web = talk("web-township")
    web.say(f"/start {login_code(session_factory, staff_id, clock.now)}")
    assert is_staff(web) and is_staff(telegram)
    unused = login_code(session_factory, staff_id, clock.now)

    with session_factory.begin() as session:
        done = roles.revoke(session, staff_id, clock.now)
    assert done.channels == {"web": 1, "telegram": 1} and done.codes == 1

    assert not is_staff(telegram) and not is_staff(web)
    fresh = talk("web-fresh")
    fresh.say(f"/start {unused}")
    assert not is_staff(fresh)
    with session_factory() as session:
        staff = session.get(Staff, staff_id)
        assert staff is not None and not staff.active
    assert audit(session_factory, "staff_revoked")[0]["channels"] == {"web": 1, "telegram": 1}
    with session_factory.begin() as session, pytest.raises(roles.UnknownStaff):
        roles.issue_login_code(session, staff_id, 24, clock.now)


def test_revoking_a_region_ends_every_role_in_it_and_nothing_else(talk, clock, session_factory):
    """Revoking 三甲镇 ends its cadre (on the web) and its clerk (on Telegram), voids its
    unused invite, and leaves a cadre of another township in office."""
    cadre = talk("web-sanjia")
    take_role(cadre, session_factory, "r-1")
    clerk = talk("7003", Channel.TELEGRAM)
    take_role(clerk, session_factory, "r-2", region="140581102", role=StaffRole.TOWNSHIP)
    other = talk("7004", Channel.TELEGRAM)
    take_role(other, session_factory, "r-3", region=VILLAGE)
    invite_code(session_factory, "r-unused")

    with session_factory.begin() as session:
        revoked, invites = roles.revoke_region(session, "140581102", clock.now)
    assert sorted(done.staff.region_code for done in revoked) == ["140581102", SANJIA]
    assert invites == 1

    assert not is_staff(cadre) and not is_staff(clerk) and is_staff(other)
    late = talk("web-late")
    late.say("/start r-unused")
    assert "过期" in late.text and not is_staff(late)


def test_a_revoked_reviewers_old_approve_button_changes_nothing(talk, clock, session_factory):
    """Given a cadre looking at a claim in the queue, revoked meanwhile: pressing the old
    approve button is refused in one line, and the claim and its audit stay as they were."""
    claim = add_claim(
        session_factory, "王五", "140524196208150136", ApplicationStatus.VILLAGE_REVIEW
    )
    cadre = talk("web-reviewer")
    take_role(cadre, session_factory, "rv-1", region=VILLAGE)
    cadre.say("/review")
    approve = f"review:approve:{claim}"
    assert approve in cadre.buttons

    with session_factory.begin() as session:
        roles.revoke(session, the_staff_id(session_factory), clock.now)
    cadre.tap(approve)

    assert [reply.text for reply in cadre.replies] == [NOT_STAFF, "您想办理什么？"]
    assert "menu:review" not in cadre.buttons
    with session_factory() as session:
        assert session.get(Application, claim).status == ApplicationStatus.VILLAGE_REVIEW
        assert (
            session.scalars(
                sa.select(AuditEvent.action).where(AuditEvent.application_id == claim)
            ).all()
            == []
        )


def test_a_revoked_administrators_roster_links_stop_working(session_factory, clock):
    """A one-time roster download link issued to a county administrator works before the
    revocation, and an outstanding one does not after it."""
    with session_factory.begin() as session:
        admin = Staff(name="县管理员", role=StaffRole.COUNTY_ADMIN, region_code="140581")
        batch = RosterBatch(county_code="140581", year=2025, program=Program.TRANSPORT)
        session.add_all([admin, batch])
        session.flush()
        used, outstanding = (
            issue_link(session, Actor.of_staff(admin), batch, finance_copy=False).split("/")[-1]
            for _ in range(2)
        )
        admin_id = admin.id
    with session_factory.begin() as session:
        assert redeem_link(session, used.removesuffix(".xlsx")) is not None
    with session_factory.begin() as session:
        roles.revoke(session, admin_id, clock.now)
    with session_factory.begin() as session:
        assert redeem_link(session, outstanding.removesuffix(".xlsx")) is None


def test_a_web_role_held_from_before_the_upgrade_lapses_too(talk, clock, session_factory):
    """A web chat that held a role before the times were kept (no ``staff_since``) starts its
    clock at its next message, and lapses after eight idle hours like any other."""
    with session_factory.begin() as session:
        admin = Staff(name="县管理员", role=StaffRole.COUNTY_ADMIN, region_code="140581")
        session.add(admin)
        session.flush()
        session.add(ChatIdentity(channel=Channel.WEB, external_id="web-old", staff_id=admin.id))
    old = talk("web-old")
    assert is_staff(old)
    clock.advance(hours=8)
    old.say("菜单")
    assert old.replies[0].text == LAPSED and "menu:review" not in old.buttons
