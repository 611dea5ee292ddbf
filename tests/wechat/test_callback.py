"""POST /wechat and GET /wechat as WeChat calls them: checks, one turn per message, events."""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from bot.channels.wechat.channel import MAX_BODY_BYTES
from common.sending import Message, Sent, register_sender
from common.wechat.media import register_media_fetcher
from db.enums import Channel
from db.models import Attachment, ChatIdentity, WechatInbox
from tests.fakes.wechat_callback import to_xml
from tests.waiting import wait_until_async
from tests.wechat.conftest import USER, RecordingSender


def inbox(session_factory) -> list[WechatInbox]:
    with session_factory() as session:
        return list(session.scalars(sa.select(WechatInbox).order_by(WechatInbox.id)))


def identity(session_factory, openid=USER) -> ChatIdentity | None:
    with session_factory() as session:
        return session.scalar(
            sa.select(ChatIdentity).where(
                ChatIdentity.channel == Channel.WECHAT, ChatIdentity.external_id == openid
            )
        )


def labels(message) -> list[str]:
    return [button.label for row in message.buttons for button in row]


def values(message) -> list[str]:
    return [button.value for row in message.buttons for button in row]


# --- the URL check ------------------------------------------------------------------------------


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "安全模式"])
async def test_the_url_check_echoes(wechat, encrypted):
    response = await wechat.url_check("1616140317555161061", encrypted=encrypted)
    assert response.status_code == 200
    assert response.text == "1616140317555161061"


async def test_a_url_check_with_a_bad_signature_is_refused(client, clock):
    timestamp = str(int(clock().timestamp()))
    response = await client.get(
        "/wechat",
        params={"signature": "0" * 40, "timestamp": timestamp, "nonce": "1", "echostr": "x"},
    )
    assert response.status_code == 403
    assert "x" not in response.text


# --- messages, plaintext and 安全模式 ----------------------------------------------------------


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "安全模式"])
async def test_a_message_is_answered_success_and_its_turn_replies(
    wechat, channel, sender, session_factory, clock, encrypted
):
    [response] = await wechat.deliver(wechat.text(USER, "/start"))
    assert response.status_code == 200
    assert response.text == "success"
    await channel.drain()
    [message] = sender.to(USER)
    assert "menu:check" in values(message)
    [row] = inbox(session_factory)
    assert (row.status, row.attempts, row.payload) == ("done", 1, None)
    assert identity(session_factory).last_inbound_at == clock()


async def test_the_answer_does_not_wait_for_the_turn(wechat, channel, sender, monkeypatch):
    """The turn runs after `success`: a slow turn does not hold the callback."""
    release = asyncio.Event()
    handle = channel.conversations.handle

    async def slow_turn(row_id, fields):
        await release.wait()
        replies = await asyncio.to_thread(handle, channel_incoming(fields, row_id))
        assert replies

    from bot.channels.wechat.convert import convert

    def channel_incoming(fields, row_id):
        converted = convert(fields, row_id)
        assert converted.incoming is not None
        return converted.incoming

    monkeypatch.setattr(channel, "_turn", slow_turn)
    [response] = await asyncio.wait_for(wechat.deliver(wechat.text(USER, "/start")), 5)
    assert response.text == "success"
    release.set()
    await channel.drain()


# More turns than any default thread pool holds (at most 32 threads).
BACKLOG = 40


def user(number: int) -> str:
    return f"oBacklog{number:019d}"


async def test_callbacks_are_answered_while_the_turns_are_backed_up(
    wechat, channel, sender, session_factory, monkeypatch
):
    """A burst that the turns cannot keep up with (here: turns that wait) still gets `success`
    for every message in time, and nothing is lost: each turn runs once it can."""
    release = threading.Event()
    handle = channel.conversations.handle

    def waiting_turn(incoming, with_turn=None):
        release.wait(30)
        return handle(incoming, with_turn)

    monkeypatch.setattr(channel.conversations, "handle", waiting_turn)
    try:
        for number in range(BACKLOG):
            [response] = await asyncio.wait_for(
                wechat.deliver(wechat.text(user(number), "/start")), 5
            )
            assert response.text == "success"
    finally:
        release.set()
    await channel.drain()
    assert {row.status for row in inbox(session_factory)} == {"done"}
    assert all(len(sender.to(user(number))) == 1 for number in range(BACKLOG))


