"""Rate limits at the edge (issue 13): POST /api/session, POST /api/chat and POST /telegram count
requests per client address and per session (per chat for Telegram) and answer 429 with
Retry-After and one translated line; with Redis the counts are shared by every app instance."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

import httpx
import pytest
import redis

from bot.channels.edge import EdgeLimits
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.channel import SECRET_HEADER
from bot.engine import Conversations
from common.limits import MemoryLimits, RedisLimits
from common.runtime import Runtime
from common.settings import QueueSettings, Settings, WebSettings
from tests.fakes.telegram_api import Updates, serve_fake
from tests.fakes.telegram_harness import SECRET, telegram_settings
from wugong.web import create_app

TODAY = date(2025, 12, 1)
NOW = 1_800_000_020.0  # the limits' clock: 20 s into a minute, so a refusal lasts 40 s
LIMITS = WebSettings(
    limit_sessions_per_address=3,
    limit_chat_per_session=4,
    limit_chat_per_address=6,
    limit_telegram_per_chat=3,
    limit_telegram_per_address=5,
    trusted_proxies="10.0.0.1",
)


def edge_of(store, settings: WebSettings = LIMITS) -> EdgeLimits:
    whole = Settings()
    whole.web = settings
    return EdgeLimits.from_settings(whole, store)


def client_at(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://wugong.test")


def build_app(engine, session_factory, edge: EdgeLimits, channels=()):
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    conversations = Conversations(session_factory, today=lambda: TODAY)
    return create_app(runtime, conversations, channels, edge=edge)


@pytest.fixture
def app(engine, session_factory):
    return build_app(engine, session_factory, edge_of(MemoryLimits(clock=lambda: NOW)))


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "40"
    assert set(response.json()) == {"error"}
    line = response.json()["error"]
    assert line.strip() and "\n" not in line
    assert re.search(r"[\u4e00-\u9fff]", line)


async def new_session(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    client.cookies.clear()
    response = await client.post("/api/session", headers=headers)
    client.cookies.clear()
    return response


async def say(client: httpx.AsyncClient, token: str, text: str = "/menu") -> httpx.Response:
    return await client.post("/api/chat", json={"session": token, "text": text})


async def test_sessions_are_limited_per_address(app):
    """The fourth session of one address within a minute is refused; another address is not."""
    async with client_at(app, "203.0.113.7") as one, client_at(app, "203.0.113.8") as other:
        for _ in range(3):
            assert (await new_session(one)).status_code == 200
        assert_too_many(await new_session(one))
        # A made-up X-Forwarded-For from an untrusted peer changes nothing.
        assert_too_many(await new_session(one, **{"X-Forwarded-For": "198.51.100.1"}))
        assert (await new_session(other)).status_code == 200


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(app):
    """Behind WUGONG_TRUSTED_PROXIES the first untrusted X-Forwarded-For hop is the client:
    two villages behind one proxy have their own counts, and a hop the client added in front
    does not help it."""
    async with client_at(app, "10.0.0.1") as proxy:
        for _ in range(3):
            forwarded = {"X-Forwarded-For": "198.51.100.1"}
            assert (await new_session(proxy, **forwarded)).status_code == 200
        assert_too_many(await new_session(proxy, **{"X-Forwarded-For": "198.51.100.1"}))
        spoofed = {"X-Forwarded-For": "192.0.2.99, 198.51.100.1"}
        assert_too_many(await new_session(proxy, **spoofed))
        assert (await new_session(proxy, **{"X-Forwarded-For": "198.51.100.2"})).status_code == 200


async def test_chat_is_limited_per_session_and_per_address(app):
    async with client_at(app, "203.0.113.7") as client:
        first = (await new_session(client)).json()["session"]
        second = (await new_session(client)).json()["session"]
        for _ in range(4):
            assert (await say(client, first)).status_code == 200
        assert_too_many(await say(client, first))  # the session's fifth message
        assert (await say(client, second)).status_code == 200  # the address's sixth request
        assert_too_many(await say(client, second))  # the address's seventh
    async with client_at(app, "203.0.113.9") as elsewhere:
        token = (await new_session(elsewhere)).json()["session"]
        assert (await say(elsewhere, token)).status_code == 200


async def test_the_counts_are_shared_between_app_instances_through_redis(
    engine, session_factory, redis_url
):
    """Two processes behind a load balancer: what one counted, the other refuses."""
    client = redis.Redis.from_url(redis_url)
    settings = Settings()
    settings.queue = QueueSettings(redis_url=redis_url)
    settings.web = LIMITS
    apps = [
        build_app(
            engine,
            session_factory,
            EdgeLimits.from_settings(settings, RedisLimits(client, clock=lambda: NOW)),
        )
        for _ in range(2)
    ]
    try:
        async with client_at(apps[0], "203.0.113.7") as a, client_at(apps[1], "203.0.113.7") as b:
            token = (await new_session(a)).json()["session"]
            assert (await new_session(b)).status_code == 200
            assert (await new_session(a)).status_code == 200
            assert_too_many(await new_session(b))
            for instance in (a, b, a, b):
                assert (await say(instance, token)).status_code == 200
            assert_too_many(await say(a, token))
    finally:
        client.close()
    assert isinstance(EdgeLimits.from_settings(settings).store, RedisLimits)


# --- /telegram --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fake_api():
    with serve_fake() as fake:
        yield fake


@asynccontextmanager
async def telegram_app(fake, engine, session_factory) -> AsyncIterator[object]:
    fake.reset()
    edge = edge_of(MemoryLimits(clock=lambda: NOW))
    conversations = Conversations(session_factory, today=lambda: TODAY)
    channel = TelegramChannel(telegram_settings(fake), conversations, limits=edge)
    app = build_app(engine, session_factory, edge, [channel])
    async with app.router.lifespan_context(app):
        yield app


async def post_update(client: httpx.AsyncClient, update: dict) -> httpx.Response:
    return await client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})


async def test_telegram_updates_are_limited_per_chat_and_per_address(
    fake_api, engine, session_factory
):
    updates = Updates()
    async with telegram_app(fake_api, engine, session_factory) as app:
        async with client_at(app, "149.154.167.220") as telegram:
            for _ in range(3):
                assert (
                    await post_update(telegram, updates.text(5550001, "/menu"))
                ).status_code == 200
            # Over the chat's limit: dropped with 200 (a 429 would make Telegram deliver it
            # again), and only the first dropped update tells the chat, in one line.
            told = await post_update(telegram, updates.text(5550001, "/menu"))
            assert told.status_code == 200
            assert told.json()["method"] == "sendMessage"
            assert told.json()["chat_id"] == 5550001
            assert "40" in told.json()["text"]
            assert re.search(r"[\u4e00-\u9fff]", told.json()["text"])
            replies_before = len(fake_api.sent())
            quiet = await post_update(telegram, updates.text(5550001, "/menu"))
            assert quiet.status_code == 200 and quiet.json() == {}
            assert len(fake_api.sent()) == replies_before
            # The address's sixth request, of another chat.
            assert_too_many(await post_update(telegram, updates.text(5550003, "/menu")))
        async with client_at(app, "149.154.167.221") as other:
            assert (await post_update(other, updates.text(5550004, "/menu"))).status_code == 200


async def test_limits_of_zero_are_off(engine, session_factory):
    """The benchmarks turn the limits off with 0."""
    off = WebSettings(
        limit_sessions_per_address=0, limit_chat_per_session=0, limit_chat_per_address=0
    )
    app = build_app(engine, session_factory, edge_of(MemoryLimits(clock=lambda: NOW), off))
    async with client_at(app, "203.0.113.7") as client:
        token = (await new_session(client)).json()["session"]
        for _ in range(40):
            assert (await new_session(client)).status_code == 200
        for _ in range(35):
            assert (await say(client, token)).status_code == 200
