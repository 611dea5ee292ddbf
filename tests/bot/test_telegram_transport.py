"""The conversation channel's transport to the Bot API (aiohttp), over real loopback HTTP.

A small aiohttp server stands in for Telegram here because these tests look at the requests
themselves (body encoding, multipart uploads) and at failures (a server too slow, no server).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram.transport import AiohttpRequest
from tests.fakes.serving import free_port

TOKEN = "123456:TEST-transport"
ME = {"id": 123456, "is_bot": True, "first_name": "务工", "username": "WugongTestBot"}


class Recorder:
    """Answers getMe and the send methods like Telegram; `slow` seconds before each answer."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.slow = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            params = await request.json()
        else:
            form = await request.post()
            params = {
                key: (value.file.read() if isinstance(value, web.FileField) else value)
                for key, value in form.items()
            }
        self.requests.append((method, content_type, params))
        if self.slow:
            await asyncio.sleep(self.slow)
        if method == "getMe":
            return web.json_response({"ok": True, "result": ME})
        chat = {"id": int(params.get("chat_id", 1)), "type": "private", "first_name": "工人"}
        message = {"message_id": 7, "date": 1700000000, "chat": chat, "text": "ok"}
        return web.json_response({"ok": True, "result": message})


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield recorder, f"http://127.0.0.1:{port}/bot"
    finally:
        await runner.cleanup()


def bot_for(base_url: str) -> Bot:
    request = AiohttpRequest(connection_pool_size=4, pool_timeout=5)
    return Bot(TOKEN, base_url=base_url, request=request, get_updates_request=request)


async def test_a_message_goes_as_one_json_body_with_its_keyboard(recorder):
    """A reply with Chinese text and buttons arrives as JSON, text and keyboard intact."""
    server, base_url = recorder
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("查询补贴", callback_data="menu:check")]])
    async with bot_for(base_url) as bot:
        sent = await bot.send_message(4242, "您好！\n请选择：", reply_markup=markup)
    assert sent.message_id == 7
    method, content_type, params = server.requests[-1]
    assert (method, content_type) == ("sendMessage", "application/json")
    assert int(params["chat_id"]) == 4242
    assert params["text"] == "您好！\n请选择："
    keyboard = json.loads(params["reply_markup"])["inline_keyboard"]
    assert keyboard == [[{"text": "查询补贴", "callback_data": "menu:check"}]]


async def test_a_file_is_uploaded_as_multipart_with_its_fields(recorder):
    """An upload (a roster workbook, say) goes as multipart: the file's bytes and name, and
    the other parameters as fields."""
    server, base_url = recorder
    workbook = b"PK\x03\x04 not really a workbook"
    async with bot_for(base_url) as bot:
        await bot.send_document(
            4242, InputFile(workbook, filename="花名册.xlsx"), caption="高平市 2025 花名册"
        )
    method, content_type, params = server.requests[-1]
    assert method == "sendDocument"
    assert content_type.startswith("multipart/form-data")
    assert params["caption"] == "高平市 2025 花名册"
    assert params["chat_id"] == "4242"
    uploaded = next(value for value in params.values() if isinstance(value, bytes))
    assert uploaded == workbook


async def test_a_server_slower_than_the_read_timeout_is_a_timeout(recorder):
    """No answer within the read timeout: python-telegram-bot's TimedOut, as with its own
    transport, so the caller can tell "maybe sent" from "not sent"."""
    server, base_url = recorder
    async with bot_for(base_url) as bot:
        server.slow = 1.0
        with pytest.raises(TimedOut):
            await bot.send_message(4242, "你好", read_timeout=0.2)


async def test_no_server_at_all_is_a_network_error():
    """Connection refused: NetworkError, not TimedOut (nothing was sent)."""
    bot = bot_for(f"http://127.0.0.1:{free_port()}/bot")
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(4242, "你好")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await bot.request.shutdown()


async def test_shutdown_closes_and_initialize_reopens(recorder):
    """The application stops and starts again (a restart of the channel) without leaking a
    session or refusing to send."""
    server, base_url = recorder
    request = AiohttpRequest(connection_pool_size=2, pool_timeout=5)
    bot = Bot(TOKEN, base_url=base_url, request=request, get_updates_request=request)
    async with bot:
        await bot.send_message(1, "一")
    with pytest.raises(RuntimeError):
        await request.do_request(f"{base_url}{TOKEN}/getMe", "POST")
    async with bot:
        await bot.send_message(1, "二")
    assert [params.get("text") for _, _, params in server.requests if params.get("text")] == [
        "一",
        "二",
    ]


async def test_the_proxy_of_the_environment_is_used(recorder, monkeypatch):
    """Where Telegram is reached through a proxy (HTTP_PROXY, as python-telegram-bot's own
    transport honours it), the requests go to the proxy."""
    server, base_url = recorder
    proxy = base_url.removesuffix("/bot")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with bot_for("http://api.telegram.invalid/bot") as bot:
        await bot.send_message(4242, "经由代理")
    assert server.requests[-1][2]["text"] == "经由代理"
