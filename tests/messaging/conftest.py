"""Messaging fixtures: the workers' runtime on the test database with Telegram at a fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.runtime import Runtime
from common.settings import MessagingSettings, Settings
from db.enums import Channel, StaffRole
from db.models import ChatIdentity, Staff
from db.queries import upsert_person
from policy.ric import check_char
from tests.bot.conftest import chat, conversations, registry  # noqa: F401  (fixtures)
from tests.fakes.telegram_api import FakeBotAPI, serve_fake
from tests.fakes.telegram_harness import telegram_settings
from workers import context
from wugong.senders import register_senders

COUNTY = "140581"  # 高平市
VILLAGE = "140581100200"
OTHER_COUNTY_VILLAGE = "140821100200"


@pytest.fixture(scope="module")
def fake_api() -> Iterator[FakeBotAPI]:
    with serve_fake() as fake:
        yield fake


@pytest.fixture
def fake(fake_api: FakeBotAPI) -> Iterator[FakeBotAPI]:
    fake_api.reset()
    fake_api.rate_limit = None
    fake_api.blocked_chats = set()
    yield fake_api
    fake_api.reset()
    fake_api.rate_limit = None
    fake_api.blocked_chats = set()


@pytest.fixture
def installed(fake, engine, session_factory) -> Iterator[Settings]:
    """The workers' runtime on the test database, Telegram at the fake, a fast send rate."""
    settings = Settings()
    settings.telegram = telegram_settings(fake, mode="polling")
    settings.messaging = MessagingSettings(send_rate=400, send_chat_rate=50, broadcast_senders=2)
    runtime = Runtime(settings=settings, engine=engine, sessions=session_factory)
    context.install(runtime)
    register_senders(runtime)  # as every process does at start
    yield settings
    context.install(None)


def add_identity(
    session: Session,
    external_id: int | str,
    *,
    channel: Channel = Channel.TELEGRAM,
    region: str | None = VILLAGE,
    role: StaffRole | None = None,
    language: str = "zh_CN",
) -> ChatIdentity:
    """A chat user: a registered person of `region`, or a staff member when `role` is given."""
    identity = ChatIdentity(
        channel=channel, external_id=str(external_id), state={}, language=language
    )
    if role is not None:
        staff = Staff(name=f"staff {external_id}", role=role, region_code=region or COUNTY)
        session.add(staff)
        session.flush()
        identity.staff_id = staff.id
    elif region is not None:
        number = int(external_id) if str(external_id).isdigit() else len(str(external_id))
        first17 = f"{region[:6]}199001{1 + number // 1000 % 28:02d}{number % 1000:03d}"
        person = upsert_person(
            session,
            id_number=first17 + check_char(first17),
            name=f"person {external_id}",
            region_code=region,
        ).person
        identity.person_id = person.id
    session.add(identity)
    session.flush()
    return identity


def add_people(session_factory: sessionmaker[Session], count: int, first: int = 5000) -> list[int]:
    """`count` Telegram users registered in VILLAGE; their chat ids."""
    with session_factory.begin() as session:
        for chat in range(first, first + count):
            add_identity(session, chat)
    return list(range(first, first + count))
