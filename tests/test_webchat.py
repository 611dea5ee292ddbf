"""The web chat over HTTP against the real app: POST /api/session, POST /api/chat,
GET /api/chat/updates, the page. The tests name their sessions; each name gets a session the
server issued (`token`)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.webchat import MAX_BODY_BYTES, STATIC
from bot.engine import Conversations
from common.runtime import Runtime
from common.settings import Settings
from db.enums import Channel
from db.models import ChatIdentity, Notification, NotificationStatus, WebSession
from wugong.web import create_app

SESSION = "test-session-0001"  # a name; the token is the server's
TODAY = date(2025, 12, 1)  # the conversations' clock


@pytest.fixture
async def client(engine, session_factory) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the whole app over the migrated test database."""
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    app = create_app(runtime, Conversations(session_factory, today=lambda: TODAY))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        client.tokens = {}  # type: ignore[attr-defined]  # session name -> token
        yield client


async def token(client: httpx.AsyncClient, name: str) -> str:
    """The token of the session named `name`, issued by POST /api/session the first time."""
    tokens: dict[str, str] = client.tokens  # type: ignore[attr-defined]
    if name not in tokens:
        client.cookies.clear()  # a new session, not the one of the last cookie
        response = await client.post("/api/session")
        assert response.status_code == 200, response.text
        tokens[name] = response.json()["session"]
        client.cookies.clear()  # the tests name their session in the body
    return tokens[name]


def external_id(client: httpx.AsyncClient, name: str) -> str:
    """The chat identity's external id of a named session: the hash of its token."""
    return WebSession.hash_token(client.tokens[name])  # type: ignore[attr-defined]


async def chat(client: httpx.AsyncClient, **body: Any) -> list[dict[str, Any]]:
    """POST /api/chat as the named session (default SESSION); the replies of a 200 answer."""
    body["session"] = await token(client, body.get("session", SESSION))
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    data = response.json()
    assert_contract(data)
    return data["replies"]


def assert_contract(data: Any) -> None:
    """Exactly the shape of docs/design.md §3: replies of text and buttons of label and value."""
    assert isinstance(data, dict)
    assert set(data) == {"replies"}
    assert isinstance(data["replies"], list)
    for reply in data["replies"]:
        assert set(reply) == {"text", "buttons"}
        assert isinstance(reply["text"], str)
        assert reply["text"]
        assert isinstance(reply["buttons"], list)
        for button in reply["buttons"]:
            assert set(button) == {"label", "value"}
            assert isinstance(button["label"], str)
            assert isinstance(button["value"], str)


def offered(replies: list[dict[str, Any]]) -> dict[str, str]:
    """The buttons of the replies: value -> label."""
    return {b["value"]: b["label"] for reply in replies for b in reply["buttons"]}


async def press(
    client: httpx.AsyncClient, replies: list[dict[str, Any]], value: str, session: str = SESSION
) -> list[dict[str, Any]]:
    """Tap a button that the last replies offered (failing if they did not offer it)."""
    assert value in offered(replies), f"{value!r} not offered; got {offered(replies)}"
    return await chat(client, session=session, button=value)


def all_text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply["text"] for reply in replies)


def identity_id(sessions: sessionmaker[Session], user: str) -> int:
    with sessions() as session:
        return session.scalars(
            sa.select(ChatIdentity.id).where(
                ChatIdentity.channel == Channel.WEB, ChatIdentity.external_id == user
            )
        ).one()


def language_of(sessions: sessionmaker[Session], user: str) -> str:
    with sessions() as session:
        return session.scalars(
            sa.select(ChatIdentity.language).where(
                ChatIdentity.channel == Channel.WEB, ChatIdentity.external_id == user
            )
        ).one()


def add_notifications(sessions: sessionmaker[Session], user: str, *texts: str) -> None:
    owner = identity_id(sessions, user)
    with sessions.begin() as session:
        for text in texts:
            session.add(
                Notification(
                    chat_identity_id=owner,
                    text=text,
                    buttons=[{"label": "查看", "value": "menu:status"}],
                )
            )


async def poll(client: httpx.AsyncClient, name: str = SESSION) -> httpx.Response:
    """GET /api/chat/updates of the named session, by its bearer token."""
    bearer = {"Authorization": f"Bearer {await token(client, name)}"}
    return await client.get("/api/chat/updates", headers=bearer)


