"""WeChat API fixtures: the fake API over HTTP, a client of it, and the workers' runtime with
the WeChat sender registered (on both databases through `engine`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from common.runtime import Runtime
from common.sending import clear_senders
from common.settings import HttpSettings, MessagingSettings, Settings, TelegramSettings
from common.wechat import token
from common.wechat.api import WechatApi
from common.wechat.token import MemoryTokenStore
from db.enums import Channel
from db.models import ChatIdentity
from db.types import utcnow
from tests.fakes.wechat_api import FakeWechatAPI, serve_wechat
from tests.messaging.conftest import add_identity
from workers import context
from wugong.senders import register_senders

PUBLIC_URL = "https://wugong.example.cn"


@pytest.fixture(scope="module")
def wechat_server() -> Iterator[FakeWechatAPI]:
    with serve_wechat() as fake:
        yield fake


@pytest.fixture
def wechat(wechat_server: FakeWechatAPI) -> Iterator[FakeWechatAPI]:
    """The fake, reset; and the embedded token store emptied, for the fake's tokens are new:
    a token an earlier test left in this process's memory would be refused (40001) here."""
    wechat_server.reset()
    token._memory.clear()
    yield wechat_server
    wechat_server.reset()


@pytest.fixture
def api(wechat: FakeWechatAPI) -> Iterator[WechatApi]:
    client = WechatApi(wechat.settings(), store=MemoryTokenStore())
    yield client
    client.close()


def wechat_runtime_settings(wechat: FakeWechatAPI, **overrides: object) -> Settings:
    settings = Settings()
    settings.wechat = wechat.settings(**overrides)
    settings.telegram = TelegramSettings(telegram_token=None)
    settings.http = HttpSettings(public_url=PUBLIC_URL)
    settings.messaging = MessagingSettings(send_rate=400, send_chat_rate=50, broadcast_senders=2)
    settings.queue.redis_url = None  # the embedded mode: the token in memory
    return settings


@pytest.fixture
def installed(wechat, engine, session_factory) -> Iterator[Settings]:
    """The workers' runtime on the test database, WeChat at the fake (no template)."""
    yield from _install(wechat_runtime_settings(wechat), engine, session_factory)


def _install(settings: Settings, engine, session_factory) -> Iterator[Settings]:
    clear_senders()
    token._memory.clear()  # the embedded token store is per process: start each test afresh
    runtime = Runtime(settings=settings, engine=engine, sessions=session_factory)
    context.install(runtime)
    register_senders(runtime)
    yield settings
    context.install(None)
    clear_senders()


def add_wechat_user(
    session_factory: sessionmaker[Session],
    openid: str,
    *,
    number: int,
    wrote_hours_ago: float | None = 1,
) -> int:
    """A registered person on WeChat who last wrote `wrote_hours_ago` hours ago (None: never)."""
    with session_factory.begin() as session:
        identity: ChatIdentity = add_identity(session, number, channel=Channel.WECHAT)
        identity.external_id = openid
        if wrote_hours_ago is not None:
            identity.last_inbound_at = utcnow() - timedelta(hours=wrote_hours_ago)
        session.flush()
        return identity.id
