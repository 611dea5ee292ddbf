"""Hostile input at the web chat's edge (issue 13): oversized JSON numbers, NUL characters and
lone surrogates are 400 with one line and change nothing; button values with numbers out of
range get the step's re-ask, never "please try again". Over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bot.engine import SORRY, Conversations
from common.i18n import translate
from common.payloads import STALE
from common.runtime import Runtime
from common.settings import Settings
from db.models import ChatIdentity, Notification
from wugong.web import create_app

TODAY = date(2025, 12, 1)
HUGE = "9" * 5000
BIG_ID = "9" * 20  # beyond PostgreSQL's BIGINT


@pytest.fixture
async def client(engine, session_factory) -> AsyncIterator[httpx.AsyncClient]:
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    app = create_app(runtime, Conversations(session_factory, today=lambda: TODAY))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        assert (await client.post("/api/session")).status_code == 200  # the cookie
        yield client


def snapshot(session_factory) -> list[Any]:
    """Everything a message could change: the chats, their steps and state, their messages."""
    with session_factory() as session:
        chats = session.execute(
            sa.select(
                ChatIdentity.id, ChatIdentity.step, ChatIdentity.state, ChatIdentity.updated_at
            ).order_by(ChatIdentity.id)
        ).all()
        messages = session.scalar(sa.select(sa.func.count()).select_from(Notification))
    return [list(chats), messages]


def assert_one_line_400(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    line = response.json()["error"]
    assert line.strip() and "\n" not in line and "Traceback" not in line
    assert re.search(r"[\u4e00-\u9fff]", line)


BODIES = {
    "a 5,000-digit integer": '{"text": "hi", "n": ' + HUGE + "}",
    "a 5,000-digit integer as the text": '{"text": ' + HUGE + "}",
    "a 5,000-digit integer as the language": '{"text": "hi", "lang": ' + HUGE + "}",
    "NUL in the text": '{"text": "ab\\u0000c"}',
    "a raw NUL in the text": '{"text": "ab\x00c"}',
    "a lone high surrogate in the text": '{"text": "ab\\ud800"}',
    "a lone low surrogate in the text": '{"text": "\\udc00"}',
    "NUL in a button": '{"button": "menu:check\\u0000"}',
    "a lone surrogate in a button": '{"button": "menu:\\ud83d"}',
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
async def test_unusable_input_is_400_with_one_line_and_changes_nothing(
    client, session_factory, body
):
    assert (await client.post("/api/chat", json={"text": "/start"})).status_code == 200
    before = snapshot(session_factory)
    response = await client.post(
        "/api/chat", content=body.encode("utf-8"), headers={"Content-Type": "application/json"}
    )
    assert_one_line_400(response)
    assert snapshot(session_factory) == before


OUT_OF_RANGE = [
    f"consent:yes:{BIG_ID}",
    f"withdraw:{BIG_ID}",
    f"withdraw_yes:{BIG_ID}",
    f"sat:{BIG_ID}:good",
    f"review:approve:{BIG_ID}",
    f"objection:dismiss:{BIG_ID}",
    f"paid:{BIG_ID}",
    f"year:{BIG_ID}",
    f"bankname:{BIG_ID}",
    "withdraw:2147483648",  # one past PostgreSQL's integer
]


@pytest.mark.parametrize("value", OUT_OF_RANGE)
async def test_a_button_with_a_number_out_of_range_gets_the_re_ask(client, value):
    """A forged or ancient button value gets the current question again (after "that button
    no longer works" where the value was of a kind the assistant reads anywhere), never the
    apology that asks to try again what can never succeed."""
    await client.post("/api/chat", json={"text": "/start"})
    question = (await client.post("/api/chat", json={"button": "menu:check"})).json()["replies"]
    response = await client.post("/api/chat", json={"button": value})
    assert response.status_code == 200, response.text
    replies = response.json()["replies"]
    assert replies[-1] == question[-1]
    assert not any(text in reply["text"] for reply in replies for text in APOLOGIES)
    if value.split(":")[0] in GLOBAL_KINDS:
        assert replies[0]["text"] == translate("zh_CN", STALE)


# Kinds the assistant reads at any step (a status change's or a reviewer's button).
GLOBAL_KINDS = {"consent", "sat", "review", "objection", "paid"}
APOLOGIES = [
    translate("zh_CN", SORRY),
    translate("zh_CN", "Sorry, something went wrong on our side. Please try again."),
]