def statuses(sessions: sessionmaker[Session]) -> list[NotificationStatus]:
    with sessions() as session:
        return list(session.scalars(sa.select(Notification.status).order_by(Notification.id)))


# --- conversations ----------------------------------------------------------------------------


async def test_start_answers_with_the_menu_as_buttons(client, session_factory):
    """Given a new session, when it sends /start, then the greeting comes with the menu as
    buttons, in exactly the contract's shape, and the session speaks Chinese by default."""
    replies = await chat(client, text="/start")
    assert replies
    assert "menu:check" in offered(replies)
    assert language_of(session_factory, external_id(client, SESSION)) == "zh_CN"


async def test_language_hint_from_lang_then_accept_language(client, session_factory):
    """Given no earlier messages, the `lang` field, or else Accept-Language, picks the language."""
    await chat(client, session="english-by-field", text="/start", lang="en")
    headers = {
        "english-by-header": "en-GB,en;q=0.9,zh-CN;q=0.5",
        "chinese-by-header": "zh-CN,zh;q=0.9,en;q=0.8",
        "english-by-quality": "zh;q=0.4,en;q=0.8",
    }
    for session, accept in headers.items():
        response = await client.post(
            "/api/chat",
            json={"session": await token(client, session), "text": "/start"},
            headers={"Accept-Language": accept},
        )
        assert response.status_code == 200
    assert language_of(session_factory, external_id(client, "english-by-field")) == "en"
    assert language_of(session_factory, external_id(client, "english-by-header")) == "en"
    assert language_of(session_factory, external_id(client, "chinese-by-header")) == "zh_CN"
    assert language_of(session_factory, external_id(client, "english-by-quality")) == "en"


async def test_pressing_a_button_and_typing_its_label_give_the_same_reply(client):
    """Given two sessions at the menu, when one taps a button and the other types its label,
    then both get the same replies."""
    menu = await chat(client, session="presses-button", text="/start")
    assert menu == await chat(client, session="types-label", text="/start")
    value, label = next(iter(offered(menu).items()))

    pressed = await chat(client, session="presses-button", button=value)
    typed = await chat(client, session="types-label", text=label)
    assert pressed == typed
    assert pressed != menu


async def test_a_long_text_is_accepted_and_answered(client):
    """The API takes up to 4000 characters; the dialog itself asks for a shorter answer."""
    await chat(client, text="/start")
    replies = await chat(client, text="字" * 4000)
    assert replies


async def test_a_whole_quick_check(client):
    """Given a worker from 高平 (a 脱贫户) who worked in 江苏 at one employer from 2025-03 to
    2025-11 for 4000 yuan a month, when the quick check is done over the API, then the results
    show 1500 (transport) and 1200 (stable employment)."""
    replies = await chat(client, text="/start")
    replies = await press(client, replies, "menu:check")
    for text in ("江苏", "2025-03", "2025-11"):
        replies = await chat(client, text=text)
    replies = await press(client, replies, "employer:one")
    replies = await chat(client, text="4000")
    replies = await press(client, replies, "hh:poverty_alleviated")
    for text in ("高平", "1990-03"):
        replies = await chat(client, text=text)
    results = all_text(replies)
    assert "1500" in results
    assert "1200" in results


# --- invalid requests ---------------------------------------------------------------------------

INVALID = {
    "text and button": {"session": SESSION, "text": "hi", "button": "menu:check"},
    "neither text nor button": {"session": SESSION},
    "text not a string": {"session": SESSION, "text": 42},
    "empty text": {"session": SESSION, "text": "  "},
    "text too long": {"session": SESSION, "text": "x" * 4001},
    "button not a string": {"session": SESSION, "button": ["menu:check"]},
    "button value too long": {"session": SESSION, "button": "x" * 65},
    "lang not a code": {"session": SESSION, "text": "/start", "lang": "<script>"},
}


@pytest.mark.parametrize("body", INVALID.values(), ids=INVALID.keys())
async def test_invalid_requests_get_a_one_line_error(client, body):
    body = {**body, "session": await token(client, SESSION)}
    response = await client.post("/api/chat", json=body)
    assert_one_line_error(response)


