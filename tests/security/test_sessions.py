"""Web chat sessions are issued by the server (issue 13): a client-chosen or stale session is
refused, the session never travels in a URL, the cookie is out of scripts' reach, and idle
sessions expire and are purged. Over HTTP against the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.engine import Conversations
from common.runtime import Runtime
from common.settings import HttpSettings, Settings
from db.enums import Channel
from db.models import ChatIdentity, Notification, Person, WebSession
from db.queries.web_sessions import purge_web_sessions
from wugong.web import create_app

TODAY = date(2025, 12, 1)  # the conversations' clock
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the sessions' clock
IDLE = timedelta(days=30)  # WUGONG_WEB_SESSION_IDLE_DAYS' default


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def app_client(engine, session_factory, clock: Clock, settings: Settings) -> httpx.AsyncClient:
    runtime = Runtime(settings=settings, engine=engine, sessions=session_factory)
    conversations = Conversations(session_factory, today=lambda: TODAY)
    app = create_app(runtime, conversations, clock=clock)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wugong.test")


@pytest.fixture
async def client(engine, session_factory, clock) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(engine, session_factory, clock, Settings()) as client:
        yield client


async def issue(client: httpx.AsyncClient) -> str:
    """A new session's token (the client's cookie jar is left empty)."""
    client.cookies.clear()
    response = await client.post("/api/session")
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return response.json()["session"]


async def say(client: httpx.AsyncClient, token: str, text: str) -> httpx.Response:
    return await client.post("/api/chat", json={"session": token, "text": text})


def assert_refused(response: httpx.Response) -> None:
    """401 with one line, no trace of the server's insides."""
    assert response.status_code == 401, response.text
    assert set(response.json()) == {"error"}
    line = response.json()["error"]
    assert line.strip() and "\n" not in line
    assert re.search(r"[\u4e00-\u9fff]", line)  # Chinese by default


