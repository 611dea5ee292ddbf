"""WeChat fixtures: the app with the WeChat channel over the test database, a recording sender
for channel "wechat", WeChat's callbacks (安全模式 unless a test asks for plaintext), a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from bot.channels.wechat.channel import WechatChannel
from bot.engine import Conversations
from common.runtime import Runtime
from common.sending import (
    Capabilities,
    Message,
    Sent,
    register_sender,
    unregister_sender,
)
from common.settings import Settings, WechatSettings
from tests.bot.conftest import registry  # noqa: F401  (a fixture of the conversation tests)
from tests.fakes.wechat_callback import WechatCallbacks
from wugong.web import create_app

TOKEN = "pamtest"
APPID = "wxb11529c136998cb6"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TODAY = date(2025, 12, 1)
USER = "oUser0000000000000000000001"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingSender:
    """Channel "wechat" as wxb's sender will be: no contact sharing; records each send."""

    sent: list[tuple[str, Message]] = field(default_factory=list)
    channel: str = "wechat"
    capabilities: Capabilities = field(
        default_factory=lambda: Capabilities(can_push=True, can_request_phone=False)
    )

    async def send(self, chat_id: str, message: Message) -> Sent:
        self.sent.append((chat_id, message))
        return Sent(str(len(self.sent)))

    def to(self, openid: str) -> list[Message]:
        return [message for chat_id, message in self.sent if chat_id == openid]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sender() -> Iterator[RecordingSender]:
    recorder = RecordingSender()
    register_sender(recorder)
    yield recorder
    unregister_sender("wechat")


def wechat_settings(encrypted: bool) -> WechatSettings:
    return WechatSettings(
        wechat_appid=APPID,
        wechat_token=SecretStr(TOKEN),
        wechat_aes_key=SecretStr(AES_KEY) if encrypted else None,
    )


@pytest.fixture
def encrypted() -> bool:
    return True


@pytest.fixture
def channel(session_factory, clock, sender, encrypted, tmp_path) -> WechatChannel:
    from common.attachments import FileStore

    conversations = Conversations(session_factory, today=lambda: TODAY, now=clock)
    return WechatChannel(
        wechat_settings(encrypted), conversations, FileStore(tmp_path), clock=clock
    )


@pytest.fixture
async def client(engine, session_factory, channel) -> AsyncIterator[httpx.AsyncClient]:
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    app = create_app(runtime, channel.conversations, [channel])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        yield client
    await channel.stop()  # the turns in flight, then the channel's threads


@pytest.fixture
def wechat(client, clock, encrypted) -> WechatCallbacks:
    return WechatCallbacks(client, TOKEN, APPID, AES_KEY if encrypted else None, clock)
