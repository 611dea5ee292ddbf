"""No ID oracle (issue 13, point 4): before verification the replies for an ID number in the
records and one that is not are the same, step by step; ID numbers typed are limited per chat
and per client address, over the web chat's HTTP too."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.engine import Conversations
from bot.messages import Incoming
from common.runtime import Runtime
from common.settings import Settings
from db.enums import Channel
from tests.bot.conftest import (
    TODAY,
    WORKER_ID,
)
from tests.fakes.telegram_api import serve_fake
from tests.fakes.telegram_harness import asgi_bot
from tests.security.helpers import (
    QUICK_CHECK,
    draft_to_the_end,
    run,
)
from wugong.web import create_app

UNREGISTERED_ID = "140524196208150136"  # a valid ID number nobody in the records has


def _same_shape(steps: list, masked: str) -> list:
    return [[(text.replace(masked, "<ID>"), buttons) for text, buttons in s] for s in steps]


def test_a_registered_and_an_unregistered_id_get_the_same_replies(
    chat, registry, sms, limits_clock
):
    registered, unknown = chat("stranger-1"), chat("stranger-2")
    run(registered, QUICK_CHECK)
    run(unknown, QUICK_CHECK)
    seen_registered = draft_to_the_end(registered, WORKER_ID)
    seen_unknown = draft_to_the_end(unknown, UNREGISTERED_ID)
    assert sms.sent, "the registered person's phone did get a code"
    assert _same_shape(seen_registered, "1405**********1232") == _same_shape(
        seen_unknown, "1405**********0136"
    )
    everything = str(seen_registered)
    assert "张三" not in everything and "张*" not in everything
    assert "6217" not in everything  # the records' card is never offered


def test_a_wrong_code_and_a_new_code_read_the_same(chat, registry, limits_clock):
    replies = []
    for user, number in (("a", WORKER_ID), ("b", UNREGISTERED_ID)):
        stranger = chat(user)
        stranger.tap("menu:apply")
        stranger.say(number)
        steps = [[r.text for r in stranger.replies]]
        for _ in range(5):
            stranger.say("000000")
            steps.append([r.text for r in stranger.replies])
        stranger.tap("verify:resend")
        steps.append([r.text for r in stranger.replies])
        limits_clock.advance(61)
        stranger.tap("verify:resend")
        steps.append([r.text for r in stranger.replies])
        replies.append(steps)
    assert replies[0] == replies[1]


def test_ids_typed_are_limited_per_chat_and_per_address(conversations, registry, limits_clock):
    def typed(user: str, number: str, address: str | None = None) -> str:
        conversations.handle(Incoming(channel=Channel.WEB, user=user, button="menu:apply"))
        replies = conversations.handle(
            Incoming(channel=Channel.WEB, user=user, text=number, client_address=address)
        )
        return "\n".join(r.text for r in replies)

    for _ in range(5):
        assert "次数太多" not in typed("guesser", UNREGISTERED_ID)
    refused = typed("guesser", WORKER_ID)
    assert "次数太多" in refused and "60分钟" in refused
    # One address, many chats: the 31st ID in the hour is refused.
    answers = [typed(f"chat-{n}", UNREGISTERED_ID, "203.0.113.7") for n in range(31)]
    assert all("次数太多" not in a for a in answers[:30]) and "次数太多" in answers[30]
    limits_clock.advance(3600)
    assert "次数太多" not in typed("guesser", WORKER_ID)


@pytest.fixture
async def client(engine, session_factory) -> Any:
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    app = create_app(runtime, Conversations(session_factory, today=lambda: TODAY))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        yield client


async def test_enumerating_ids_over_the_web_chat_is_refused_within_the_hour(
    client, registry, limits_clock
):
    issued = await client.post("/api/session")
    assert issued.status_code == 200, issued.text
    session = issued.json()["session"]

    async def send(**body: Any) -> str:
        response = await client.post("/api/chat", json={"session": session, **body})
        assert response.status_code == 200, response.text
        return "\n".join(reply["text"] for reply in response.json()["replies"])

    answers = []
    for n in range(6):
        await send(button="menu:apply")
        answers.append(await send(text=WORKER_ID if n == 5 else UNREGISTERED_ID))
    assert all("次数太多" not in a for a in answers[:5])
    assert "次数太多" in answers[5] and "张" not in answers[5]


@pytest.fixture(scope="module")
def bot_api():
    with serve_fake() as fake:
        yield fake


async def test_enumerating_ids_through_telegram_is_refused_within_the_hour(
    bot_api, engine, session_factory, registry, limits_clock
):
    """The same guessing through the Telegram webhook, via the fake Bot API: five ID numbers
    an hour, the sixth refused in one line that names no one."""
    bot_api.reset()
    async with asgi_bot(bot_api, engine, session_factory) as bot:
        answers = []
        for n in range(6):
            await bot.press(5550777, "menu:apply")
            turn = await bot.say(5550777, WORKER_ID if n == 5 else UNREGISTERED_ID)
            assert turn.status == 200
            answers.append(turn.text)
    assert all("次数太多" not in a for a in answers[:5])
    assert "次数太多" in answers[5]
    assert "张" not in "".join(answers)
