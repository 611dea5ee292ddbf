"""Request limits at the edge: the web chat and the Telegram webhook count requests per client
address and per session or chat (`common.limits`: Redis when the process has one, else memory)
and answer `429` with `Retry-After` and one translated line when a count is over its limit;
`read_capped` reads a request's body no further than its route takes."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope

from common.errors import ConfigurationError
from common.i18n import N_, normalize_language, translate
from common.limits import Limit, Limits, MemoryLimits, Refused, counting_limits, first_refusal
from common.settings import Settings, WebSettings

TOO_MANY = N_("Too many requests. Please wait a minute and try again.")
MINUTE = 60

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BodyTooLarge(Exception):
    """A request body longer than its route takes."""


async def read_capped(scope: Scope, receive: Receive, cap: int) -> bytes:
    """The request's body, refused (`BodyTooLarge`) as soon as it is longer than `cap` bytes:
    by its declared length, else as it comes in. `ClientDisconnect` when the caller leaves
    first. On plain ASGI (a Starlette request gives its ``scope`` and ``receive``)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length" and value.isdigit() and int(value) > cap:
            raise BodyTooLarge
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        body += message.get("body", b"")
        if len(body) > cap:
            raise BodyTooLarge
        if not message.get("more_body", False):
            return bytes(body)


def trusted_networks(text: str) -> tuple[Network, ...]:
    """The networks of WUGONG_TRUSTED_PROXIES (comma-separated addresses or networks)."""
    networks = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(
                f"WUGONG_TRUSTED_PROXIES: {item!r} is not an address or a network"
            ) from None
    return tuple(networks)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request, trusted: Sequence[Network]) -> str:
    """The peer's address; behind a trusted proxy, the last X-Forwarded-For hop that is not a
    trusted proxy itself (the hops before it are whatever the client chose to send)."""
    peer = request.client.host if request.client else ""
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop, trusted):
            return hop
    return peer


@dataclass(frozen=True)
class EdgeLimits:
    """The edge's limits (WebSettings, requests a minute; 0: no limit) over one counting store."""

    store: Limits
    settings: WebSettings
    trusted: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings, store: Limits | None = None) -> EdgeLimits:
        """The limits of `settings`, counted in Redis when it is configured, else in memory."""
        redis_url = settings.queue.redis_url
        if store is None:
            store = counting_limits(redis_url) if redis_url else MemoryLimits()
        return cls(store, settings.web, trusted_networks(settings.web.trusted_proxies))

    def address(self, request: Request) -> str:
        return client_address(request, self.trusted)

    async def check(self, counts: Sequence[tuple[str, int]]) -> Refused | None:
        """Count one request under each (key, limit a minute); the longest refusal, if any."""
        hits = [(key, Limit(count, MINUTE)) for key, count in counts if count > 0]
        if not hits:
            return None
        return await asyncio.to_thread(first_refusal, self.store, hits)


def too_many(language: str | None, refused: Refused) -> JSONResponse:
    """429 with Retry-After and one translated line."""
    return JSONResponse(
        {"error": translate(normalize_language(language), TOO_MANY)},
        status_code=429,
        headers={"Retry-After": str(refused.retry_after)},
    )
