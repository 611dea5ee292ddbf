"""The web chat channel: the mobile page at GET /, its static files, and the chat API."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.messages import MAX_BUTTON_VALUE_BYTES, Incoming, Reply
from common.i18n import N_, normalize_language, translate
from common.sending import Blocked, Capabilities, Message, Sent
from db.engine import writing
from db.enums import Channel
from db.models import ChatIdentity, Notification, NotificationStatus

if TYPE_CHECKING:  # the sender is registered in workers, which need not load the dialogs
    from bot.engine import Conversations

log = logging.getLogger(__name__)

WEB = Path(__file__).resolve().parent.parent / "web"
PAGE = WEB / "index.html"
STATIC = WEB / "static"

MAX_BODY_BYTES = 16 * 1024
# The API takes long messages; the dialogs themselves re-ask for a shorter answer.
MAX_TEXT_CHARS = 4000
SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}")

BAD_JSON = N_("The request must be a JSON object.")
TOO_LARGE = N_("The request is too large.")
BAD_SESSION = N_("The session must be 8 to 64 letters, digits, '-' or '_'.")
ONE_OF = N_("Send either a text or a button, exactly one of them.")
BAD_TEXT = N_("The text must be a non-empty string of at most 4000 characters.")
BAD_BUTTON = N_("The button must be the value of a button the assistant sent.")
BAD_LANG = N_("The language must be a short language code such as zh-CN or en.")
UNAVAILABLE = N_("The service is busy. Please try again in a moment.")


class BadRequest(Exception):
    """Raised when a chat request cannot be used; `message` is the msgid of the one-line error,
    `language` the language the client asked for, if it said."""

    def __init__(self, message: str, language: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.language = language


# --- the page -------------------------------------------------------------------------------


def page_language(request: Request) -> str:
    """Chinese unless the page is asked for in English (?lang=en)."""
    return normalize_language(request.query_params.get("lang"))


# The page only talks to us; the texts block is JSON, which CSP does not run as a script.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class PageTemplate:
    """The page read once at start-up, with content hashes that keep stale caches away."""

    html: str
    css_version: str
    js_version: str

    @classmethod
    def load(cls) -> PageTemplate:
        def version(path: Path) -> str:
            return hashlib.sha256(path.read_bytes()).hexdigest()[:12]

        return cls(
            html=PAGE.read_text(encoding="utf-8"),
            css_version=version(STATIC / "chat.css"),
            js_version=version(STATIC / "chat.js"),
        )


def _script_json(value: dict[str, str]) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def page_texts(language: str) -> dict[str, str]:
    """The strings the page script shows itself: labels, the busy and the failure messages."""
    return {
        "lang": "zh-CN" if language == "zh_CN" else "en",
        "you": translate(language, "You"),
        "assistant": translate(language, "Assistant"),
        "busy": translate(language, "The assistant is answering…"),
        "offline": translate(language, "No connection. Please check your network and try again."),
        "failed": translate(language, "Sorry, that did not work. Please try again."),
        "retry": translate(language, "Try again"),
    }


def render_page(template: PageTemplate, language: str) -> str:
    """The web chat page in `language`."""
    texts = {
        "lang": "zh-CN" if language == "zh_CN" else "en",
        "title": translate(language, "Labour subsidy assistant"),
        "heading": translate(language, "Labour subsidy assistant"),
        "intro": translate(
            language,
            "Check which work subsidies you can get, apply, and follow your application.",
        ),
        "messages_label": translate(language, "Conversation"),
        "input_label": translate(language, "Your message"),
        "placeholder": translate(language, "Type your answer here"),
        "send": translate(language, "Send"),
        "noscript": translate(language, "Please turn on JavaScript to use the chat."),
        "other_lang_href": "/" if language == "en" else "/?lang=en",
        "other_lang": "中文" if language == "en" else "English",
        "other_lang_code": "zh-CN" if language == "en" else "en",
        "css_version": template.css_version,
        "js_version": template.js_version,
    }
    html = template.html
    for key, value in texts.items():
        html = html.replace("{{" + key + "}}", escape(value))
    return html.replace("{{texts_json}}", _script_json(page_texts(language)))


# --- the API --------------------------------------------------------------------------------


def accept_language(request: Request) -> str | None:
    """The client's most preferred language from Accept-Language, or None."""
    best: tuple[float, str] | None = None
    for item in request.headers.get("accept-language", "").split(","):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and (best is None or quality > best[0]):
            best = (quality, tag)
    return best[1] if best else None


def error(language: str | None, message: str, status_code: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": translate(normalize_language(language), message)}, status_code=status_code
    )


