"""Whole conversations over POST /wechat in 安全模式 (SQLite and PostgreSQL), staff codes on
WeChat, and the sweep that finishes what a crashed process left."""

from __future__ import annotations

import sqlalchemy as sa

from db.enums import StaffRole
from db.models import StaffInvite, WechatInbox
from db.types import utcnow
from tests.bot.conftest import WORKER_ID
from tests.wechat.conftest import USER


class WechatUser:
    """One WeChat user talking through the callback; what the sender got is the reply."""

    def __init__(self, wechat, channel, sender, openid=USER) -> None:
        self.wechat, self.channel, self.sender, self.openid = wechat, channel, sender, openid

    async def deliver(self, fields) -> None:
        # Each message three times, as WeChat retries.
        responses = await self.wechat.deliver(fields, 3)
        assert [r.text for r in responses] == ["success"] * 3
        await self.channel.drain()

    async def say(self, text: str) -> str:
        before = len(self.sender.to(self.openid))
        await self.deliver(self.wechat.text(self.openid, text))
        assert len(self.sender.to(self.openid)) == before + 1, "one merged reply per message"
        return self.last.text

    async def tap(self, value: str) -> str:
        """Tap the msgmenu option of that button (by its position, as WeChat reports it)."""
        offered = [b for row in self.last.buttons for b in row]
        position = [b.value for b in offered].index(value) + 1
        fields = self.wechat.text(
            self.openid, offered[position - 1].label, bizmsgmenuid=str(position)
        )
        await self.deliver(fields)
        return self.last.text

    async def click(self, key: str) -> str:
        await self.deliver(self.wechat.event(self.openid, "CLICK", EventKey=key))
        return self.last.text

    @property
    def last(self):
        return self.sender.to(self.openid)[-1]

    @property
    def buttons(self) -> list[str]:
        return [b.value for row in self.last.buttons for b in row]


async def test_a_quick_check_then_apply_until_the_sms_code(
    wechat,
    channel,
    sender,
    registry,
    sms,
    clock,
):
    user = WechatUser(wechat, channel, sender)
    await user.deliver(wechat.event(USER, "subscribe", EventKey=""))
    assert "menu:check" in user.buttons
    await user.click("menu:check")
    for text in ("江苏", "2025-03", "2025-11"):
        await user.say(text)
        clock.advance(seconds=5)
    await user.tap("employer:one")
    await user.say("4000")
    await user.tap("hh:poverty_alleviated")
    await user.say("高平")
    results = await user.say("1990-03")
    assert "1500" in results and "1200" in results
    await user.click("menu:apply")
    await user.say(WORKER_ID)
    assert "verify:nocode" in user.buttons
    [(phone, code)] = sms.sent
    assert phone == "13800001111"
    await user.say(code)
    assert "bank:file" in user.buttons
    assert all(message.request_phone is False for _, message in sender.sent)
    with channel.sessions() as session:
        statuses = session.scalars(sa.select(WechatInbox.status)).all()
    assert set(statuses) == {"done"}


async def test_staff_take_their_role_with_a_one_time_code(wechat, channel, sender, session_factory):
    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code("code-140581100200"),
                role=StaffRole.CADRE,
                region_code="140581100200",
                expires_at=utcnow().replace(year=2099),
            )
        )
    cadre = WechatUser(wechat, channel, sender, "oCadre00000000000000000001")
    await cadre.say("/start code-140581100200")
    await cadre.say("王建国")
    await cadre.tap("staff:skip")
    assert "menu:delegate" in cadre.buttons
    stranger = WechatUser(wechat, channel, sender, "oOther00000000000000000001")
    await stranger.say("/start code-140581100200")
    assert "menu:delegate" not in stranger.buttons


# --- the sweep --------------------------------------------------------------------------------


def rows(session_factory) -> list[tuple[str, int]]:
    with session_factory() as session:
        return list(session.execute(sa.select(WechatInbox.status, WechatInbox.attempts)))


def crash_before_the_turn(channel, patch) -> None:
    """The process dies once the callback is recorded: its turn never starts."""
    patch.setattr(channel, "_spawn", lambda coroutine: coroutine.close())


async def test_a_message_left_by_a_crash_is_answered_once(
    wechat, channel, sender, session_factory, clock, monkeypatch
):
    with monkeypatch.context() as patch:
        crash_before_the_turn(channel, patch)
        await wechat.deliver(wechat.text(USER, "/start"))
    assert rows(session_factory) == [("running", 1)]  # claimed by the request that recorded it
    clock.advance(minutes=1)
    assert await channel.sweep() == 0  # not stale yet: its own process may be on it
    clock.advance(seconds=61)
    assert await channel.sweep() == 1
    await channel.drain()
    assert len(sender.to(USER)) == 1
    assert rows(session_factory) == [("done", 2)]
    clock.advance(minutes=10)
    assert await channel.sweep() == 0


async def test_a_row_of_an_earlier_version_left_received_is_answered_once(
    wechat, channel, sender, session_factory, clock, monkeypatch
):
    with monkeypatch.context() as patch:
        crash_before_the_turn(channel, patch)
        await wechat.deliver(wechat.text(USER, "/start"))
    with session_factory.begin() as session:
        session.execute(sa.update(WechatInbox).values(status="received", attempts=0))
    clock.advance(seconds=30)
    assert await channel.sweep() == 0
    clock.advance(seconds=31)
    assert await channel.sweep() == 1
    await channel.drain()
    assert len(sender.to(USER)) == 1
    assert rows(session_factory) == [("done", 1)]


