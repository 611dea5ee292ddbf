"""A driver that calls /wechat as WeChat does: signed, in plaintext or 安全模式, retried.

It builds the flat XML of a message or event, signs the query (``signature`` over token,
timestamp and nonce; in 安全模式 also ``msg_signature`` over those and ``Encrypt``), encrypts
with the account's EncodingAESKey and appid, and POSTs it; `deliver` sends the same callback
several times, as WeChat retries when the answer is slow.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable
from datetime import datetime

import httpx

from bot.channels.wechat.crypto import WechatCrypto

ACCOUNT = "gh_wugong_test"


def to_xml(fields: dict[str, str | int]) -> bytes:
    """WeChat's flat <xml>: text in CDATA, numbers bare."""
    parts = []
    for name, value in fields.items():
        if isinstance(value, int):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return ("<xml>" + "".join(parts) + "</xml>").encode()


class WechatCallbacks:
    """Callbacks of one account to one app. `clock` gives WeChat's time (the timestamps)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        token: str,
        appid: str,
        aes_key: str | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.client = client
        self.crypto = WechatCrypto(token, appid, aes_key)
        self.clock = clock
        self.msg_ids = itertools.count(6054768590064713728)

    # -- messages ---------------------------------------------------------------------------

    def message(self, openid: str, kind: str, **fields: str | int) -> dict[str, str | int]:
        created = int(self.clock().timestamp())
        base: dict[str, str | int] = {
            "ToUserName": ACCOUNT,
            "FromUserName": openid,
            "CreateTime": created,
            "MsgType": kind,
        }
        if kind != "event":
            base["MsgId"] = next(self.msg_ids)
        return {**base, **fields}

    def text(self, openid: str, content: str, **extra: str | int) -> dict[str, str | int]:
        return self.message(openid, "text", Content=content, **extra)

    def event(self, openid: str, event: str, **extra: str | int) -> dict[str, str | int]:
        return self.message(openid, "event", Event=event, **extra)

    # -- delivery ---------------------------------------------------------------------------

    def signed(self, fields: dict[str, str | int]) -> tuple[dict[str, str], bytes]:
        """The query and body WeChat would send for `fields`."""
        timestamp = str(int(self.clock().timestamp()))
        nonce = str(secrets.randbelow(10**9))
        query = {
            "signature": self.crypto.sign(timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": str(fields.get("FromUserName", "")),
        }
        body = to_xml(fields)
        if self.crypto.encrypted:
            encrypted = self.crypto.encrypt(body)
            query["encrypt_type"] = "aes"
            query["msg_signature"] = self.crypto.sign(timestamp, nonce, encrypted)
            body = to_xml({"ToUserName": ACCOUNT, "Encrypt": encrypted})
        return query, body

    async def post(self, query: dict[str, str], body: bytes) -> httpx.Response:
        return await self.client.post(
            "/wechat", params=query, content=body, headers={"Content-Type": "text/xml"}
        )

    async def deliver(
        self, fields: dict[str, str | int], times: int = 1, *, concurrently: bool = False
    ) -> list[httpx.Response]:
        """POST the callback `times` times (each retry signed anew, as WeChat does)."""
        requests = [self.signed(fields) for _ in range(times)]
        if concurrently:
            return list(await asyncio.gather(*(self.post(q, b) for q, b in requests)))
        return [await self.post(q, b) for q, b in requests]

    async def url_check(self, echostr: str, *, encrypted: bool = False) -> httpx.Response:
        timestamp = str(int(self.clock().timestamp()))
        nonce = str(secrets.randbelow(10**9))
        if encrypted:
            sealed = self.crypto.encrypt(echostr.encode())
            query = {
                "msg_signature": self.crypto.sign(timestamp, nonce, sealed),
                "timestamp": timestamp,
                "nonce": nonce,
                "echostr": sealed,
            }
        else:
            query = {
                "signature": self.crypto.sign(timestamp, nonce),
                "timestamp": timestamp,
                "nonce": nonce,
                "echostr": echostr,
            }
        return await self.client.get("/wechat", params=query)
