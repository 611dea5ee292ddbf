"""The web page inside WeChat and its uploads, over HTTP against the real app: a fake WeChat
OAuth endpoint (sns/oauth2/access_token) on a local port, a file store under a temporary
directory, and a page client that keeps its cookie like a browser."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.engine import Conversations
from common.attachments import FileStore
from common.runtime import Runtime
from common.settings import Settings
from tests.bot.conftest import TODAY, chat, conversations, registry  # noqa: F401  (fixtures)
from wugong.web import create_app

APPID = "wx0123456789abcdef"
SECRET = "test-app-secret-0123456789abcdef"
OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
GOOD_CODE = "good-code-1"


class FakeWechatOAuth:
    """Answers GET /sns/oauth2/access_token as WeChat does: the openid for GOOD_CODE, errcode
    40029 (invalid code) for any other; records each call's query."""

    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                fake.calls.append({"path": parts.path, **query})
                if parts.path != "/sns/oauth2/access_token":
                    body: dict[str, Any] = {"errcode": 40001, "errmsg": "not here"}
                elif query.get("code") == GOOD_CODE and query.get("secret") == SECRET:
                    body = {
                        "access_token": "web-access-token",
                        "expires_in": 7200,
                        "refresh_token": "refresh",
                        "openid": OPENID,
                        "scope": "snsapi_base",
                    }
                else:
                    body = {"errcode": 40029, "errmsg": "invalid code"}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_wechat() -> Iterator[FakeWechatOAuth]:
    fake = FakeWechatOAuth()
    yield fake
    fake.close()


@pytest.fixture
def files(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "var")


@pytest.fixture
def wechat_env(monkeypatch: pytest.MonkeyPatch, fake_wechat: FakeWechatOAuth) -> None:
    monkeypatch.setenv("WUGONG_WECHAT_APPID", APPID)
    monkeypatch.setenv("WUGONG_WECHAT_APPSECRET", SECRET)
    monkeypatch.setenv("WUGONG_WECHAT_API_BASE", fake_wechat.url)
    monkeypatch.setenv("WUGONG_WECHAT_OAUTH_BASE", "https://open.weixin.test")
    monkeypatch.setenv("WUGONG_PUBLIC_URL", "http://wugong.test")


@pytest.fixture
async def client(
    wechat_env: None, engine, session_factory, files: FileStore
) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app with WeChat OAuth configured; the client keeps its cookies."""
    runtime = Runtime(settings=Settings(), engine=engine, sessions=session_factory)
    turns = Conversations(session_factory, today=lambda: TODAY)
    app = create_app(runtime, turns, files=files)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        yield client


class Page:
    """The chat page of one browser: its cookie, the last replies."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.replies: list[dict[str, Any]] = []

    async def open(self) -> dict[str, Any]:
        response = await self.client.post("/api/session")
        assert response.status_code == 200, response.text
        return response.json()

    async def send(self, **body: Any) -> list[dict[str, Any]]:
        response = await self.client.post("/api/chat", json={"lang": "en", **body})
        assert response.status_code == 200, response.text
        self.replies = response.json()["replies"]
        return self.replies

    async def say(self, text: str) -> list[dict[str, Any]]:
        return await self.send(text=text)

    async def tap(self, value: str) -> list[dict[str, Any]]:
        if not value.startswith("menu:"):
            assert value in self.buttons, f"{value} not offered; buttons: {self.buttons}"
        return await self.send(button=value)

    async def upload(
        self, content: bytes, name: str = "proof.png", content_type: str = "image/png"
    ) -> httpx.Response:
        response = await self.client.post(
            "/api/upload",
            files={"file": (name, content, content_type)},
            data={"lang": "en"},
        )
        if response.status_code == 200:
            self.replies = response.json()["replies"]
        return response

    async def identify(self, id_number: str) -> None:
        from common.sms import installed_sms_provider

        await self.say(id_number)
        if "verify:nocode" in self.buttons:
            sent = installed_sms_provider().sent  # type: ignore[attr-defined]
            await self.say(sent[-1][1])

    @property
    def text(self) -> str:
        return "\n".join(reply["text"] for reply in self.replies)

    @property
    def buttons(self) -> list[str]:
        return [b["value"] for reply in self.replies for b in reply["buttons"]]


@pytest.fixture
def page(client: httpx.AsyncClient) -> Page:
    return Page(client)