def identities(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(
            session.scalars(
                sa.select(ChatIdentity.external_id).where(ChatIdentity.channel == Channel.WEB)
            )
        )


async def test_a_client_chosen_session_is_refused_and_creates_nothing(client, session_factory):
    """An attacker who names a session (a staff member's old session string, a guess) gets 401
    and no chat identity appears."""
    for chosen in ("county-admin-session", "A" * 43, "test-session-0001"):
        assert_refused(await say(client, chosen, "/start"))
        client.cookies.set("wugong_session", chosen)
        assert_refused(await client.post("/api/chat", json={"text": "/start"}))
        client.cookies.clear()
    assert identities(session_factory) == []


async def test_the_session_in_the_url_is_ignored(client):
    """GET /api/chat/updates takes the session from the cookie or a bearer header only."""
    token = await issue(client)
    assert (await say(client, token, "/start")).status_code == 200
    assert_refused(await client.get("/api/chat/updates", params={"session": token}))
    by_header = await client.get("/api/chat/updates", headers={"Authorization": f"Bearer {token}"})
    assert by_header.status_code == 200
    client.cookies.set("wugong_session", token)
    assert (await client.get("/api/chat/updates")).status_code == 200


async def test_the_cookie_is_http_only_same_site_lax_and_secure_behind_https(
    engine, session_factory, clock
):
    plain = secure = ""
    async with app_client(engine, session_factory, clock, Settings()) as client:
        plain = (await client.post("/api/session")).headers["set-cookie"]
    settings = Settings()
    settings.http = HttpSettings(public_url="https://wugong.example.cn")
    async with app_client(engine, session_factory, clock, settings) as client:
        secure = (await client.post("/api/session")).headers["set-cookie"]
    for header in (plain, secure):
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
        assert header.startswith("wugong_session=")
        assert {"httponly", "samesite", "path"} <= attributes
        assert "samesite=lax" in header.lower() and "path=/" in header.lower()
    assert "secure" not in plain.lower()
    assert "secure" in secure.lower()


async def test_tokens_have_128_random_bits_and_only_their_hash_is_stored(client, session_factory):
    tokens = [await issue(client) for _ in range(20)]
    assert len(set(tokens)) == 20
    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16
    for token in tokens[:3]:
        assert (await say(client, token, "/start")).status_code == 200
    with session_factory() as session:
        stored = set(session.scalars(sa.select(WebSession.token_hash)))
    assert stored == {WebSession.hash_token(token) for token in tokens}
    assert not set(tokens) & set(identities(session_factory))
    assert set(identities(session_factory)) <= stored


async def test_the_cookie_keeps_its_session_and_a_reload_gets_the_same(client):
    """The page's own flow: POST /api/session, chat and poll with the cookie alone."""
    first = (await client.post("/api/session")).json()["session"]
    again = (await client.post("/api/session")).json()["session"]
    assert first == again
    menu = await client.post("/api/chat", json={"text": "/start"})
    assert menu.status_code == 200
    assert any(b["value"] == "menu:check" for r in menu.json()["replies"] for b in r["buttons"])
    check = await client.post("/api/chat", json={"button": "menu:check"})
    assert check.status_code == 200 and check.json()["replies"]
    assert (await client.get("/api/chat/updates")).json() == {"replies": []}


async def test_an_idle_session_expires_and_is_purged(client, session_factory, clock):
    """Given a session used now and one used daily, when 30 days pass, then the idle one is
    refused (and the page gets a new one), the busy one still works, and the purge deletes
    the idle session and its chat, but keeps a chat that something refers to."""
    idle, busy, kept = await issue(client), await issue(client), await issue(client)
    for token in (idle, busy, kept):
        assert (await say(client, token, "/start")).status_code == 200
    with session_factory.begin() as session:  # the kept chat has a message waiting
        owner = session.scalars(
            sa.select(ChatIdentity.id).where(
                ChatIdentity.external_id == WebSession.hash_token(kept)
            )
        ).one()
        session.add(Notification(chat_identity_id=owner, text="通知", buttons=[]))
    for _ in range(4):
        clock.now += timedelta(days=8)
        assert (await say(client, busy, "/menu")).status_code == 200

    assert_refused(await say(client, idle, "/menu"))
    assert_refused(await say(client, kept, "/menu"))
    client.cookies.set("wugong_session", idle)
    renewed = (await client.post("/api/session")).json()["session"]
    assert renewed != idle
    assert (await client.post("/api/chat", json={"text": "/start"})).status_code == 200
    client.cookies.clear()

    with session_factory.begin() as session:
        assert purge_web_sessions(session, clock.now, IDLE) == (2, 1)
    with session_factory() as session:
        stored = set(session.scalars(sa.select(WebSession.token_hash)))
    assert stored == {WebSession.hash_token(busy), WebSession.hash_token(renewed)}
    left = set(identities(session_factory))
    assert WebSession.hash_token(idle) not in left
    assert WebSession.hash_token(kept) in left  # its notification refers to it
    assert (await say(client, busy, "/menu")).status_code == 200


async def test_a_linked_chat_outlives_its_session(client, session_factory, clock):
    """A chat linked to a person stays when its session is purged."""
    token = await issue(client)
    assert (await say(client, token, "/start")).status_code == 200
    with session_factory.begin() as session:
        person = Person(name="测试", id_number="140581199003151232", id_index="i" * 64)
        session.add(person)
        session.flush()
        session.execute(
            sa.update(ChatIdentity)
            .where(ChatIdentity.external_id == WebSession.hash_token(token))
            .values(person_id=person.id)
        )
    clock.now += IDLE + timedelta(minutes=1)
    with session_factory.begin() as session:
        assert purge_web_sessions(session, clock.now, IDLE) == (1, 0)
    assert identities(session_factory) == [WebSession.hash_token(token)]


async def test_last_seen_is_written_at_most_once_a_minute(client, session_factory, clock):
    token = await issue(client)

    def last_seen() -> datetime:
        with session_factory() as session:
            return session.scalars(sa.select(WebSession.last_seen_at)).one()

    for seconds in (0, 20, 40):
        clock.now = START + timedelta(seconds=seconds)
        assert (await say(client, token, "/menu")).status_code == 200
    assert last_seen() == START
    clock.now = START + timedelta(seconds=90)
    assert (await say(client, token, "/menu")).status_code == 200
    assert last_seen() == clock.now


def test_the_scheduler_purges_idle_sessions(engine, session_factory):
    """The hourly housekeeping sweep deletes the sessions idle longer than the setting."""
    from workers import context, housekeeping, scheduler

    assert housekeeping.purge_web_sessions in {entry.actor for entry in scheduler.SCHEDULE}
    now = datetime.now(UTC)  # the actor's clock is the real one: rows are placed around it
    with session_factory.begin() as session:
        for token, idle in (("old", IDLE + timedelta(hours=1)), ("new", IDLE - timedelta(hours=1))):
            session.add(
                WebSession(token_hash=WebSession.hash_token(token), last_seen_at=now - idle)
            )
    context.install(Runtime(settings=Settings(), engine=engine, sessions=session_factory))
    try:
        housekeeping.purge_web_sessions.fn()
    finally:
        context.install(None)
    with session_factory() as session:
        assert list(session.scalars(sa.select(WebSession.token_hash))) == [
            WebSession.hash_token("new")
        ]