async def test_the_turn_and_its_row_commit_together(
    wechat, channel, sender, session_factory, clock, monkeypatch
):
    """A process that dies after the turn committed (before its replies went out) leaves the
    row done: the sweep does not run the turn again."""
    sent = []

    def die_before_sending(openid, replies):
        sent.append(replies)

    monkeypatch.setattr(channel, "_send", die_before_sending)
    await wechat.deliver(wechat.text(USER, "/start"), 3)
    await channel.drain()
    assert len(sent) == 1 and sent[0]
    assert rows(session_factory) == [("done", 1)]
    clock.advance(minutes=10)
    assert await channel.sweep() == 0
    assert sender.to(USER) == []


async def test_a_row_that_keeps_failing_is_given_up_with_one_apology(
    wechat, channel, sender, session_factory, clock, monkeypatch
):
    with monkeypatch.context() as patch:
        crash_before_the_turn(channel, patch)
        await wechat.deliver(wechat.text(USER, "/start"))
    with session_factory() as session:
        row_id = session.scalar(sa.select(WechatInbox.id))
    for _ in range(channel.max_attempts - 1):  # claimed again and lost again
        clock.advance(seconds=channel.running_timeout.total_seconds() + 1)
        assert channel._claim(row_id, clock() - channel.stale_after) is not None
    clock.advance(seconds=channel.running_timeout.total_seconds() + 1)
    assert await channel.sweep() == 1
    await channel.drain()
    assert rows(session_factory) == [("failed", channel.max_attempts + 1)]
    [apology] = sender.to(USER)
    assert "Sorry" in apology.text or "抱歉" in apology.text


async def test_a_turn_that_fails_is_marked_and_apologised_for(
    wechat, channel, sender, session_factory, monkeypatch
):
    async def broken(row_id, fields):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(channel, "_turn", broken)
    await wechat.deliver(wechat.text(USER, "/start"), 3)
    await channel.drain()
    assert rows(session_factory) == [("failed", 1)]
    assert len(sender.to(USER)) == 1


async def test_a_reply_that_cannot_be_sent_leaves_the_turn_done_and_unapologised(
    wechat, channel, sender, session_factory, monkeypatch
):
    """The turn committed (the answer was taken): a sender's failure afterwards is logged, not
    an apology asking the user to send again what was already taken."""
    tries: list[str] = []

    async def broken(chat_id, message):
        tries.append(message.text)
        raise RuntimeError("a bug in the sender")

    monkeypatch.setattr(sender, "send", broken)
    await wechat.deliver(wechat.text(USER, "/start"), 3)
    await channel.drain()
    assert rows(session_factory) == [("done", 1)]
    assert len(tries) == 1 and "抱歉" not in tries[0]


async def test_a_proof_photo_is_downloaded_kept_encrypted_and_filed_with_the_claim(
    wechat, channel, sender, registry, sms, session_factory, tmp_path
):
    """From the verified chat to the submitted claim on WeChat: the proof photo's media id is
    fetched through the real API client (the fake WeChat API behind it), kept encrypted, and
    attached to the claims."""
    from common.attachments import FileStore, read_attachment
    from common.wechat.api import WechatApi
    from common.wechat.media import register_api_fetcher, register_media_fetcher
    from db.models import Application, Attachment
    from tests.fakes.wechat_api import serve_wechat

    photo = b"\xff\xd8\xff\xe0" + b"JFIF proof of work" * 50
    with serve_wechat() as api:
        api.media["MEDIA-PROOF-1"] = photo
        register_api_fetcher(WechatApi(api.settings()))
        try:
            user = WechatUser(wechat, channel, sender)
            await user.click("menu:check")
            for text in ("江苏", "2025-03", "2025-11"):
                await user.say(text)
            await user.tap("employer:one")
            await user.say("4000")
            await user.tap("hh:poverty_alleviated")
            await user.say("高平")
            await user.say("1990-03")
            await user.click("menu:apply")
            await user.say(WORKER_ID)
            await user.say(sms.sent[-1][1])
            await user.tap("bank:file")
            await user.deliver(
                wechat.message(USER, "image", PicUrl="http://x", MediaId="MEDIA-PROOF-1")
            )
            assert "done" in user.buttons
            await user.tap("done")
            await user.tap("confirm")
            done = await user.tap("pledge:accept")
        finally:
            register_media_fetcher(None)
    assert "WG2025-" in done
    assert any(call.path == "/cgi-bin/media/get" for call in api.calls)
    with session_factory() as session:
        claims = session.scalars(sa.select(Application)).all()
        assert claims and all(c.identity_verified for c in claims)
        files = session.scalars(sa.select(Attachment)).all()
        assert files and all(f.application_id in {c.id for c in claims} for f in files)
        stored = files[0].storage_path
        assert stored is not None
        assert photo not in (tmp_path / stored).read_bytes()  # encrypted at rest
        assert read_attachment(session, files[0].id, FileStore(tmp_path)).content == photo