UNISSUED = {
    "session too short": {"session": "abc", "text": "/start"},
    "session too long": {"session": "a" * 200, "text": "/start"},
    "session with other characters": {"session": "bad session!", "text": "/start"},
    "session not a string": {"session": 12345678, "text": "/start"},
    "session missing": {"text": "/start"},
    "session of the right shape": {"session": "A" * 43, "text": "/start"},
}


@pytest.mark.parametrize("body", UNISSUED.values(), ids=UNISSUED.keys())
async def test_a_session_the_server_did_not_issue_gets_401_and_one_line(client, body):
    response = await client.post("/api/chat", json=body)
    assert_one_line_error(response, status=401)


@pytest.mark.parametrize(
    "content",
    [b"not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 5000 + b"]" * 5000],
    ids=["not json", "empty", "array", "string", "not utf-8", "deeply nested"],
)
async def test_a_body_that_is_not_a_json_object_gets_a_one_line_error(client, content):
    response = await client.post(
        "/api/chat", content=content, headers={"Content-Type": "application/json"}
    )
    assert_one_line_error(response)


async def test_an_oversized_body_is_refused(client):
    padding = "x" * MAX_BODY_BYTES
    response = await client.post(
        "/api/chat",
        json={"session": await token(client, SESSION), "text": "hi", "padding": padding},
    )
    assert_one_line_error(response)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused while reading
        for _ in range(20):
            yield b" " * 1024

    response = await client.post("/api/chat", content=chunks())
    assert_one_line_error(response)


async def test_errors_are_translated(client):
    chinese = await client.post("/api/chat", json={"session": "x", "text": "/start"})
    english = await client.post("/api/chat", json={"session": "x", "text": "/start", "lang": "en"})
    assert chinese.status_code == english.status_code == 401
    by_header = await client.post("/api/chat", content=b"{", headers={"Accept-Language": "en-US"})
    assert re.search(r"[\u4e00-\u9fff]", chinese.json()["error"])
    assert english.json()["error"].startswith("This chat session has expired")
    assert by_header.json()["error"] == "The request must be a JSON object."


def assert_one_line_error(response: httpx.Response, status: int = 400) -> None:
    assert response.status_code == status, response.text
    data = response.json()
    assert set(data) == {"error"}
    assert isinstance(data["error"], str)
    assert data["error"].strip()
    assert "\n" not in data["error"]
    assert "Traceback" not in response.text


# --- notifications ------------------------------------------------------------------------------


async def test_a_notification_is_delivered_once_by_the_updates_poll(client, session_factory):
    """Given a pending notification for a web session, when the page polls twice, then the
    first poll delivers it (in the reply shape), and neither the second poll nor the next
    message delivers it again."""
    await chat(client, text="/start")
    add_notifications(session_factory, external_id(client, SESSION), "您的申请已通过村级审核。")

    first = await poll(client)
    assert first.status_code == 200
    assert_contract(first.json())
    assert first.json()["replies"] == [
        {"text": "您的申请已通过村级审核。", "buttons": [{"label": "查看", "value": "menu:status"}]}
    ]
    second = await poll(client)
    assert second.json() == {"replies": []}
    assert "您的申请" not in all_text(await chat(client, text="/menu"))
    assert statuses(session_factory) == [NotificationStatus.SENT]


async def test_a_notification_rides_on_the_next_chat_answer(client, session_factory):
    """Given pending notifications, the next /api/chat answer appends them after its replies,
    in the order they were written, and a later poll finds nothing."""
    await chat(client, text="/start")
    add_notifications(session_factory, external_id(client, SESSION), "第一条通知", "第二条通知")

    replies = await chat(client, text="/menu")
    assert [reply["text"] for reply in replies[-2:]] == ["第一条通知", "第二条通知"]
    assert "通知" not in all_text(replies[:-2])
    polled = await poll(client)
    assert polled.json() == {"replies": []}


async def test_polls_at_the_same_time_never_deliver_one_notification_twice(client, session_factory):
    await chat(client, text="/start")
    texts = [f"通知 {n}" for n in range(20)]
    add_notifications(session_factory, external_id(client, SESSION), *texts)

    polls = await asyncio.gather(
        *(poll(client) for _ in range(6)),
        chat(client, text="/menu"),
    )
    delivered = [
        reply["text"]
        for answer in polls
        for reply in (answer if isinstance(answer, list) else answer.json()["replies"])
        if reply["text"].startswith("通知 ")
    ]
    assert sorted(delivered) == sorted(texts)
    assert set(statuses(session_factory)) == {NotificationStatus.SENT}