@dataclass
class HangingSender(RecordingSender):
    """WeChat's API not answering: every send waits until released."""

    release: threading.Event = field(default_factory=threading.Event)

    def send_now(self, openid: str, message: Message) -> Sent:
        self.release.wait(30)
        self.sent.append((openid, message))
        return Sent(str(len(self.sent)))


async def test_a_hanging_wechat_api_does_not_hold_up_the_turns(wechat, channel, session_factory):
    """Sends that wait for WeChat's API do not keep other people's turns from running: each
    turn commits (its inbox row done) while the replies wait, and each goes out once."""
    hanging = HangingSender()
    register_sender(hanging)
    try:
        for number in range(BACKLOG):
            await wechat.deliver(wechat.text(user(number), "/start"))
        try:
            await wait_until_async(
                lambda: _statuses(session_factory) == ["done"] * BACKLOG, 10, "every turn done"
            )
            assert hanging.sent == []
        finally:
            hanging.release.set()
        await channel.drain()
    finally:
        register_sender(RecordingSender())  # the `sender` fixture's teardown unregisters it
    assert all(len(hanging.to(user(number))) == 1 for number in range(BACKLOG))


async def test_slow_photo_downloads_do_not_hold_up_other_peoples_turns(wechat, channel, sender):
    """Photos downloading from a far WeChat (seconds each) do not keep another user's message
    waiting: the downloads have threads of their own."""
    from common.wechat.api import WechatApi
    from common.wechat.media import register_api_fetcher, register_media_fetcher
    from tests.fakes.wechat_api import serve_wechat

    # One more photo than the threads of asyncio's default pool (the stdlib's own formula).
    photos = min(32, (os.cpu_count() or 1) + 4) + 1
    with serve_wechat() as api:
        api.media_delay = 2.0
        register_api_fetcher(WechatApi(api.settings()))
        try:
            for number in range(photos):
                api.media[f"MEDIA-{number}"] = b"\xff\xd8\xff\xe0" + b"photo" * 20
                image = wechat.message(
                    user(number), "image", PicUrl="http://x", MediaId=f"MEDIA-{number}"
                )
                await wechat.deliver(image)
            await wechat.deliver(wechat.text(USER, "/start"))
            await wait_until_async(lambda: sender.to(USER), 1.5, "the reply to /start")
            await channel.drain()
        finally:
            register_media_fetcher(None)
    assert all(len(sender.to(user(number))) == 1 for number in range(photos))


def _statuses(session_factory) -> list[str]:
    return [row.status for row in inbox(session_factory)]


REFUSALS = ["bad signature", "bad msg_signature", "stale", "future", "wrong appid"]


@pytest.mark.parametrize("case", REFUSALS)
async def test_forged_or_replayed_callbacks_are_refused_and_not_recorded(
    wechat, channel, sender, session_factory, clock, case
):
    fields = wechat.text(USER, "/start")
    if case == "wrong appid":
        from bot.channels.wechat.crypto import WechatCrypto
        from tests.wechat.conftest import AES_KEY, TOKEN

        wechat.crypto = WechatCrypto(TOKEN, "wx0000000000000000", AES_KEY)
    if case == "stale":
        clock.advance(seconds=-301)
    if case == "future":
        clock.advance(seconds=301)
    query, body = wechat.signed(fields)
    if case in ("stale", "future"):
        clock.advance(seconds=301 if case == "stale" else -301)
    if case == "bad signature":
        query["msg_signature"] = query["signature"] = "0" * 40
    if case == "bad msg_signature":
        query["msg_signature"] = "0" * 40
    response = await wechat.post(query, body)
    assert response.status_code == 403
    await channel.drain()
    assert inbox(session_factory) == []
    assert sender.sent == []


@pytest.mark.parametrize("encrypted", [False], ids=["plain"])
async def test_a_plaintext_bad_signature_is_refused(wechat, session_factory, encrypted):
    query, body = wechat.signed(wechat.text(USER, "/start"))
    query["signature"] = "0" * 40
    assert (await wechat.post(query, body)).status_code == 403
    assert inbox(session_factory) == []


