"""Server-issued web chat sessions: POST /api/session, and finding the session of a request.

A token is `secrets.token_urlsafe(32)` (256 random bits), handed to the page once in the JSON
answer and as an HttpOnly, SameSite=Lax cookie (Secure when the public URL is https). The
database keeps only its SHA-256 (`db.models.WebSession`), which is also the chat identity's
``external_id``. `POST /api/chat` takes the token from the body's ``session`` field or the
cookie, `GET /api/chat/updates` from the cookie or ``Authorization: Bearer``; never from the URL.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from common.i18n import N_
from db.engine import writing
from db.models import WebSession
from db.queries.web_sessions import (
    bind_openid,
    is_live,
    issue_session,
    needs_touch,
    seen_and_openid,
    touch,
)

COOKIE = "wugong_session"
# What a token looks like; anything else is not looked up at all.
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")
EXPIRED = N_("This chat session has expired. Please reload the page.")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebUser:
    """A live session: its token's hash (the web chat identity's external_id) and the WeChat
    openid bound to it, if the page was opened inside WeChat and OAuth told it."""

    token_hash: str
    openid: str | None = None


@dataclass(frozen=True)
class WebSessions:
    """Issues sessions and tells the live ones (those issued and used within `idle`)."""

    sessions: sessionmaker[Session]
    idle: timedelta
    secure_cookie: bool
    clock: Callable[[], datetime] = utc_now

    def issue(self) -> str:
        """A new session's token; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        with writing(self.sessions) as session:
            issue_session(session, WebSession.hash_token(token), self.clock())
        return token

    def identity(self, token: str | None) -> str | None:
        """The chat identity key (the token's hash) of a live session, else None."""
        user = self.user(token)
        return None if user is None else user.token_hash

    def user(self, token: str | None) -> WebUser | None:
        """The live session of `token` with its bound openid, else None."""
        if token is None or not TOKEN.fullmatch(token):
            return None
        token_hash = WebSession.hash_token(token)
        now = self.clock()
        with self.sessions() as session:  # a read: no write lock for most messages
            found = seen_and_openid(session, token_hash)
        if found is None or not is_live(found[0], now, self.idle):
            return None
        seen, openid = found
        if needs_touch(seen, now):  # at most once a minute
            with writing(self.sessions) as session:
                touch(session, token_hash, seen, now)
        return WebUser(token_hash, openid)

    @staticmethod
    def hash(token: str) -> str:
        return WebSession.hash_token(token)

    def bind(self, token_hash: str, openid: str) -> None:
        """From now on the session of `token_hash` speaks as the WeChat user `openid`."""
        with writing(self.sessions) as session:
            bind_openid(session, token_hash, openid)

    def set_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(self.idle.total_seconds()),
            path="/",
            secure=self.secure_cookie,
            httponly=True,
            samesite="lax",
        )


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def polling_token(request: Request) -> str | None:
    """The session of GET /api/chat/updates: the cookie, else the bearer token (never the URL)."""
    return request.cookies.get(COOKIE) or bearer(request)


async def new_session(
    request: Request, store: WebSessions, *, wechat_oauth: bool = False
) -> JSONResponse:
    """The page's session: the live one its cookie names, else a newly issued one. With
    `wechat_oauth` (the WeChat app id and secret are set) the answer also says whether the
    session is bound to a WeChat user: ``"wechat": "bound" | "unbound"``, so the page opened
    inside WeChat knows whether to go through GET /wechat/oauth."""
    token = request.cookies.get(COOKIE)
    user = None if token is None else await asyncio.to_thread(store.user, token)
    if token is None or user is None:
        token = await asyncio.to_thread(store.issue)
    body = {"session": token}
    if wechat_oauth:
        body["wechat"] = "bound" if user is not None and user.openid else "unbound"
    response = JSONResponse(body, headers={"Cache-Control": "no-store"})
    store.set_cookie(response, token)
    return response