async def read_body(request: Request) -> bytes:
    """The request body, refused as soon as it grows past MAX_BODY_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadRequest(TOO_LARGE)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest(TOO_LARGE)
    return body


def check_session(value: Any) -> str:
    if not isinstance(value, str) or not SESSION.fullmatch(value):
        raise BadRequest(BAD_SESSION)
    return value


def check_language(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not LANGUAGE_TAG.fullmatch(value):
        raise BadRequest(BAD_LANG)
    return value


def parse_message(body: bytes, fallback_language: str | None) -> Incoming:
    """The chat message of a request body, or BadRequest."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadRequest(BAD_JSON) from None
    if not isinstance(data, dict):
        raise BadRequest(BAD_JSON)
    language = check_language(data.get("lang")) or fallback_language
    try:
        session = check_session(data.get("session"))
        text, button = data.get("text"), data.get("button")
        if (text is None) == (button is None):
            raise BadRequest(ONE_OF)
        if text is not None and (
            not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS
        ):
            raise BadRequest(BAD_TEXT)
        if button is not None and (
            not isinstance(button, str)
            or not button
            or len(button.encode()) > MAX_BUTTON_VALUE_BYTES
        ):
            raise BadRequest(BAD_BUTTON)
    except BadRequest as bad:
        raise BadRequest(bad.message, language) from None
    return Incoming(
        channel=Channel.WEB, user=session, text=text, button=button, language_hint=language
    )


def render(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [{"label": b.label, "value": b.value} for b in reply.buttons],
    }


def claim_notifications(sessions: sessionmaker[Session], user: str) -> list[dict[str, Any]]:
    """The pending notifications of a web user, marked sent in the transaction that reads them.

    The UPDATE … WHERE status = 'pending' is the claim: of two polls at the same time only one
    gets a row (PostgreSQL re-checks the condition after the row lock, SQLite has one writer).
    """
    identity = (
        sa.select(ChatIdentity.id)
        .where(ChatIdentity.channel == Channel.WEB, ChatIdentity.external_id == user)
        .scalar_subquery()
    )
    claim = (
        sa.update(Notification)
        .where(
            Notification.chat_identity_id == identity,
            Notification.status == NotificationStatus.PENDING,
        )
        .values(
            status=NotificationStatus.SENT,
            sent_at=datetime.now(UTC),
            attempts=Notification.attempts + 1,
        )
        .returning(Notification.id, Notification.text, Notification.buttons)
        .execution_options(synchronize_session=False)
    )
    with sessions.begin() as session:
        rows = sorted(session.execute(claim).all())
    return [
        {
            "text": text,
            "buttons": [{"label": b["label"], "value": b["value"]} for b in buttons or []],
        }
        for _, text, buttons in rows
    ]


class WebChatSender:
    """The web chat's sender: it cannot push (the page is only there while it is open), so a
    message goes into the outbox (a pending `notification` row) and the page gets it on its
    next request or poll (`claim_notifications`). No attachments, no phone request."""

    channel = Channel.WEB.value
    capabilities = Capabilities(can_push=False, buttons=True, photos=False, documents=False)

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    async def send(self, chat_id: str, message: Message) -> Sent:
        return await asyncio.to_thread(self._store, chat_id, message)

    def _store(self, chat_id: str, message: Message) -> Sent:
        with writing(self.sessions) as session:
            identity = session.scalar(
                sa.select(ChatIdentity.id).where(
                    ChatIdentity.channel == Channel.WEB, ChatIdentity.external_id == chat_id
                )
            )
            if identity is None:
                raise Blocked(f"no web chat session {chat_id!r}")
            row = Notification(
                chat_identity_id=identity,
                text=message.text,
                buttons=[
                    {"label": b.label, "value": b.value} for row in message.buttons for b in row
                ],
            )
            session.add(row)
            session.flush()
            return Sent(str(row.id))


def routes(conversations: Conversations) -> list[BaseRoute]:
    """The page, its static files, POST /api/chat and GET /api/chat/updates."""
    sessions = conversations.sessions
    template = PageTemplate.load()

    async def index(request: Request) -> HTMLResponse:
        """The web chat page, in Chinese unless asked for in English (?lang=en)."""
        return HTMLResponse(render_page(template, page_language(request)), headers=PAGE_HEADERS)

    async def chat(request: Request) -> JSONResponse:
        """One message in, the replies (and any pending notifications) out."""
        fallback = accept_language(request)
        try:
            incoming = parse_message(await read_body(request), fallback)
        except BadRequest as bad:
            return error(bad.language or fallback, bad.message)
        replies = [render(r) for r in await asyncio.to_thread(conversations.handle, incoming)]
        try:
            replies += await asyncio.to_thread(claim_notifications, sessions, incoming.user)
        except Exception:
            # They stay pending: the next request or poll delivers them.
            log.exception("claiming web notifications failed")
        return JSONResponse({"replies": replies})

    async def updates(request: Request) -> JSONResponse:
        """Notifications that arrived since the last request, in the reply shape."""
        language = request.query_params.get("lang") or accept_language(request)
        try:
            user = check_session(request.query_params.get("session"))
        except BadRequest as bad:
            return error(language, bad.message)
        try:
            replies = await asyncio.to_thread(claim_notifications, sessions, user)
        except Exception:
            log.exception("claiming web notifications failed")
            return error(language, UNAVAILABLE, 503)
        return JSONResponse({"replies": replies}, headers={"Cache-Control": "no-store"})

    return [
        Route("/", index, methods=["GET"]),
        Route("/api/chat", chat, methods=["POST"]),
        Route("/api/chat/updates", updates, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
