"""A small synchronous HTTP/1.1 client for the WeChat API, on the standard library's http.client.

Every reply of a WeChat conversation and every message of a broadcast is one call, so the
client's own cost counts: httpx spent about 860 µs of CPU per call where http.client on a kept
connection spends about 240 (measured on the bench machine, a JSON POST to a local server).

Kept connections are pooled per (scheme, host, port) and used by one thread at a time. A pooled
connection the server has closed while idle (readable before any request: its EOF) is dropped
before use, so a request never goes out on it.

Failures are told apart as the exactly-once bookkeeping needs them:

- `NotSent`: nothing of the request left (no connection could be made: refused, DNS, the
  connect timeout, the TLS handshake, a proxy's CONNECT). Sending again cannot duplicate it.
- `NoAnswer`: the request may have left and no whole answer came (the read timeout, a reset,
  a connection closed mid-answer). Sending again may duplicate it.

HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured as httpx honoured them (an HTTPS URL through
the proxy's CONNECT tunnel), read once per host.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import ssl
import threading
import urllib.request
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

USER_AGENT = "wugong"
# As many as may send at once in one process (the WeChat channel's turn and send threads: a
# connection beyond the kept ones is closed after its call, and the next one pays a new TCP
# and TLS handshake). An idle connection the server closes is dropped before use.
MAX_IDLE_PER_HOST = 48


@dataclass(frozen=True)
class Timeout:
    """Seconds: `connect` to make a connection (and its TLS), `read` for each wait on the
    answer (and to write the request)."""

    read: float
    connect: float


class TransportError(Exception):
    """A call that got no answer."""


class NotSent(TransportError):
    """Nothing of the request left."""


class NoAnswer(TransportError):
    """The request may have left; no whole answer came."""


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: dict[str, str]  # names in lower case
    content: bytes

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.content)

    @property
    def text(self) -> str:
        charset = _charset(self.headers.get("content-type", ""))
        try:
            return self.content.decode(charset, "replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", "replace")


_Key = tuple[str, str, int]


class HttpClient:
    """Keep-alive HTTP/1.1 calls, safe to share between threads."""

    def __init__(self, timeout: Timeout, max_idle_per_host: int = MAX_IDLE_PER_HOST) -> None:
        self.timeout = timeout
        self.max_idle_per_host = max_idle_per_host
        self._idle: dict[_Key, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: Timeout | None = None,
    ) -> Response:
        timeout = timeout or self.timeout
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise NotSent(f"not an http(s) URL: {url!r}")
        port = parts.port or (443 if scheme == "https" else 80)
        key = (scheme, parts.hostname, port)
        proxy = _proxy(scheme, parts.hostname)
        query = "&".join(q for q in (parts.query, urlencode(params) if params else "") if q)
        target = (parts.path or "/") + ("?" + query if query else "")
        if proxy is not None and scheme == "http":
            target = f"http://{parts.netloc}{target}"  # a plain proxy takes the whole URL
        connection = self._pooled(key, timeout)
        if connection is None:
            connection = _connect(key, proxy, timeout)
        sent_headers = {"User-Agent": USER_AGENT, **(headers or {})}
        try:
            connection.request(method, target, body=content, headers=sent_headers)
            answer = connection.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise NoAnswer(f"{type(error).__name__}: {error}") from error
        response = Response(
            answer.status, {name.lower(): value for name, value in answer.getheaders()}, body
        )
        if answer.will_close:
            connection.close()
        else:
            self._keep(key, connection)
        return response

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _pooled(self, key: _Key, timeout: Timeout) -> http.client.HTTPConnection | None:
        """A kept connection still open, its timeout set for this call; None when none is."""
        while True:
            with self._lock:
                connections = self._idle.get(key)
                if not connections:
                    return None
                connection = connections.pop()
            sock = connection.sock
            if sock is not None and not _readable(sock):
                sock.settimeout(timeout.read)
                return connection
            connection.close()  # closed by the server while idle (or it sent what we never asked)

    def _keep(self, key: _Key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed:
                connections = self._idle.setdefault(key, [])
                if len(connections) < self.max_idle_per_host:
                    connections.append(connection)
                    return
        connection.close()


def _connect(key: _Key, proxy: str | None, timeout: Timeout) -> http.client.HTTPConnection:
    """A new connection to `key`, through `proxy` when given; NotSent when none can be made."""
    scheme, host, port = key
    connection: http.client.HTTPConnection
    if proxy is not None:
        proxied = urlsplit(proxy)
        proxy_host, proxy_port = proxied.hostname or "", proxied.port or 80
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                proxy_host, proxy_port, timeout=timeout.connect, context=_tls()
            )
            connection.set_tunnel(host, port)
        else:
            connection = http.client.HTTPConnection(proxy_host, proxy_port, timeout=timeout.connect)
    elif scheme == "https":
        connection = http.client.HTTPSConnection(
            host, port, timeout=timeout.connect, context=_tls()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout.connect)
    try:
        connection.connect()
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise NotSent(f"{host}:{port}: {type(error).__name__}: {error}") from error
    assert connection.sock is not None
    connection.sock.settimeout(timeout.read)
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the server's EOF (or junk)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


@cache
def _proxy(scheme: str, host: str) -> str | None:
    """The proxy for `scheme` to `host` from the environment, read once per host."""
    if urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies().get(scheme)


@cache
def _tls() -> ssl.SSLContext:
    """Certificates checked against certifi's bundle, as httpx checked them."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"
