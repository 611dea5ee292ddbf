"""A fake WeChat Official Account API over real HTTP, recording every call.

It answers what `common.wechat.api.WechatApi` calls: `cgi-bin/stable_token`, customer-service
sends (text, msgmenu), template messages, subscription notices, `media/get` and `menu/create`.
Every call but stable_token must carry the current access_token (else 40001). A test makes a
call fail on demand: `fail_next(path, code)` (the next call of that path), `fail_for(openid,
code)` (every send to that user), `timeout_next(path)` (the request is taken, then no answer
until the client gives up), `http_error_next(path, 502)`. `/cgi-bin/token` is refused loudly:
wugong must never call it. It runs uvicorn on a free 127.0.0.1 port in a thread, or on its own
in another process (`python -m tests.fakes.wechat_api PORT [RATE_LIMIT [BURST]]`, benchmarks):
then sends beyond RATE_LIMIT per second (a token bucket with bursts of BURST) are answered -1
(系统繁忙, "system busy": WeChat documents no per-second limit of its own, and -1 is what its
API answers when it sheds load), and GET /_fake/stats gives the sends per user.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from common.settings import WechatSettings
from tests.fakes.serving import free_port, serve_in_thread

APPID = "wx1234567890abcdef"
SECRET = "fake-app-secret-0123456789abcdef"
SENDS = ("/cgi-bin/message/custom/send", "/cgi-bin/message/template/send",
         "/cgi-bin/message/subscribe/bizsend")  # fmt: skip
CUSTOM = SENDS[0]
TEMPLATE = SENDS[1]
SUBSCRIBE = SENDS[2]


@dataclass
class Call:
    path: str
    body: dict[str, Any]
    params: dict[str, str]
    failed: bool = False

    @property
    def touser(self) -> str | None:
        return self.body.get("touser")


@dataclass
class FakeWechatAPI:
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    token_expires_in: int = 7200
    token_fetch_delay: float = 0.0  # seconds a stable_token answer takes (to make races)
    media_delay: float = 0.0  # seconds every media/get takes (a download from far away)
    media: dict[str, bytes] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)  # path -> codes, in turn
    user_failures: dict[str, int] = field(default_factory=dict)  # openid -> code on every send
    timeouts: dict[str, float] = field(default_factory=dict)  # path -> seconds to hang, once
    http_errors: dict[str, int] = field(default_factory=dict)  # path -> status, once
    token: str = ""
    stale_tokens: set[str] = field(default_factory=set)  # tokens answered 40001
    # Load shedding (benchmarks): sends beyond `rate_limit` per second, with bursts of up to
    # `burst`, are answered -1 (system busy); None = no limit.
    rate_limit: float | None = None
    burst: float = 1.0
    throttled: int = 0  # -1s answered for the limit
    last_sent: float = 0.0  # time.time() of the last accepted send
    _tokens: float = 0.0
    _refilled: float = 0.0
    _generation: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.token = self._new_token()

    def _new_token(self) -> str:
        return f"ACCESS_TOKEN_{next(self._generation)}"

    # -- what tests use ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, **overrides: Any) -> WechatSettings:
        values: dict[str, Any] = {
            "wechat_appid": APPID,
            "wechat_appsecret": SECRET,
            "wechat_token": "wugongtesttoken",
            "wechat_api_base": self.base_url,
        }
        values.update(overrides)
        return WechatSettings(**values)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()
            self.user_failures.clear()
            self.timeouts.clear()
            self.http_errors.clear()
            self.stale_tokens.clear()
            self.media.clear()
            self.token_fetch_delay = 0.0
            self.media_delay = 0.0
            self.token = self._new_token()

    def calls_of(self, path: str, *, ok_only: bool = False) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path and not (ok_only and c.failed)]

    def sent(self, openid: str | None = None) -> list[Call]:
        """Sends that WeChat accepted (any of customer-service, template, subscription)."""
        with self._lock:
            return [
                c
                for c in self.calls
                if c.path in SENDS and not c.failed and (openid is None or c.touser == openid)
            ]

    def delivered(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for call in self.sent():
            counts[str(call.touser)] = counts.get(str(call.touser), 0) + 1
        return counts

    def fail_next(self, path: str, *codes: int) -> None:
        with self._lock:
            self.failures.setdefault(path, []).extend(codes)

    def fail_for(self, openid: str, code: int) -> None:
        with self._lock:
            self.user_failures[openid] = code

    def timeout_next(self, path: str, seconds: float = 2.0) -> None:
        with self._lock:
            self.timeouts[path] = seconds

    def http_error_next(self, path: str, status: int) -> None:
        with self._lock:
            self.http_errors[path] = status

    def invalidate_token(self) -> None:
        """As when someone force-refreshes elsewhere: the token held is refused from now."""
        with self._lock:
            self.stale_tokens.add(self.token)
            self.token = self._new_token()

    # -- the server -------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return _error(47001, "data format error")
        params = dict(request.query_params)
        call = Call(path, body if isinstance(body, dict) else {}, params)
        with self._lock:
            self.calls.append(call)
            hang = self.timeouts.pop(path, None)
            status = self.http_errors.pop(path, None)
        if hang is not None:
            await asyncio.sleep(hang)
        if path == "/cgi-bin/media/get" and self.media_delay:
            await asyncio.sleep(self.media_delay)
        if status is not None:
            call.failed = True
            return Response("bad gateway", status_code=status)
        if path == "/cgi-bin/token":
            call.failed = True
            return _error(40164, "wugong must use stable_token: /cgi-bin/token is refused")
        if path == "/cgi-bin/stable_token":
            return await self._stable_token(call)
        return self._answer(call)

    def _answer(self, call: Call) -> Response:
        """The answer to an authenticated call: a token check, a faked error, or success."""
        path, params = call.path, call.params
        with self._lock:
            token_ok = params.get("access_token") == self.token
            stale = params.get("access_token") in self.stale_tokens
        if not token_ok:
            call.failed = True
            return _error(
                40001 if stale or params.get("access_token") else 41001, "invalid credential"
            )
        code = self._failure(call)
        if code is not None:
            call.failed = True
            return _error(code, f"faked error {code}")
        if path == "/cgi-bin/media/get":
            content = self.media.get(params.get("media_id", ""))
            if content is None:
                call.failed = True
                return _error(40007, "invalid media_id")
            return Response(content, media_type="image/jpeg")
        if path in SENDS:
            if not call.touser:
                call.failed = True
                return _error(40003, "invalid openid")
            with self._lock:
                shed = self._over_limit()
                if not shed:
                    self.last_sent = time.time()
            if shed:
                call.failed = True
                return _error(-1, "system busy")
            extra = {"msgid": len(self.calls)} if path == TEMPLATE else {}
            return JSONResponse({"errcode": 0, "errmsg": "ok", **extra})
        if path == "/cgi-bin/menu/create":
            return JSONResponse({"errcode": 0, "errmsg": "ok"})
        call.failed = True
        return _error(40066, "invalid url")

    def _over_limit(self) -> bool:
        """A token bucket of `rate_limit` per second; called with the lock held."""
        if self.rate_limit is None:
            return False
        now = time.monotonic()
        if not self._refilled:
            self._tokens, self._refilled = self.burst, now
        self._tokens = min(self.burst, self._tokens + (now - self._refilled) * self.rate_limit)
        self._refilled = now
        if self._tokens >= 1:
            self._tokens -= 1
            return False
        self.throttled += 1
        return True

    async def stats(self, request: Request) -> JSONResponse:
        """GET /_fake/stats: accepted sends per openid and -1s answered (another process)."""
        delivered = self.delivered()
        with self._lock:
            return JSONResponse(
                {"delivered": delivered, "throttled": self.throttled, "last_sent": self.last_sent}
            )

    def _failure(self, call: Call) -> int | None:
        with self._lock:
            queued = self.failures.get(call.path)
            if queued:
                return queued.pop(0)
            if call.path in SENDS and call.touser in self.user_failures:
                return self.user_failures[str(call.touser)]
        return None

    async def _stable_token(self, call: Call) -> Response:
        body = call.body
        if body.get("grant_type") != "client_credential" or body.get("appid") != APPID:
            call.failed = True
            return _error(40013, "invalid appid")
        if body.get("secret") != SECRET:
            call.failed = True
            return _error(40125, "invalid appsecret")
        if self.token_fetch_delay:
            await asyncio.sleep(self.token_fetch_delay)
        with self._lock:
            if body.get("force_refresh"):
                self.stale_tokens.add(self.token)
                self.token = self._new_token()
            token = self.token
        return JSONResponse({"access_token": token, "expires_in": self.token_expires_in})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/_fake/stats", self.stats, methods=["GET"]),
                Route("/{path:path}", self.handle, methods=["GET", "POST"]),
            ],
        )


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": message})


@contextmanager
def serve_wechat(fake: FakeWechatAPI | None = None) -> Iterator[FakeWechatAPI]:
    """Run `fake` (or a new one) with uvicorn on a free loopback port until the block ends."""
    fake = fake or FakeWechatAPI()
    fake.port = free_port()
    with serve_in_thread(fake.app(), "the fake WeChat API", port=fake.port):
        yield fake


def main() -> None:
    """Serve a fake on its own (benchmarks):
    python -m tests.fakes.wechat_api PORT [RATE_LIMIT [BURST]]."""
    import sys

    fake = FakeWechatAPI()
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        fake.rate_limit = float(sys.argv[2])
        fake.burst = float(sys.argv[3]) if len(sys.argv) > 3 else max(1.0, fake.rate_limit / 2)
    uvicorn.run(fake.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
