"""A county administrator in chat: /budget, /roster, the one-time download, sent, paid."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from datetime import date

import httpx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bot.engine import Conversations
from bot.messages import Incoming
from common.runtime import Runtime
from common.settings import Settings
from db.enums import ApplicationStatus, Channel, Rating
from db.models import (
    Application,
    AuditEvent,
    BudgetAllocation,
    ChatIdentity,
    Notification,
    RosterBatch,
    Satisfaction,
)
from db.workdays import add_workdays
from tests.finance.county import LI_ID
from wugong.web import create_app

LINK = re.compile(r"https?://\S+(/exports/[A-Za-z0-9_-]+\.xlsx)")


class Admin:
    """One chat user; `today` can be moved to see overdue rosters."""

    def __init__(self, session_factory, user: str) -> None:
        self.today = date(2025, 12, 1)
        self.conversations = Conversations(session_factory, today=lambda: self.today)
        self.user = user
        self.update = 0
        self.replies: list = []

    def send(self, **message) -> str:
        self.update += 1
        self.replies = self.conversations.handle(
            Incoming(channel=Channel.WEB, user=self.user, update_id=self.update, **message)
        )
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def buttons(self) -> list[str]:
        return [button.value for reply in self.replies for button in reply.buttons]

    def tap(self, value: str) -> str:
        assert value in self.buttons, f"{value} not in {self.buttons}"
        return self.send(button=value)


@pytest.fixture
def admin(county, session_factory) -> Admin:
    return Admin(session_factory, "admin")


@pytest.fixture
def http(engine, session_factory) -> Callable[[str], httpx.Response]:
    """GET on the whole HTTP app over the test database."""
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    app = create_app(runtime, Conversations(session_factory))

    def get(path: str) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as c:
                return await c.get(path)

        return asyncio.run(fetch())

    return get


def test_only_a_county_administrator_sees_budgets_and_rosters(county, session_factory):
    # Given a township reviewer and an applicant, When they ask for /budget or /roster or
    # press a roster button, Then they are refused and nothing is shown or changed
    for user in ("township", "zhang"):
        chat = Admin(session_factory, user)
        for command in ("/budget", "/roster"):
            assert "county administrators" in chat.send(text=command) or "县" in chat.text
            assert not any(b.startswith(("roster:", "rbatch:", "budget:")) for b in chat.buttons)
        chat.send(button=f"paid:{county.zhang}:yes")
        assert not any(b.startswith("paid:") for b in chat.buttons)
    with session_factory() as session:
        assert session.get(Application, county.zhang).status == ApplicationStatus.APPROVED


def test_the_budget_shows_allocated_committed_paid_and_remaining(admin):
    admin.send(text="/budget")
    assert "下达 5,000 元" in admin.text and "已审定 3,600 元（3 人）" in admin.text
    assert "剩余 1,400 元" in admin.text
    assert "目标" not in admin.text  # this budget was imported without targets
    assert "budget:2024" in admin.buttons


def test_the_budget_shows_people_and_satisfaction_against_the_targets(
    admin, county, session_factory
):
    # Given 高平's transport budget with its targets (4 people, 95% satisfied), 张三 and 赵六
    # paid and satisfied or basically satisfied, 李四 paid and not satisfied
    with session_factory.begin() as session:
        allocation = session.scalars(sa.select(BudgetAllocation)).one()
        allocation.target_persons, allocation.target_satisfaction_permille = 4, 950
        for claim, chat, rating in [
            (county.zhang, county.zhang_chat, Rating.SATISFIED),
            (county.zhao, county.zhang_chat, Rating.BASICALLY_SATISFIED),
            (county.li, county.li_chat, Rating.DISSATISFIED),
        ]:
            session.get(Application, claim).status = ApplicationStatus.PAID
            session.add(Satisfaction(application_id=claim, chat_identity_id=chat,
                                     county_code="140581", rating=rating))  # fmt: skip
    # When the administrator opens the budget, Then each target is shown against its result
    admin.send(text="/budget")
    assert "已发放 3,600 元（3 人）" in admin.text
    assert "已支持 3 人 / 目标 4 人（75%）" in admin.text
    assert "3 份评价中满意和基本满意 2 份（66.6%）" in admin.text
    assert "目标 95%，未达到" in admin.text
    # And in English for an administrator who chats in English
    with session_factory.begin() as session:
        session.get(ChatIdentity, county.admin_chat).language = "en"
    admin.send(text="/budget")
    assert "People supported: 3 of the target 4 (75%)" in admin.text
    assert "target 95%: not met" in admin.text


def test_download_mark_sent_and_record_a_payment_in_chat(admin, county, session_factory, http):
    admin.send(text="/roster")
    admin.tap("roster:pick:2025:transport")
    assert "3" in admin.text and "3,600" in admin.text
    # When the administrator asks for the finance copy, Then a link is given that works once
    admin.tap("roster:fin:2025:transport")
    path = LINK.search(admin.text).group(1)
    response = http(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["花名册"]
    assert LI_ID in {value for row in sheet.iter_rows(values_only=True) for value in row}
    assert http(path).status_code == 404
    assert http("/exports/" + "x" * 32 + ".xlsx").status_code == 404
    # When it is marked sent, Then the due date is 7 working days later and people are told
    admin.send(text="/roster")
    admin.tap("roster:pick:2025:transport")
    admin.tap("roster:send:2025:transport")
    admin.tap("roster:sendyes:2025:transport")
    due = add_workdays(date(2025, 12, 1), 7)
    assert due.isoformat() in admin.text
    with session_factory() as session:
        batch = session.scalars(sa.select(RosterBatch)).one()
        assert session.get(Application, county.li).status == ApplicationStatus.ROSTER_SENT
        told = set(session.scalars(sa.select(Notification.chat_identity_id)))
        assert {county.zhang_chat, county.li_chat, county.relative_chat} <= told
    # When one claim is recorded paid, Then it is paid and the applicant is told
    admin.send(text="/roster")
    admin.tap("roster:pick:2025:transport")
    admin.tap(f"rbatch:pay:{batch.id}")
    admin.tap(f"paid:{county.li}:no")
    admin.tap(f"paid:{county.li}:yes")
    assert "WG2025" in admin.text
    with session_factory() as session:
        li = session.get(Application, county.li)
        assert li.status == ApplicationStatus.PAID and li.payment_ref.startswith("chat:")
        actions = set(session.scalars(sa.select(AuditEvent.action)))
        assert {"roster_link", "roster_downloaded", "roster_sent"} <= actions
    # When the due date has passed, Then /budget shows the roster as overdue
    admin.today = date(2026, 1, 5)
    admin.send(text="/budget")
    assert f"{batch.id}" in admin.text and due.isoformat() in admin.text


def test_a_forged_button_for_another_county_is_refused(admin, county, session_factory):
    admin.send(button=f"paid:{county.elsewhere}:yes")
    assert "WG2025" not in admin.text
    admin.send(button="rbatch:copy:999")
    with session_factory() as session:
        assert session.get(Application, county.elsewhere).status == ApplicationStatus.APPROVED
