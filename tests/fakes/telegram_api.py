"""A fake Telegram Bot API over real HTTP, and builders of the updates a user would cause.

It answers what python-telegram-bot calls (getMe, getUpdates, sendMessage, answerCallbackQuery,
editMessageReplyMarkup, setWebhook, deleteWebhook, getFile) and records every call, so a test
can assert what the user would have seen. It runs uvicorn on a free 127.0.0.1 port in a thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.serving import free_port, serve_in_thread

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
SENDS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
BOT_ID = 123456
BOT_USERNAME = "WugongTestBot"
# Long polls are cut short so that stopping the poller never waits for the full timeout.
MAX_POLL_WAIT = 0.5


@dataclass
class Call:
    """One request to the fake: the method name and its parameters, JSON values decoded."""

    method: str
    params: dict[str, Any]
    failed: bool = False  # answered with a faked error: the user saw nothing


@dataclass
class FakeBotAPI:
    """The fake server's state: recorded calls, updates waiting for getUpdates, failures to fake."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    # method -> (error_code, description, retry_after or None): the next call of it fails once.
    failures: dict[str, tuple[int, str, int | None]] = field(default_factory=dict)
    failures_left: dict[str, int] = field(default_factory=dict)  # calls each failure answers
    record: bool = True
    port: int = 0
    # Flood control as Telegram does it: sends beyond `rate_limit` per second (with bursts of
    # up to `burst` messages) are answered 429 with retry_after; None = no limit.
    rate_limit: float | None = None
    burst: float = 1.0
    retry_after: int = 1
    throttled: int = 0  # 429s answered
    last_sent: float = 0.0  # time.time() of the last successful send
    blocked_chats: set[int] = field(default_factory=set)  # these users blocked the bot (403)
    _tokens: float = 0.0
    _refilled: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _resets: int = 0  # how often reset() ran: a poll from before belongs to an earlier test

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as base_url (the token is appended to it)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests read --------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage calls, optionally only those to one chat."""
        return [
            call
            for call in self.calls_of("sendMessage")
            if not call.failed and (chat_id is None or int(call.params["chat_id"]) == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [call.params["text"] for call in self.sent(chat_id)]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.pending_updates.clear()
            self.failures.clear()
            self.failures_left.clear()
            self.throttled = 0
            self._resets += 1

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        """Block until `predicate()` holds (for the polling mode, where replies come later)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {self.calls}")
            time.sleep(0.02)

    # -- what tests feed --------------------------------------------------------------------

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self.pending_updates.append(update)

    def fail_next(
        self,
        method: str,
        code: int,
        description: str,
        retry_after: int | None = None,
        *,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail so."""
        with self._lock:
            self.failures[method] = (code, description, retry_after)
            self.failures_left[method] = times

    def _failure(self, method: str) -> tuple[int, str, int | None] | None:
        """The failure set for `method`, used up once (call under the lock)."""
        failure = self.failures.get(method)
        if failure is not None:
            self.failures_left[method] = self.failures_left.get(method, 1) - 1
            if self.failures_left[method] <= 0:
                del self.failures[method]
                del self.failures_left[method]
        return failure

    def perform_webhook_answer(self, body: dict[str, Any]) -> None:
        """What Telegram does with a webhook's answer that names a `method`: performs it,
        telling nobody the result (recorded like any call; the body's other keys are its
        parameters)."""
        method = body.get("method")
        if not method:
            return
        params = {key: value for key, value in body.items() if key != "method"}
        with self._lock:
            if self.record:
                self.calls.append(Call(str(method), params))

    # -- the Bot API ------------------------------------------------------------------------

    async def handle(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params = await _params(request)
        with self._lock:
            failure = self._failure(method)
            if failure is None and method in SENDS:
                failure = self._flood_control() or self._blocked(params)
                if failure is None:
                    self.last_sent = time.time()
            if self.record:
                self.calls.append(Call(method, params, failed=failure is not None))
        if failure is not None:
            code, description, retry_after = failure
            return _error(code, description, retry_after)
        answer = getattr(self, f"_api_{method}", None)
        if answer is None:
            return _error(404, "Not Found: method not found")
        return JSONResponse({"ok": True, "result": await answer(params)})

    def _flood_control(self) -> tuple[int, str, int | None] | None:
        """A token bucket of `rate_limit` per second; called with the lock held."""
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        if not self._refilled:
            self._tokens, self._refilled = self.burst, now
        self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate_limit)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        self.throttled += 1
        return 429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after

    def _blocked(self, params: dict[str, Any]) -> tuple[int, str, int | None] | None:
        if int(params.get("chat_id", 0)) in self.blocked_chats:
            return 403, "Forbidden: bot was blocked by the user", None
        return None

    def delivered(self) -> dict[int, int]:
        """How many messages (text, photo, document) each chat got."""
        counts: dict[int, int] = {}
        with self._lock:
            for call in self.calls:
                if call.method in SENDS and not call.failed:
                    chat = int(call.params["chat_id"])
                    counts[chat] = counts.get(chat, 0) + 1
        return counts

    async def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Wugong",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        deadline = time.monotonic() + wait
        with self._lock:
            resets = self._resets
            # An offset confirms every update before it when it arrives, as Telegram does.
            self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        while True:
            with self._lock:
                if self._resets != resets:
                    # A poll of the previous test's stopped channel, still waiting here: not the
                    # next test's (whose update ids start over).
                    return []
                ready = [u for u in self.pending_updates if u["update_id"] >= offset]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    async def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params["chat_id"])
        message["text"] = params["text"]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    async def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params["chat_id"])
        message["photo"] = [
            {"file_id": str(params["photo"]), "file_unique_id": "p", "width": 1, "height": 1}
        ]
        message["caption"] = params.get("caption", "")
        return message

    async def _api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params["chat_id"])
        message["document"] = {"file_id": str(params["document"]), "file_unique_id": "d"}
        message["caption"] = params.get("caption", "")
        return message

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._message(params["chat_id"], int(params["message_id"]))
        message["text"] = ""
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params["file_id"]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_path": f"x/{file_id}"}

    def _message(self, chat_id: Any, message_id: int | None = None) -> dict[str, Any]:
        chat = int(chat_id)
        with self._lock:
            number = message_id if message_id is not None else next(self._message_ids)
        return {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "group", "title": None},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Wugong"},
        }

    async def recorded(self, request: Request) -> JSONResponse:
        """GET /_fake/calls: the recorded calls, for a fake running in another process."""
        with self._lock:
            calls = [
                {"method": c.method, "params": c.params, "failed": c.failed} for c in self.calls
            ]
        return JSONResponse(calls)

    async def clear(self, request: Request) -> JSONResponse:
        """POST /_fake/reset: forget the recorded calls; ?record=0 stops recording."""
        self.reset()
        self.record = request.query_params.get("record", "1") != "0"
        return JSONResponse({})

    async def stats(self, request: Request) -> JSONResponse:
        """GET /_fake/stats: messages per chat and 429s answered (for big runs)."""
        delivered = self.delivered()
        return JSONResponse(
            {
                "delivered": {str(k): v for k, v in delivered.items()},
                "throttled": self.throttled,
                "last_sent": self.last_sent,
            }
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/_fake/stats", self.stats, methods=["GET"]),
                Route("/bot{token}/{method}", self.handle, methods=["GET", "POST"]),
                Route("/_fake/calls", self.recorded, methods=["GET"]),
                Route("/_fake/reset", self.clear, methods=["POST"]),
            ]
        )


PLAIN_TEXT = frozenset({"text", "caption"})  # strings even when they look like JSON


async def _params(request: Request) -> dict[str, Any]:
    """The parameters of a Bot API call (query, JSON or url-encoded form), values JSON-decoded.

    python-telegram-bot sends url-encoded forms with JSON-encoded objects (reply_markup, …),
    wugong's conversation channel JSON bodies, and multipart bodies with uploads (a sender's
    photo given as bytes): an uploaded file becomes {"filename", "content"}.
    """
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return {**params, **_multipart(content_type, body)}
    if request.headers.get("content-type", "").startswith("application/json"):
        # Objects may come JSON-serialised once more, as strings (reply_markup: "{...}").
        for key, value in (json.loads(body) if body else {}).items():
            if key not in PLAIN_TEXT and isinstance(value, str) and value[:1] in ("{", "["):
                value = json.loads(value)
            params[key] = value
        return params
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    if "text" in params:
        # A text that is also valid JSON ("4000", "true") stays the string it was sent as.
        params["text"] = dict(parse_qsl(body.decode(), keep_blank_values=True))["text"]
    return params


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    heading = f"Content-Type: {content_type}\r\n\r\n".encode()
    form = BytesParser(policy=HTTP).parsebytes(heading + body)
    params: dict[str, Any] = {}
    for part in form.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        content = part.get_payload(decode=True)
        if part.get_filename():
            params[name] = {"filename": part.get_filename(), "content": content}
            continue
        value = content.decode()
        try:
            params[name] = value if name in PLAIN_TEXT else json.loads(value)
        except ValueError:
            params[name] = value
    return params


def _error(code: int, description: str, retry_after: int | None = None) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=code)


@contextmanager
def serve_fake(fake: FakeBotAPI | None = None) -> Iterator[FakeBotAPI]:
    """Run `fake` (or a new one) with uvicorn on a free loopback port until the block ends."""
    fake = fake or FakeBotAPI()
    fake.port = free_port()
    with serve_in_thread(fake.app(), "the fake Bot API", port=fake.port):
        yield fake


class Updates:
    """Builders of Update JSON as Telegram sends it, with increasing update and message ids."""

    def __init__(self, first_update_id: int = 1000) -> None:
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1)

    def _user(self, user_id: int, language: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language is not None:
            user["language_code"] = language
        return user

    def message(
        self,
        user_id: int,
        content: dict[str, Any],
        *,
        language: str | None = "zh-hans",
        chat: dict[str, Any] | None = None,
        kind: str = "message",
    ) -> dict[str, Any]:
        """An update of `kind` (message, edited_message, channel_post) carrying `content`."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": user_id, "type": "private", "first_name": f"User{user_id}"},
            "from": self._user(user_id, language),
            **content,
        }
        return {"update_id": next(self._update_ids), kind: message}

    def text(self, user_id: int, text: str, **options: Any) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.message(user_id, content, **options)

    def button(
        self,
        user_id: int,
        data: str,
        *,
        language: str | None = "zh-hans",
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """A press on an inline button whose callback_data is `data`."""
        chat_id = user_id if chat_id is None else chat_id
        chat_type = "private" if chat_id > 0 else "group"
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cq{next(self._message_ids)}",
                "from": self._user(user_id, language),
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": chat_type},
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Wugong"},
                    "text": "…",
                },
            },
        }

    def contact(self, user_id: int, phone: str, *, own: bool = True, **options: Any):
        contact = {"phone_number": phone, "first_name": f"User{user_id}"}
        if own:
            contact["user_id"] = user_id
        return self.message(user_id, {"contact": contact}, **options)

    def photo(self, user_id: int, **options: Any) -> dict[str, Any]:
        n = next(self._message_ids)
        sizes = [
            {
                "file_id": f"photo{n}-s",
                "file_unique_id": f"p{n}s",
                "width": 90,
                "height": 67,
                "file_size": 1200,
            },
            {
                "file_id": f"photo{n}-l",
                "file_unique_id": f"p{n}l",
                "width": 1280,
                "height": 960,
                "file_size": 98000,
            },
            {
                "file_id": f"photo{n}-m",
                "file_unique_id": f"p{n}m",
                "width": 320,
                "height": 240,
                "file_size": 15000,
            },
        ]
        return self.message(user_id, {"photo": sizes}, **options)

    def document(self, user_id: int, name: str = "证明.pdf", **options: Any) -> dict[str, Any]:
        n = next(self._message_ids)
        document = {
            "file_id": f"doc{n}",
            "file_unique_id": f"d{n}",
            "file_name": name,
            "mime_type": "application/pdf",
            "file_size": 52000,
        }
        return self.message(user_id, {"document": document}, **options)

    def sticker(self, user_id: int, **options: Any) -> dict[str, Any]:
        n = next(self._message_ids)
        sticker = {
            "file_id": f"st{n}",
            "file_unique_id": f"s{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self.message(user_id, {"sticker": sticker}, **options)

    def voice(self, user_id: int, **options: Any) -> dict[str, Any]:
        n = next(self._message_ids)
        voice = {"file_id": f"v{n}", "file_unique_id": f"v{n}", "duration": 3}
        return self.message(user_id, {"voice": voice}, **options)

    def location(self, user_id: int, **options: Any) -> dict[str, Any]:
        return self.message(
            user_id, {"location": {"latitude": 35.79, "longitude": 112.92}}, **options
        )


def main() -> None:
    """Serve a fake on its own (benchmarks and tests that need it in another process):
    python -m tests.fakes.telegram_api PORT [RATE_LIMIT [BURST]]."""
    import sys

    fake = FakeBotAPI()
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        fake.rate_limit = float(sys.argv[2])
        fake.burst = float(sys.argv[3]) if len(sys.argv) > 3 else max(1.0, fake.rate_limit / 2)
    uvicorn.run(fake.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