async def test_an_oversized_body_is_refused(wechat, session_factory):
    query, _ = wechat.signed(wechat.text(USER, "/start"))
    response = await wechat.post(query, b"<xml>" + b"x" * MAX_BODY_BYTES + b"</xml>")
    assert response.status_code == 413
    assert inbox(session_factory) == []


async def test_an_oversized_body_without_a_length_is_refused_as_it_comes(wechat, session_factory):
    query, _ = wechat.signed(wechat.text(USER, "/start"))

    async def chunks():  # sent chunked: no Content-Length to refuse it by
        yield b"<xml>"
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b"</xml>"

    response = await wechat.client.post(
        "/wechat", params=query, content=chunks(), headers={"Content-Type": "text/xml"}
    )
    assert response.status_code == 413
    assert inbox(session_factory) == []


async def test_a_head_request_answers_as_the_url_check_without_a_body(wechat):
    response = await wechat.client.head("/wechat", params={"timestamp": "1", "nonce": "2"})
    assert response.status_code == 403 and response.content == b""


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "安全模式"])
async def test_an_xml_bomb_is_refused(wechat, session_factory, sender, encrypted):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<xml><ToUserName>gh</ToUserName><FromUserName>" + USER.encode() + b"</FromUserName>"
        b"<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&b;</Content>"
        b"<MsgId>1</MsgId></xml>"
    )
    query, _ = wechat.signed(wechat.text(USER, "x"))
    body = bomb
    if encrypted:
        encrypted_bomb = wechat.crypto.encrypt(bomb)
        query["msg_signature"] = wechat.crypto.sign(
            query["timestamp"], query["nonce"], encrypted_bomb
        )
        body = to_xml({"ToUserName": "gh", "Encrypt": encrypted_bomb})
    response = await wechat.post(query, body)
    assert response.status_code == 400
    assert inbox(session_factory) == []


# --- exactly one turn -------------------------------------------------------------------------


@pytest.mark.parametrize("concurrently", [False, True], ids=["one after another", "at once"])
async def test_a_message_delivered_three_times_is_one_turn(
    wechat, channel, sender, session_factory, concurrently
):
    fields = wechat.text(USER, "/start")
    responses = await wechat.deliver(fields, 3, concurrently=concurrently)
    assert [r.text for r in responses] == ["success"] * 3
    await channel.drain()
    assert len(sender.to(USER)) == 1
    assert len(inbox(session_factory)) == 1
    # …and later retries still find it.
    await wechat.deliver(fields, 1)
    await channel.drain()
    assert len(sender.to(USER)) == 1


async def test_replies_of_one_turn_are_merged_keeping_the_last_buttons(wechat, channel, sender):
    await wechat.deliver(wechat.text(USER, "/start"))
    await channel.drain()
    await wechat.deliver(wechat.text(USER, "/nonsense"))  # "I do not know…" then the menu
    await channel.drain()
    last = sender.to(USER)[-1]
    assert "\n\n" in last.text
    assert "menu:check" in values(last)


# --- what users send --------------------------------------------------------------------------


async def test_a_tapped_option_and_a_typed_number_press_the_buttons(wechat, channel, sender):
    await wechat.deliver(wechat.text(USER, "/start"))
    await channel.drain()
    menu = sender.to(USER)[-1]
    assert values(menu)[0] == "menu:check"
    check = labels(menu)[0]
    await wechat.deliver(wechat.text(USER, check, bizmsgmenuid="1"))
    await channel.drain()
    tapped = sender.to(USER)[-1].text
    await wechat.deliver(wechat.text(USER, "菜单"))
    await channel.drain()
    await wechat.deliver(wechat.text(USER, "1"))
    await channel.drain()
    assert sender.to(USER)[-1].text == tapped
    assert tapped != menu.text


async def test_a_stale_option_is_read_as_its_text(wechat, channel, sender):
    await wechat.deliver(wechat.text(USER, "/start"))
    await channel.drain()
    # An option of an older menu: its label is not one of the buttons offered now.
    await wechat.deliver(wechat.text(USER, "某个旧选项", bizmsgmenuid="1"))
    await channel.drain()
    assert "menu:check" in values(sender.to(USER)[-1])  # not the first button pressed


