"""The wugong app with its Telegram channel, driven through the webhook against the fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.channel import SECRET_HEADER, WEBHOOK_PATH
from bot.engine import Conversations
from common.runtime import Runtime
from common.settings import Settings, TelegramSettings
from tests.fakes.serving import serve_in_thread
from tests.fakes.telegram_api import TOKEN, Call, FakeBotAPI, Updates
from wugong.web import create_app

SECRET = "webhook-secret-for-tests"

TODAY = date(2025, 12, 1)


def telegram_settings(fake: FakeBotAPI, mode: str = "webhook", **overrides: Any):
    values: dict[str, Any] = {
        "telegram_token": SecretStr(fake.token),
        "telegram_base_url": fake.base_url,
        "telegram_mode": mode,
        "telegram_webhook_secret": SecretStr(SECRET),
        "telegram_webhook_url": "https://bot.example.org/telegram",
    }
    values.update(overrides)
    return TelegramSettings(**values)


def inline_values(markup: Any) -> list[str]:
    """The callback_data of every inline button in a recorded reply_markup."""
    if not isinstance(markup, dict):
        return []
    return [key["callback_data"] for row in markup.get("inline_keyboard", []) for key in row]


@dataclass
class Turn:
    """What the user saw after one update: the texts and the buttons offered."""

    status: int
    calls: list[Call]

    @property
    def texts(self) -> list[str]:
        return [call.params["text"] for call in self.calls if call.method == "sendMessage"]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def buttons(self) -> list[str]:
        """Inline button values, whether sent with the message or added by an edit."""
        values: list[str] = []
        for call in self.calls:
            if call.method in ("sendMessage", "editMessageReplyMarkup"):
                values += inline_values(call.params.get("reply_markup"))
        return values


@dataclass
class Harness:
    """A user's view of the bot: post updates to /telegram, read what the fake recorded."""

    client: httpx.AsyncClient | httpx.Client
    fake: FakeBotAPI
    channel: TelegramChannel
    updates: Updates

    async def post(self, update: dict[str, Any] | bytes, *, secret: str | None = SECRET) -> Turn:
        """Deliver one update as Telegram would; the reply calls it caused come back."""
        assert isinstance(self.client, httpx.AsyncClient)
        mark = len(self.fake.calls)
        response = await self.client.post(WEBHOOK_PATH, **_request(update, secret))
        return self._turn(response, mark)

    def post_sync(self, update: dict[str, Any] | bytes, *, secret: str | None = SECRET) -> Turn:
        """The same, for the app served by uvicorn in another thread."""
        assert isinstance(self.client, httpx.Client)
        mark = len(self.fake.calls)
        response = self.client.post(WEBHOOK_PATH, **_request(update, secret))
        return self._turn(response, mark)

    def _turn(self, response: httpx.Response, mark: int) -> Turn:
        """The calls the update caused, the webhook answer's method last (Telegram performs
        it once the answer arrives)."""
        if response.status_code == 200:
            self.fake.perform_webhook_answer(response.json())
        return Turn(response.status_code, list(self.fake.calls[mark:]))

    async def say(self, user_id: int, text: str, **options: Any) -> Turn:
        return await self.post(self.updates.text(user_id, text, **options))

    async def press(self, user_id: int, value: str, **options: Any) -> Turn:
        return await self.post(self.updates.button(user_id, value, **options))


def _request(update: dict[str, Any] | bytes, secret: str | None) -> dict[str, Any]:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    if isinstance(update, bytes):
        return {"content": update, "headers": {**headers, "content-type": "application/json"}}
    return {"json": update, "headers": headers}


def build(
    fake: FakeBotAPI, engine: Engine, sessions: sessionmaker[Session], **overrides: Any
) -> tuple[Any, TelegramChannel]:
    # The conversations' clock: a fixed day, so claim years and windows do not move with
    # the day the tests run.
    conversations = Conversations(sessions, today=lambda: TODAY)
    channel = TelegramChannel(telegram_settings(fake, **overrides), conversations)
    runtime = Runtime(settings=Settings(), engine=engine, sessions=sessions)
    return create_app(runtime, conversations, [channel]), channel


@asynccontextmanager
async def asgi_bot(
    fake: FakeBotAPI, engine: Engine, sessions: sessionmaker[Session], **overrides: Any
) -> AsyncIterator[Harness]:
    """The app in this event loop through httpx's ASGI transport, its lifespan run around it."""
    app, channel = build(fake, engine, sessions, **overrides)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://wugong") as client:
            yield Harness(client, fake, channel, Updates())


@contextmanager
def uvicorn_bot(
    fake: FakeBotAPI, engine: Engine, sessions: sessionmaker[Session], **overrides: Any
) -> Iterator[Harness]:
    """The app served by a real uvicorn on a free loopback port, in a thread of its own."""
    app, channel = build(fake, engine, sessions, **overrides)
    with (
        serve_in_thread(app, "the wugong app", lifespan="auto", timeout=20) as port,
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        yield Harness(client, fake, channel, Updates())


__all__ = ["SECRET", "TOKEN", "Harness", "Turn", "asgi_bot", "telegram_settings", "uvicorn_bot"]
