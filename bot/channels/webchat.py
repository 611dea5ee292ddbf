"""The web chat channel: the mobile page at GET /, its static files, and the chat API.

Sessions are issued by the server (`bot.channels.web_sessions`); requests are counted per client
address and per session at the edge (`bot.channels.edge`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels.edge import BodyTooLarge, EdgeLimits, read_capped, too_many
from bot.channels.web_page import (
    PAGE_HEADERS,
    STATIC,
    PageTemplate,
    page_labels,
    page_language,
    render_page,
)
from bot.channels.web_sessions import (
    COOKIE,
    EXPIRED,
    WebSessions,
    WebUser,
    new_session,
    polling_token,
)
from bot.messages import MAX_BUTTON_VALUE_BYTES, Incoming, Reply
from common.i18n import N_, normalize_language, translate
from common.sending import Blocked, Capabilities, Message, Sent
from db.engine import writing
from db.enums import Channel
from db.models import ChatIdentity, Notification, NotificationStatus

if TYPE_CHECKING:  # the sender is registered in workers, which need not load the dialogs
    from bot.engine import Conversations
    from common.attachments import FileStore

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
# The API takes long messages; the dialogs themselves re-ask for a shorter answer.
MAX_TEXT_CHARS = 4000
# NUL cannot be stored in a PostgreSQL text; a lone surrogate cannot be encoded at all.
UNUSABLE = re.compile("[\x00\ud800-\udfff]")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}")

BAD_JSON = N_("The request must be a JSON object.")
TOO_LARGE = N_("The request is too large.")
ONE_OF = N_("Send either a text or a button, exactly one of them.")
BAD_TEXT = N_("The text must be a non-empty string of at most 4000 characters.")
BAD_BUTTON = N_("The button must be the value of a button the assistant sent.")
BAD_CHARACTERS = N_("The message contains characters that cannot be used.")
BAD_LANG = N_("The language must be a short language code such as zh-CN or en.")
UNAVAILABLE = N_("The service is busy. Please try again in a moment.")


class BadRequest(Exception):
    """Raised when a chat request cannot be used; `message` is the msgid of the one-line error,
    `language` the language the client asked for, if it said."""

    def __init__(self, message: str, language: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.language = language


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
    try:
        return await read_capped(request.scope, request.receive, MAX_BODY_BYTES)
    except BodyTooLarge:
        raise BadRequest(TOO_LARGE) from None


def check_language(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not LANGUAGE_TAG.fullmatch(value):
        raise BadRequest(BAD_LANG)
    return value


@dataclass(frozen=True)
class ChatRequest:
    """A chat request's fields: the session named in the body (if any) and the message."""

    session: str | None
    text: str | None
    button: str | None
    language: str | None


def check_message(text: Any, button: Any) -> None:
    """BadRequest unless exactly one of a usable text or button value is given."""
    if (text is None) == (button is None):
        raise BadRequest(ONE_OF)
    if text is not None and (
        not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS
    ):
        raise BadRequest(BAD_TEXT)
    if button is not None and (not isinstance(button, str) or not button):
        raise BadRequest(BAD_BUTTON)
    value = str(text if text is not None else button)  # a string by now
    if UNUSABLE.search(value):
        raise BadRequest(BAD_CHARACTERS)
    if button is not None and len(button.encode()) > MAX_BUTTON_VALUE_BYTES:
        raise BadRequest(BAD_BUTTON)