async def test_voice_is_read_as_typed_text(wechat, channel, sender):
    await wechat.deliver(wechat.text(USER, "/start"))
    await channel.drain()
    await wechat.deliver(
        wechat.message(USER, "voice", MediaId="m", Format="amr", Recognition="菜单")
    )
    await channel.drain()
    assert "menu:check" in values(sender.to(USER)[-1])


async def test_voice_without_recognition_gets_a_clear_line(wechat, channel, sender):
    await wechat.deliver(wechat.text(USER, "/start"))
    await channel.drain()
    await wechat.deliver(wechat.event(USER, "CLICK", EventKey="menu:check"))
    await channel.drain()
    await wechat.deliver(wechat.message(USER, "voice", MediaId="m", Format="amr", Recognition=""))
    await channel.drain()
    text = sender.to(USER)[-1].text
    assert "voice message" in text or "语音" in text


@pytest.mark.parametrize("kind", ["location", "link", "video", "file"])
async def test_other_content_gets_a_clear_line(wechat, channel, sender, kind):
    await wechat.deliver(wechat.event(USER, "CLICK", EventKey="menu:check"))
    await channel.drain()
    asked = sender.to(USER)[-1].text
    await wechat.deliver(wechat.message(USER, kind, Title="t"))
    await channel.drain()
    answer = sender.to(USER)[-1].text
    assert answer != asked
    assert asked.split("\n\n")[-1] in answer  # the line, then the same question


async def test_an_image_is_kept_and_reaches_the_dialog_as_a_file(
    wechat, channel, sender, session_factory
):
    fetched = []

    async def fetch(media_id: str) -> bytes:
        fetched.append(media_id)
        return b"\xff\xd8jpeg bytes"

    register_media_fetcher(fetch)
    try:
        from bot.channels.wechat.convert import convert

        incoming = convert(wechat.message(USER, "image", PicUrl="http://x", MediaId="MEDIA1"))
        assert incoming.incoming is not None
        kept = await channel._keep_media(incoming.incoming)
    finally:
        register_media_fetcher(None)
    assert fetched == ["MEDIA1"]
    assert kept.file is not None
    assert kept.file.file_id == "MEDIA1" and kept.file.kind == "photo"
    assert kept.file.storage_path and channel.files.read(kept.file.storage_path) == (
        b"\xff\xd8jpeg bytes"
    )


async def test_an_image_without_a_fetcher_keeps_the_media_id(wechat, channel, session_factory):
    from bot.channels.wechat.convert import convert

    converted = convert(wechat.message(USER, "image", PicUrl="http://x", MediaId="MEDIA2"))
    assert converted.incoming is not None and converted.incoming.file is not None
    kept = await channel._keep_media(converted.incoming)
    assert kept.file is not None and kept.file.storage_path is None
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


# --- events -----------------------------------------------------------------------------------


async def test_subscribe_greets_and_unsubscribe_marks_unreachable(
    wechat, channel, sender, session_factory
):
    await wechat.deliver(wechat.event(USER, "subscribe", EventKey=""), 3)
    await channel.drain()
    [greeting] = sender.to(USER)
    assert "menu:check" in values(greeting)
    assert identity(session_factory).blocked_at is None
    await wechat.deliver(wechat.event(USER, "unsubscribe", EventKey=""))
    await channel.drain()
    assert len(sender.to(USER)) == 1
    assert identity(session_factory).blocked_at is not None
    # Following again makes them reachable again.
    await wechat.deliver(wechat.text(USER, "菜单"))
    await channel.drain()
    assert identity(session_factory).blocked_at is None


async def test_a_menu_click_presses_that_button(wechat, channel, sender, clock):
    await wechat.deliver(wechat.event(USER, "CLICK", EventKey="menu:check"))
    await channel.drain()
    clock.advance(seconds=1)
    await wechat.deliver(wechat.event(USER, "CLICK", EventKey="menu:check"))
    await channel.drain()
    [first, second] = sender.to(USER)
    assert first.text == second.text
    assert "menu:check" not in values(first)  # the quick check's first question


async def test_view_events_need_no_reply(wechat, channel, sender, session_factory):
    await wechat.deliver(wechat.event(USER, "VIEW", EventKey="https://example.org/"))
    await channel.drain()
    assert sender.sent == []
    assert [row.status for row in inbox(session_factory)] == ["done"]
