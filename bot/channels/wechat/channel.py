"""The WeChat channel: the callback (GET/POST /wechat) and exactly one turn per message.

A callback is checked (signature in constant time, timestamp within `MAX_SKEW_SECONDS`, in
安全模式 the ``msg_signature``, the decryption and the appid inside), parsed without a DTD,
and recorded as a `WechatInbox` row whose unique ``dedup_key`` drops WeChat's retries (and the
same callback at two processes): only the request that inserted the row starts a turn.
The row is inserted ``running`` (claimed by the request that inserted it); WeChat gets
``success`` at once and the turn runs after the answer, in this process. The turn's
transaction also marks the row ``done`` (and the engine opens the user's 48-hour window), so
a turn and its row commit together. A periodic sweep retakes rows left ``running`` too long
(a process that died, a turn that never committed; older versions' ``received`` rows too),
so nothing is lost; the engine drops a retaken turn that had committed already (the row id
is the Incoming's update_id).

A turn's replies go out merged into as few customer-service messages as possible (texts
joined, the last reply's buttons kept: they are what a typed number or a tapped option means)
through the sender registered for channel "wechat" (`common.sending`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl

import sqlalchemy as sa
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from bot.channels.edge import BodyTooLarge, read_capped
from bot.channels.wechat.convert import Converted, convert, dedup_key, kind_of
from bot.channels.wechat.crypto import CallbackRefused, WechatCrypto
from bot.channels.wechat.xmlmsg import MAX_XML_BYTES, BadXml, parse
from bot.messages import Incoming, Reply
from common.attachments import MAX_KEPT_BYTES, FileStore
from common.errors import ConfigurationError
from common.i18n import normalize_language, translate
from common.sending import Message, SendError, button_rows, send_sync
from common.settings import WechatSettings
from common.wechat.media import media_fetcher
from db.enums import Channel
from db.models import ChatIdentity, WechatInbox
from db.types import utcnow

if TYPE_CHECKING:
    from bot.engine import Conversations

log = logging.getLogger(__name__)

PATH = "/wechat"
# WeChat's timestamp is the time of the request: older or newer ones are replays or forgeries.
MAX_SKEW_SECONDS = 300
# An encrypted body is ~4/3 of the message plus the envelope.
MAX_BODY_BYTES = MAX_XML_BYTES * 2
# Customer-service text stays well under WeChat's limit (2048 characters) when merged.
MAX_MERGED_CHARS = 1500
SUCCESS = "success"
RECENT_CALLBACKS = 10_000  # callbacks remembered per process to answer WeChat's copies
# The callback's one database write (the inbox row) runs on threads of its own. On the turns'
# threads it would queue behind every turn waiting there: when turns lag (a burst after a
# broadcast, a slow database or SMS provider), WeChat would get no `success` within its 5 s,
# and it gives a message up after three tries. A row takes about a millisecond: two suffice.
EDGE_THREADS = 2
# A turn's replies go out from the turn's own thread while at most half the turn threads are
# sending: a second thread per message costs a fifth of the
# throughput on a busy process (more threads contending for the GIL). Beyond that they are
# handed to the send threads, so that a slow WeChat API (tens to hundreds of milliseconds from
# a county's server, seconds when it struggles) never holds more than half the turn threads:
# with every send on the turns' threads, 8 threads at 100 ms a send served 68 messages/s.
# Threads that wait on the network cost little.
SEND_THREADS = 32


class WechatChannel:
    """The callback and the turn runner of one Official Account.

    `clock` is the channel's time (timestamps, claims, the sweep); tests move it. A row is
    retaken by the sweep when ``received`` for `stale_after` or ``running`` for
    `running_timeout`; after `max_attempts` claims it is given up (failed, one apology).
    `turn_threads` are the serving process's (WUGONG_BOT_THREADS): at most half of them send
    their replies themselves at once (SEND_THREADS).
    """

    def __init__(
        self,
        settings: WechatSettings,
        conversations: Conversations,
        files: FileStore | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        sweep_every: float = 15.0,
        stale_after: timedelta = timedelta(seconds=60),
        running_timeout: timedelta = timedelta(minutes=2),
        max_attempts: int = 3,
        keep_done: timedelta = timedelta(days=1),
        turn_threads: int = 8,
    ) -> None:
        if not settings.wechat_appid or settings.wechat_token is None:
            raise ConfigurationError("WUGONG_WECHAT_APPID and WUGONG_WECHAT_TOKEN must be set")
        key = settings.wechat_aes_key.get_secret_value() if settings.wechat_aes_key else None
        try:
            self.crypto = WechatCrypto(
                settings.wechat_token.get_secret_value(), settings.wechat_appid, key
            )
        except ValueError as error:
            raise ConfigurationError(f"WUGONG_WECHAT_AES_KEY: {error}") from None
        self.conversations = conversations
        self.sessions = conversations.sessions
        bind = self.sessions.kw.get("bind")
        self._autocommit: sa.Engine | None = (
            bind.execution_options(isolation_level="AUTOCOMMIT")
            if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql"
            else None
        )
        self.files = files
        self.clock = clock
        self.sweep_every = sweep_every
        self.stale_after = stale_after
        self.running_timeout = running_timeout
        self.max_attempts = max_attempts
        self.keep_done = keep_done
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # Callbacks this process is recording or has recorded (a bounded memory): WeChat's
        # copies of one message are answered without a database round trip each. Another
        # process still meets the row's unique key, which stays the one guarantee.
        self._recorded: OrderedDict[str, asyncio.Future[None]] = OrderedDict()
        # Their threads start only as they are needed; `stop` shuts them down.
        self._edge = ThreadPoolExecutor(EDGE_THREADS, thread_name_prefix="wechat-edge")
        self._senders = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="wechat-send")
        self._inline_sends = threading.BoundedSemaphore(max(1, turn_threads // 2))

    # -- Channel protocol -------------------------------------------------------------------

    def routes(self) -> Sequence[BaseRoute]:
        return [
            # One route for both methods: a POST that met a GET-only route first would be
            # matched against every other route of the app as well.
            Route(PATH, _Callback(self), methods=["GET", "POST"]),
        ]

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever())
        mode = "安全模式" if self.crypto.encrypted else "plaintext"
        log.info("wechat: callback on %s (%s)", PATH, mode)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        await self.drain(timeout=10)
        self._edge.shutdown(wait=False)
        self._senders.shutdown(wait=False)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait for the turns in flight (tests; a graceful stop). What is left is swept later."""
        while self._tasks:
            done, _ = await asyncio.wait(set(self._tasks), timeout=timeout)
            if not done:
                return

    # -- The callback -----------------------------------------------------------------------

    def check_url(self, query: dict[str, str]) -> tuple[int, str]:
        """GET /wechat: WeChat's URL check. Plain: ``signature`` over token, timestamp and
        nonce, answered with ``echostr``; encrypted: ``msg_signature`` over those and the
        encrypted ``echostr``, answered with it decrypted."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        echostr = query.get("echostr", "")
        try:
            self._check_time(timestamp)
            if "msg_signature" in query:
                self.crypto.check(query["msg_signature"], timestamp, nonce, echostr)
                answer = self.crypto.decrypt(echostr).decode()
            else:
                self.crypto.check(query.get("signature", ""), timestamp, nonce)
                answer = echostr
        except (CallbackRefused, UnicodeDecodeError) as refused:
            log.warning("wechat: URL check refused: %s", refused)
            return 403, "forbidden"
        return 200, answer

    async def receive(self, query: dict[str, str], body: bytes) -> tuple[int, str]:
        """POST /wechat: check, record, answer ``success`` (status and text); the turn runs
        afterwards."""
        try:
            fields = self._open(query, body)
        except CallbackRefused as refused:
            log.warning("wechat: callback refused: %s", refused)
            return 403, "forbidden"
        except BadXml as bad:
            log.warning("wechat: malformed callback: %s", bad)
            return 400, "bad request"
        key = dedup_key(fields)
        if key is None:
            return 200, SUCCESS
        if await self._seen(key):
            return 200, SUCCESS
        recording: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._remember(key, recording)
        try:
            loop = asyncio.get_running_loop()
            row_id = await loop.run_in_executor(self._edge, self._record, key, fields)
        except BaseException:
            self._recorded.pop(key, None)  # a copy may try again
            recording.set_result(None)
            raise
        recording.set_result(None)
        if row_id is not None:
            self._spawn(self._turn_of(row_id, fields))
        return 200, SUCCESS

    async def _seen(self, key: str) -> bool:
        """True when this process recorded the callback already (waiting for a copy being
        recorded right now); False when this copy must record it."""
        while (recording := self._recorded.get(key)) is not None:
            await asyncio.shield(recording)
            if self._recorded.get(key) is recording:
                return True  # recorded: the copy before this one committed it
        return False

    def _remember(self, key: str, recording: asyncio.Future[None]) -> None:
        self._recorded[key] = recording
        while len(self._recorded) > RECENT_CALLBACKS:
            self._recorded.popitem(last=False)

    def _open(self, query: dict[str, str], body: bytes) -> dict[str, str]:
        """The callback's fields, once its signature, time and (in 安全模式) appid are checked."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        self._check_time(timestamp)
        if not self.crypto.encrypted:
            self.crypto.check(query.get("signature", ""), timestamp, nonce)
            return parse(body)
        if query.get("encrypt_type", "aes") != "aes":
            raise CallbackRefused("安全模式: encrypt_type must be aes")
        envelope = parse(body)
        encrypted = envelope.get("Encrypt")
        if not encrypted:
            raise CallbackRefused("安全模式: the body has no Encrypt")
        self.crypto.check(query.get("msg_signature", ""), timestamp, nonce, encrypted)
        return parse(self.crypto.decrypt(encrypted))

    def _check_time(self, timestamp: str) -> None:
        if not timestamp.isdigit():
            raise CallbackRefused("no timestamp")
        skew = abs(self.clock().timestamp() - int(timestamp))
        if skew > MAX_SKEW_SECONDS:
            raise CallbackRefused(f"timestamp {skew:.0f} s away")

    def _record(self, key: str, fields: dict[str, str]) -> int | None:
        """Insert the inbox row, claimed (``running``) by this request; its id, or None when
        the callback was recorded before.

        One statement, so on PostgreSQL it runs in autocommit: no BEGIN and COMMIT round trips
        around it (about a third of its cost). SQLite keeps its transaction (its BEGIN is
        wugong's own, see db/engine.py)."""
        values = {
            "dedup_key": key,
            "openid": fields.get("FromUserName", "")[:64],
            "kind": kind_of(fields),
            "payload": json.dumps(fields, ensure_ascii=False),
            "now": self.clock(),
        }
        if self._autocommit is not None:
            with self._autocommit.connect() as connection:
                return connection.execute(_INSERT, values).scalar_one_or_none()
        with self.sessions.begin() as session:
            return session.execute(_INSERT, values).scalar_one_or_none()

    # -- Turns ------------------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retake(self, row_id: int, received_before: datetime) -> None:
        """The sweep's: claim a row left behind and run its turn; never raises."""
        try:
            claimed = await asyncio.to_thread(self._claim, row_id, received_before)
        except Exception:
            log.exception("wechat: claiming inbox row %s failed; the sweep retries", row_id)
            return
        if claimed is not None:  # else another process or task has it, or had it
            fields, attempts = claimed
            await self._turn_of(row_id, fields, attempts)

    async def _turn_of(self, row_id: int, fields: dict[str, str], attempts: int = 1) -> None:
        """Run the turn of a row this task holds; never raises."""
        openid = fields.get("FromUserName", "")
        async with self._lock(openid):
            if attempts > self.max_attempts:
                log.error("wechat: inbox row %s given up after %d claims", row_id, attempts - 1)
                await asyncio.to_thread(self._finish, row_id, "failed")
                await self._apologise(openid)
                return
            try:
                await self._turn(row_id, fields)
            except Exception:
                log.exception("wechat: the turn of inbox row %s failed", row_id)
                try:
                    await asyncio.to_thread(self._finish, row_id, "failed")
                except Exception:
                    log.exception("wechat: inbox row %s could not be marked failed", row_id)
                await self._apologise(openid)
            # Done: `_turn` finished the row with the turn (or, when the turn never
            # committed, left it to the sweep).

    async def _turn(self, row_id: int, fields: dict[str, str]) -> None:
        converted: Converted = convert(fields, update_id=row_id)
        openid = fields.get("FromUserName", "")
        incoming = converted.incoming
        if incoming is None:
            await asyncio.to_thread(self._touch, openid, converted.unsubscribe, row_id)
            return
        if incoming.file is not None:
            incoming = await self._keep_media(incoming)

        # The row is done in the turn's own transaction (which also opens the user's 48-hour
        # window): both commit or neither does, and a turn's replies are never sent twice.
        def finish(session: Session) -> None:
            self._mark(session, row_id, "done")

        def turn() -> Future[None] | None:
            replies = self.conversations.handle(incoming, finish)
            # Sent from this thread while few turn threads wait on WeChat's API (no second
            # thread: cheapest); else handed to the send threads, and this one is free.
            if self._inline_sends.acquire(blocking=False):
                try:
                    self._send(openid, replies)
                finally:
                    self._inline_sends.release()
                return None
            return self._senders.submit(self._send, openid, replies)

        handed = await asyncio.to_thread(turn)
        if handed is not None:  # still under the user's lock: the next replies come after
            await asyncio.wrap_future(handed)

    def _send(self, openid: str, replies: Sequence[Reply]) -> None:
        """Send a committed turn's replies. Never raises: the turn is done, so a failure here
        is not the turn's (no row marked failed, no apology for an answer that was taken), and
        its replies are not sent twice (MaybeSent) nor retried."""
        for message in merge(replies):
            try:
                send_sync(Channel.WECHAT, openid, message)
            except SendError as error:
                log.warning("wechat: a reply to %s was not sent: %r", openid, error)
                return
            except Exception:
                log.exception("wechat: sending a reply to %s failed", openid)
                return

    async def _apologise(self, openid: str) -> None:
        from bot.engine import SORRY  # the dialogs load only in the serving process

        language = await asyncio.to_thread(self._language, openid)
        try:
            apology = Message(translate(language, SORRY), in_reply=True)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._senders, send_sync, Channel.WECHAT, openid, apology)
        except Exception:
            log.exception("wechat: the apology to %s could not be sent", openid)

    async def _keep_media(self, incoming: Incoming) -> Incoming:
        """The image kept by the project (encrypted) while its MediaId lives; the message as
        it was when there is no fetcher or the download fails."""
        ref = incoming.file
        fetch = media_fetcher()
        if ref is None or fetch is None or self.files is None:
            return incoming
        try:
            content = await fetch(ref.file_id)
            if len(content) > MAX_KEPT_BYTES:
                raise ValueError(f"{len(content)} bytes")
            stored = await asyncio.to_thread(self.files.keep, content)
        except Exception as error:  # the API client's errors are its own
            log.warning("wechat: an image could not be kept: %r", error)
            return incoming
        kept = dataclasses.replace(
            ref, storage_path=stored.storage_path, sha256=stored.sha256, size=stored.size
        )
        return dataclasses.replace(incoming, file=kept)

    def _lock(self, openid: str) -> asyncio.Lock:
        lock = self._locks.get(openid)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[openid] = lock
        return lock

    # -- Rows -------------------------------------------------------------------------------

    def _claim(self, row_id: int, received_before: datetime) -> tuple[dict[str, str], int] | None:
        """Mark the row running if it is free: ``received`` before `received_before`, or
        ``running`` past the timeout. The UPDATE's condition is the claim: of two claimers one
        gets the row."""
        now = self.clock()
        table = _TABLE.c  # Core: the ORM cannot return an encrypted column from an UPDATE
        free = sa.or_(
            sa.and_(table.status == "received", table.created_at < received_before),
            sa.and_(table.status == "running", table.claimed_at < now - self.running_timeout),
        )
        claim = (
            sa.update(_TABLE)
            .where(table.id == row_id, free)
            .values(status="running", claimed_at=now, attempts=table.attempts + 1)
            .returning(table.payload, table.attempts)
        )
        with self.sessions.begin() as session:
            row = session.execute(claim).one_or_none()
        if row is None:
            return None
        payload, attempts = row
        return (json.loads(payload) if payload else {}), attempts

    def _finish(self, row_id: int, status: str) -> None:
        with self.sessions.begin() as session:
            self._mark(session, row_id, status)

    def _mark(self, session: Session, row_id: int, status: str) -> None:
        """The row finished (`status`) in `session`'s transaction; its payload let go."""
        # On the session's connection: a Core statement needs none of the ORM's execution.
        values = {"row_id": row_id, "to_status": status, "at": self.clock()}
        session.connection().execute(_FINISH, values)

    def _touch(self, openid: str, unsubscribed: bool, done_row: int | None = None) -> None:
        """The user's last message (the 48-hour window); an unsubscribe marks them unreachable,
        any other message reachable again. `done_row`: the inbox row finished in the same
        transaction."""
        now = self.clock()
        values: dict[str, Any] = (
            {"blocked_at": now} if unsubscribed else {"last_inbound_at": now, "blocked_at": None}
        )
        with self.sessions.begin() as session:
            session.execute(
                sa.update(ChatIdentity)
                .where(ChatIdentity.channel == Channel.WECHAT, ChatIdentity.external_id == openid)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if done_row is not None:
                self._mark(session, done_row, "done")

    def _language(self, openid: str) -> str:
        with self.sessions() as session:
            language = session.scalar(
                sa.select(ChatIdentity.language).where(
                    ChatIdentity.channel == Channel.WECHAT, ChatIdentity.external_id == openid
                )
            )
        return normalize_language(language)

    # -- The sweep --------------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_every)
            try:
                await self.sweep()
            except Exception:
                log.exception("wechat: the inbox sweep failed")

    async def sweep(self) -> int:
        """Retake the rows left received or running too long; forget finished rows older than
        `keep_done` (WeChat's retries come within seconds). The number of rows retaken."""
        now = self.clock()
        received_before = now - self.stale_after
        ids = await asyncio.to_thread(self._stale_rows, now, received_before)
        for row_id in ids:
            self._spawn(self._retake(row_id, received_before))
        return len(ids)

    def _stale_rows(self, now: datetime, received_before: datetime) -> list[int]:
        stale = sa.or_(
            sa.and_(WechatInbox.status == "received", WechatInbox.created_at < received_before),
            sa.and_(
                WechatInbox.status == "running",
                WechatInbox.claimed_at < now - self.running_timeout,
            ),
        )
        with self.sessions.begin() as session:
            session.execute(
                sa.delete(WechatInbox)
                .where(
                    WechatInbox.status.in_(("done", "failed")),
                    WechatInbox.finished_at < now - self.keep_done,
                )
                .execution_options(synchronize_session=False)
            )
            rows = session.scalars(
                sa.select(WechatInbox.id).where(stale).order_by(WechatInbox.id).limit(500)
            )
            return list(rows)


def merge(replies: Sequence[Reply]) -> list[Message]:
    """A turn's replies as few messages: texts joined (a new message only when the joined text
    would grow past MAX_MERGED_CHARS), the last reply's buttons on the last message (the
    dialog state keeps only those: a tapped option or typed number means one of them)."""
    if not replies:
        return []
    groups: list[list[str]] = [[]]
    for reply in replies:
        current = groups[-1]
        if current and len("\n\n".join([*current, reply.text])) > MAX_MERGED_CHARS:
            groups.append([])
        groups[-1].append(reply.text)
    last = replies[-1]
    language = next((reply.language for reply in reversed(replies) if reply.language), "")
    messages = [Message("\n\n".join(texts), language=language, in_reply=True) for texts in groups]
    messages[-1] = dataclasses.replace(
        messages[-1],
        buttons=button_rows(last.buttons),
        request_phone=any(reply.request_contact for reply in replies),
    )
    return messages


class _Callback:
    """POST /wechat as a plain ASGI endpoint: every message comes three times or more (WeChat's
    retries), and Starlette's Request, query parsing and Response cost as much again as the
    checks themselves. What it answers is what a Starlette route would: the status, a plain
    text body."""

    def __init__(self, channel: WechatChannel) -> None:
        self.channel = channel

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("query_string", b"").decode("latin-1")
        query = dict(parse_qsl(raw, keep_blank_values=True))  # as Starlette reads a query
        if scope["method"] in ("GET", "HEAD"):
            status, text = self.channel.check_url(query)
        else:
            try:
                body = await read_capped(scope, receive, MAX_BODY_BYTES)
            except ClientDisconnect:
                return  # nobody to answer
            except BodyTooLarge:
                status, text = 413, "too large"
            else:
                status, text = await self.channel.receive(query, body)
        content = text.encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(content)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})


_TABLE = cast(sa.Table, WechatInbox.__table__)
# Core, on the table, built once: it runs in every turn (from the compiled cache), where the
# ORM's bulk update, or a statement built anew each time, cost more than a dialog step.
_FINISH = (
    sa.update(_TABLE)
    .where(_TABLE.c.id == sa.bindparam("row_id"))
    .values(status=sa.bindparam("to_status"), finished_at=sa.bindparam("at"), payload=None)
)
# ON CONFLICT DO NOTHING: PostgreSQL and SQLite (3.24+) alike; a retry inserts nothing.
_INSERT = sa.text(
    "INSERT INTO wechat_inbox"
    " (dedup_key, openid, kind, payload, status, attempts, created_at, claimed_at)"
    " VALUES (:dedup_key, :openid, :kind, :payload, 'running', 1, :now, :now)"
    " ON CONFLICT (dedup_key) DO NOTHING RETURNING id"
).bindparams(
    sa.bindparam("payload", type_=_TABLE.c.payload.type),
    sa.bindparam("now", type_=_TABLE.c.created_at.type),
)