def parse_message(body: bytes, fallback_language: str | None) -> ChatRequest:
    """The fields of a chat request body, or BadRequest."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # also an integer of thousands of digits
        raise BadRequest(BAD_JSON) from None
    if not isinstance(data, dict):
        raise BadRequest(BAD_JSON)
    language = check_language(data.get("lang")) or fallback_language
    text, button, session = data.get("text"), data.get("button"), data.get("session")
    try:
        check_message(text, button)
    except BadRequest as bad:
        raise BadRequest(bad.message, language) from None
    return ChatRequest(
        session=session if isinstance(session, str) else None,
        text=text,
        button=button,
        language=language,
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


def incoming_of(user: WebUser, **content: Any) -> Incoming:
    """A message from the page: as the WeChat identity when the session is bound to an openid
    (the account's chat and the page are one person), else as the web identity."""
    if user.openid:
        return Incoming(channel=Channel.WECHAT, user=user.openid, **content)
    return Incoming(channel=Channel.WEB, user=user.token_hash, **content)


class WebChatApi:
    """The page and the chat API over the conversations, the session store and the limits."""

    def __init__(
        self,
        conversations: Conversations,
        store: WebSessions,
        edge: EdgeLimits,
        *,
        wechat_oauth: bool = False,
    ) -> None:
        self.conversations = conversations
        self.store = store
        self.edge = edge
        self.limits = edge.settings
        self.template = PageTemplate.load()
        self.wechat_oauth = wechat_oauth

    async def index(self, request: Request) -> HTMLResponse:
        """The web chat page, in Chinese unless asked for in English (?lang=en)."""
        html = render_page(self.template, page_language(request))
        return HTMLResponse(html, headers=PAGE_HEADERS)

    async def session(self, request: Request) -> JSONResponse:
        """The page's session: the live one of its cookie, or a new one."""
        address = self.edge.address(request)
        count = self.limits.limit_sessions_per_address
        refused = await self.edge.check([(f"web:session:addr:{address}", count)])
        if refused is not None:
            return too_many(accept_language(request), refused)
        return await new_session(request, self.store, wechat_oauth=self.wechat_oauth)

    async def chat(self, request: Request) -> JSONResponse:
        """One message in, the replies (and any pending notifications) out."""
        fallback = accept_language(request)
        address = self.edge.address(request)
        count = self.limits.limit_chat_per_address
        refused = await self.edge.check([(f"web:chat:addr:{address}", count)])
        if refused is not None:
            return too_many(fallback, refused)
        try:
            message = parse_message(await read_body(request), fallback)
        except BadRequest as bad:
            return error(bad.language or fallback, bad.message)
        token = message.session or request.cookies.get(COOKIE)
        user = await asyncio.to_thread(self.store.user, token)
        if user is None:
            return error(message.language, EXPIRED, 401)
        refused = await self.edge.check(
            [(f"web:chat:session:{user.token_hash}", self.limits.limit_chat_per_session)]
        )
        if refused is not None:
            return too_many(message.language, refused)
        incoming = incoming_of(
            user,
            text=message.text,
            button=message.button,
            language_hint=message.language,
            client_address=address,
        )
        return await self.answer(incoming, user)

    async def answer(self, incoming: Incoming, user: WebUser) -> JSONResponse:
        """The replies to `incoming`, then the page's pending notifications (those of the web
        identity only: a page bound to WeChat gets the WeChat identity's news in the account's
        chat, never here too). Content-Language says the language the conversation now
        speaks, which the page's own labels follow (说英语 mid-conversation)."""
        handle = self.conversations.handle
        made = await asyncio.to_thread(handle, incoming)
        replies = [render(r) for r in made]
        headers = {}
        if made and made[-1].language:
            headers["Content-Language"] = page_labels(made[-1].language)["lang"]
        try:
            replies += await asyncio.to_thread(
                claim_notifications, self.conversations.sessions, user.token_hash
            )
        except Exception:
            # They stay pending: the next request or poll delivers them.
            log.exception("claiming web notifications failed")
        return JSONResponse({"replies": replies}, headers=headers)

    async def updates(self, request: Request) -> JSONResponse:
        """Notifications that arrived since the last request, in the reply shape."""
        language = request.query_params.get("lang") or accept_language(request)
        user = await asyncio.to_thread(self.store.identity, polling_token(request))
        if user is None:
            return error(language, EXPIRED, 401)
        try:
            replies = await asyncio.to_thread(
                claim_notifications, self.conversations.sessions, user
            )
        except Exception:
            log.exception("claiming web notifications failed")
            return error(language, UNAVAILABLE, 503)
        return JSONResponse({"replies": replies}, headers={"Cache-Control": "no-store"})


def routes(
    conversations: Conversations,
    store: WebSessions,
    edge: EdgeLimits,
    *,
    files: FileStore | None = None,
    wechat_oauth: bool = False,
) -> list[BaseRoute]:
    """The page, its static files, POST /api/session, POST /api/chat, GET /api/chat/updates,
    and POST /api/upload when a file store is given."""
    from bot.channels import web_uploads  # it builds on this module

    api = WebChatApi(conversations, store, edge, wechat_oauth=wechat_oauth)
    uploads = [] if files is None else web_uploads.routes(api, files)
    return [
        Route("/", api.index, methods=["GET"]),
        Route("/api/session", api.session, methods=["POST"]),
        Route("/api/chat", api.chat, methods=["POST"]),
        Route("/api/chat/updates", api.updates, methods=["GET"]),
        *uploads,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
