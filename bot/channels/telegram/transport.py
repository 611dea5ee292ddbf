"""The conversation channel's HTTP transport to the Bot API: python-telegram-bot over aiohttp.

python-telegram-bot's default transport (httpx) spends more CPU per request than a dialog
turn does: its connection pool re-checks every pooled socket on every request. The replies
of a busy bot are most of its work, so the channel plugs in this `BaseRequest` instead — the
extension point python-telegram-bot documents for another HTTP library. Timeouts and errors
keep python-telegram-bot's meaning: a timeout is `TimedOut`, any other failure `NetworkError`.

The sender (sender.py, what the workers send through) keeps the default transport: their
exactly-once bookkeeping needs "never sent" told from "maybe sent", by httpx's exception classes.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# python-telegram-bot's own defaults (HTTPXRequest), seconds.
READ_TIMEOUT = 5.0
WRITE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0
JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession` with a bounded keep-alive pool."""

    __slots__ = ("_pool_size", "_pool_timeout", "_proxies", "_session")

    def __init__(self, *, connection_pool_size: int, pool_timeout: float) -> None:
        self._pool_size = connection_pool_size
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT},
                # Telegram's answers are JSON bodies read whole; no cookies to keep.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        read = _given(read_timeout, READ_TIMEOUT)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        connect = _given(connect_timeout, CONNECT_TIMEOUT)
        pool = _given(pool_timeout, self._pool_timeout)
        # aiohttp's `connect` covers waiting for a pooled connection and making one; it has no
        # write timeout of its own, so the write's share goes to the whole request.
        timeout = aiohttp.ClientTimeout(
            total=_sum(connect, pool, write, read),
            connect=_sum(connect, pool),
            sock_connect=connect,
            sock_read=read,
        )
        body: Any = None
        headers = None
        if request_data is not None and files:
            body = _form(request_data.json_parameters, files)
        elif request_data is not None:
            # A JSON body (the Bot API takes one): one C-accelerated dump, where a url-encoded
            # form would percent-encode every byte of a Chinese text in Python.
            body = request_data.json_payload
            headers = JSON_HEADERS
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    def _proxy(self, url: str) -> str | None:
        """HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as python-telegram-bot's default transport
        honours them (where api.telegram.org is reached through a proxy); read once per host:
        aiohttp's own `trust_env` reads the whole environment on every request."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        try:
            return self._proxies[key]
        except KeyError:
            pass
        bypassed = urllib.request.proxy_bypass(parts.hostname or "")
        proxy = None if bypassed else urllib.request.getproxies().get(parts.scheme)
        self._proxies[key] = proxy
        return proxy


def _given(value: ODVInput[float], default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(*parts: float | None) -> float | None:
    """None (no limit) if any part is unlimited."""
    if any(part is None for part in parts):
        return None
    return sum(part for part in parts if part is not None)


def _form(fields: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    """A multipart body: the parameters as fields, then the files (name, content, mime type)."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