async def test_notifications_of_other_sessions_stay_pending(client, session_factory):
    await chat(client, session="someone-else", text="/start")
    add_notifications(session_factory, external_id(client, "someone-else"), "别人的通知")
    await chat(client, text="/start")

    polled = await poll(client)
    assert polled.json() == {"replies": []}
    assert statuses(session_factory) == [NotificationStatus.PENDING]


async def test_updates_of_a_new_session_are_empty_and_of_an_unissued_one_refused(client):
    fresh = await poll(client, "never-chatted")
    assert fresh.status_code == 200
    assert fresh.json() == {"replies": []}
    for header in ("Bearer ../x", "Bearer " + "A" * 43, "Basic abc", ""):
        refused = await client.get("/api/chat/updates", headers={"Authorization": header})
        assert_one_line_error(refused, status=401)
    assert_one_line_error(await client.get("/api/chat/updates"), status=401)


async def test_updates_by_the_cookie(client):
    """The page polls with the cookie that POST /api/session set."""
    issued = await client.post("/api/session")
    assert (await client.get("/api/chat/updates")).json() == {"replies": []}
    assert client.cookies["wugong_session"] == issued.json()["session"]


# --- the page -----------------------------------------------------------------------------------


async def test_the_page_is_served_in_chinese_for_phones(client):
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert "<title>务工补贴助手</title>" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1' in html
    assert 'aria-live="polite"' in html
    assert '<label for="text"' in html
    texts = json.loads(re.search(r'<script id="texts"[^>]*>(.*?)</script>', html, re.S)[1])
    assert texts["lang"] == "zh-CN"
    assert re.search(r"[\u4e00-\u9fff]", texts["offline"])
    assert "{{" not in html
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_the_page_in_english(client):
    html = (await client.get("/", params={"lang": "en"})).text
    assert '<html lang="en">' in html
    assert "<title>Labour subsidy assistant</title>" in html
    texts = json.loads(re.search(r'<script id="texts"[^>]*>(.*?)</script>', html, re.S)[1])
    assert texts["lang"] == "en"
    assert texts["offline"].startswith("No connection")


async def test_the_page_script_and_style_are_ours(client):
    """Everything the page loads is served by us: no external URL in the HTML, JS or CSS."""
    html = (await client.get("/")).text
    assets = re.findall(r'(?:src|href)="(/static/[^"?]+)', html)
    assert sorted(assets) == ["/static/chat.css", "/static/chat.js"]
    bodies = [html]
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200
        bodies.append(response.text)
    assert "javascript" in (await client.get("/static/chat.js")).headers["content-type"]
    assert "text/css" in (await client.get("/static/chat.css")).headers["content-type"]
    for body in bodies:
        assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import", body, re.I)
    assert {path.name for path in STATIC.iterdir()} == {"chat.css", "chat.js"}


async def test_the_answer_names_the_conversations_language_and_the_page_holds_both(client):
    """Switching language mid-check: the step is asked again in English, the answer says the
    conversation now speaks English (Content-Language), and the page carries its own labels
    in both languages to relabel itself."""
    await chat(client, text="/start")
    await chat(client, button="menu:check")
    body = {"session": await token(client, SESSION), "text": "江苏", "lang": "zh-CN"}
    response = await client.post("/api/chat", json=body)
    assert response.headers["content-language"] == "zh-CN"
    body["text"] = "说英语"
    response = await client.post("/api/chat", json=body)
    assert response.headers["content-language"] == "en"
    assert "Since when have you worked there" in all_text(response.json()["replies"])
    html = (await client.get("/")).text
    texts = json.loads(re.search(r'<script id="texts"[^>]*>(.*?)</script>', html, re.S)[1])
    assert texts["pages"]["en"]["placeholder"] == "Type your answer here"
    assert texts["pages"]["en"]["texts"]["lang"] == "en"
    assert texts["pages"]["zh-CN"]["heading"] == "务工补贴助手"
