"""The staff console over HTTP: its own app (the console's routes) on the test database, a
clock the tests move, and staff members signed in with real one-time codes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from bot import console
from bot.channels.edge import EdgeLimits
from common.limits import MemoryLimits
from common.settings import Settings
from db.enums import StaffRole
from db.models import Staff, StaffInvite
from db.queries.staff import StaffLimits

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LIMITS = StaffLimits(idle=timedelta(hours=8), max_age=timedelta(days=7))
BASE = "http://wugong.test"
GAOPING = "140581"
TOWNSHIP = "140581100"  # 南城街道
OTHER_TOWNSHIP = "140581102"  # 三甲镇
VILLAGE = "140581100200"


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
def console_app(session_factory, clock) -> Starlette:
    edge = EdgeLimits(MemoryLimits(), Settings().web)
    return Starlette(
        routes=console.routes(console.Console(session_factory, edge, LIMITS, clock=clock))
    )


@pytest.fixture
async def browser(console_app) -> AsyncIterator[httpx.AsyncClient]:
    """A browser without a session (its requests come from the console's own pages)."""
    transport = httpx.ASGITransport(app=console_app)
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE, headers={"Origin": BASE}
    ) as client:
        yield client


def add_staff(session_factory, role: StaffRole, region: str, name: str = "李主任") -> int:
    with session_factory.begin() as session:
        staff = Staff(name=name, role=role, region_code=region)
        session.add(staff)
        session.flush()
        return staff.id


def invite(session_factory, code: str, role: StaffRole, region: str, **expiry: float) -> None:
    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code(code),
                role=role,
                region_code=region,
                expires_at=START + timedelta(**(expiry or {"days": 3})),
            )
        )


def login_code(session_factory, staff_id: int, code: str, now: datetime = START) -> None:
    with session_factory.begin() as session:
        staff = session.get(Staff, staff_id)
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code(code),
                role=staff.role,
                region_code=staff.region_code,
                expires_at=now + timedelta(hours=24),
                staff_id=staff_id,
            )
        )


async def sign_in(client: httpx.AsyncClient, code: str, **form: str) -> httpx.Response:
    return await client.post("/staff/login", data={"code": code, **form})


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no form token"
    return found.group(1)


def versions(page: str) -> dict[str, str]:
    """The hidden fields saying which version of each claim the page's forms were made for."""
    return dict(re.findall(r'name="(version(?:-\d+)?)" value="([^"]*)"', page))


@pytest.fixture
def signed_in(session_factory, browser, clock):
    """`await signed_in(role, region)`: the browser signed in as a new staff member there."""
    count = 0

    async def make(role: StaffRole = StaffRole.COUNTY_ADMIN, region: str = GAOPING) -> int:
        nonlocal count
        count += 1
        staff_id = add_staff(session_factory, role, region)
        login_code(session_factory, staff_id, f"login-code-{count}", clock.now)
        answer = await sign_in(browser, f"login-code-{count}")
        assert answer.status_code == 303, answer.text
        return staff_id

    return make
