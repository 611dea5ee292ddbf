"""Benchmark: whole quick-check-and-apply conversations through the WeChat callback (安全模式).

N simulated users each hold a scripted conversation (subscribe, the quick check from the menu,
then applying: the ID number, the SMS code, the card on file, the pledge) with `POST /wechat`
of the real wugong app, served by uvicorn in a process of its own as `wugong serve` wires the
WeChat channel and sender, PostgreSQL behind (a fresh schema, created and dropped here) and
Redis (a database of its own, flushed: the shared access_token, the cross-checks enqueued).
Every callback is signed and encrypted as WeChat does, and each message is delivered three
times, as WeChat retries: the three copies (each signed anew) are written at once on three
keep-alive connections, so they race in the app.

The app answers `success` and replies later, as customer-service messages. So the fake WeChat
API runs here, in the load generator's process, as a minimal HTTP server on asyncio streams
(stable_token, message/custom/send): a reply's arrival there ends the user's turn, and the user
sends the next message only then. The latency is from the first copy written to the reply's
arrival; the rate counts distinct messages (not the copies). The SMS code goes, in the served
process, through a provider that hands it to this fake (the code is wugong's own, random; the
bench only learns it as a phone would), so the user can type it.

The outcome is checked: every user got exactly one reply per distinct message (a turn run
twice would send a second one), has one `wechat_inbox` row per distinct message, all `done`,
saw the quick check's amounts, and got a claim number at the end.

The baseline is a bare handler in its own process (Starlette on uvicorn) that only verifies
the signature, decrypts with the same WechatCrypto, drops retries by the same key in memory,
answers `success` and sends one customer-service message back to the same fake (so the
driver's wait works the same). Both processes stay up, and the rounds alternate: wugong takes
a load of new users, then the bare handler the same load. This machine's speed drifts by a
third from one half-minute to the next (a neighbour's load); within a round both sides meet
nearly the same machine. Each round's ratio is printed, and the median round is the verdict.

    .venv/bin/python bench/wechat.py [--users 50] [--rounds 3] [--database-url URL]
                                     [--redis-url URL] [--api-latency MS]

`--api-latency` makes the fake answer each customer-service send that much later, as WeChat's
API does from a server far from it: the turns must not wait for it (the rate stays near the
loopback one), while the bare handler, which sends on its event loop, never did.

Bars (issue 14, point 9): ≥ 300 messages/s per process and ≥ 0.5 × the bare handler's rate
(the median round), every message's turn run exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the fakes live under tests/

from bench.conversation import (  # noqa: E402
    SECRET_KEY,
    TODAY,
    WARMUP_USERS,
    id_number,
    seed,
)
from bench.support import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    Throughput,
    cpu_seconds,
    fresh_schema,
)
from bot.channels.wechat.crypto import WechatCrypto  # noqa: E402
from tests.fakes.processes import wait_until_up  # noqa: E402
from tests.fakes.serving import free_port  # noqa: E402
from tests.fakes.wechat_callback import ACCOUNT, to_xml  # noqa: E402

APPID = "wxbench0123456789"
APPSECRET = "bench-app-secret-0123456789abcdef"
TOKEN = "wugongbenchtoken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCESS_TOKEN = "BENCH_ACCESS_TOKEN"
COPIES = 3  # each message as WeChat delivers it when the answer is slow: three tries
REPLY_TIMEOUT = 60.0  # seconds a user waits for a turn's reply before the run fails
RATE_BAR = 300.0
RATIO_BAR = 0.5
BARE_USERS = 1_000_000  # the bare handler's users are numbered from here
CUSTOM_SEND = "/cgi-bin/message/custom/send"
SMS_PATH = "/_bench/sms"
TURN_CPU_PATH = "/_bench/turn-cpu"
# Seconds both servers keep an idle connection: the driver's users wait on theirs between
# messages, longer than uvicorn's default 5 s under a heavy load.
KEEP_ALIVE = 120
# The msgmenu option a tap picks: a fragment of its label (the fake sees labels, not values).
TAPS = {
    "employer:one": "同一家单位",
    "hh:poverty_alleviated": "脱贫",
    "bank:file": "",
    "done": "",
    "confirm": "",
    "pledge:accept": "",
}


class BenchFailed(Exception):
    """The run went wrong (a refused callback, a reply that never came): the bench stops."""


def openid(index: int) -> str:
    return f"oBench{index:022d}"


# -- the scripted conversation ---------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    kind: str  # event | text | tap | code
    value: str = ""


def conversation(index: int) -> list[Step]:
    """A worker's whole conversation: subscribe, the quick check, applying to the pledge."""
    return [
        Step("event", "subscribe"),
        Step("event", "menu:check"),
        Step("text", "江苏"),
        Step("text", "2025-03"),
        Step("text", "2025-11"),
        Step("tap", "employer:one"),
        Step("text", "4000"),
        Step("tap", "hh:poverty_alleviated"),
        Step("text", "高平"),
        Step("text", "1990-03"),
        Step("event", "menu:apply"),
        Step("text", id_number(index)),
        Step("code"),
        Step("tap", "bank:file"),
        Step("tap", "done"),
        Step("tap", "confirm"),
        Step("tap", "pledge:accept"),
    ]


# -- the fake WeChat API, in this process ----------------------------------------------------


@dataclass
class Inbox:
    """What the fake received for one user: the sends (arrival time, body), SMS codes."""

    sends: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


class FakeWechat:
    """stable_token and custom/send on raw asyncio streams (HTTP/1.1, keep-alive); each send
    wakes the user it is for. Also takes the served process's SMS codes (SMS_PATH)."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency  # seconds a customer-service send takes to be answered
        self.users: dict[str, Inbox] = {}
        self.phones: dict[str, str] = {}  # 11-digit phone -> openid
        self.token_fetches = 0
        self.other: list[str] = []  # paths the fake does not know
        self.server: asyncio.Server | None = None
        self.port = 0

    def inbox(self, user: str) -> Inbox:
        box = self.users.get(user)
        if box is None:
            box = self.users[user] = Inbox()
        return box

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                answer = self._answer(method, target, body)
                if self.latency and target.startswith(CUSTOM_SEND):
                    await asyncio.sleep(self.latency)  # WeChat's API, far from the server
                payload = json.dumps(answer).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        finally:
            writer.close()

    def _answer(self, method: str, target: str, body: bytes) -> dict[str, Any]:
        address = urlsplit(target)
        path, query = address.path, dict(parse_qsl(address.query))
        data = json.loads(body) if body else {}
        if path == "/cgi-bin/stable_token":
            self.token_fetches += 1
            if data.get("appid") != APPID or data.get("secret") != APPSECRET:
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            return {"access_token": ACCESS_TOKEN, "expires_in": 7200}
        if path == CUSTOM_SEND:
            if query.get("access_token") != ACCESS_TOKEN:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            box = self.inbox(str(data.get("touser", "")))
            box.sends.append((time.perf_counter(), data))
            box.arrived.set()
            return {"errcode": 0, "errmsg": "ok"}
        if path == SMS_PATH:
            user = self.phones.get(str(data.get("phone", ""))[-11:])
            if user is not None:
                self.inbox(user).codes.append(str(data.get("code", "")))
            return {"ok": True}
        self.other.append(path)
        return {"errcode": 40066, "errmsg": "invalid url"}


def reply_text(send: dict[str, Any]) -> str:
    if send.get("msgtype") == "msgmenu":
        menu = send["msgmenu"]
        options = " ".join(f"[{o['id']}] {o['content']}" for o in menu.get("list", []))
        return f"{menu.get('head_content', '')} {options}"
    return str(send.get("text", {}).get("content", ""))


def menu_of(send: dict[str, Any] | None) -> list[dict[str, str]]:
    if send is None or send.get("msgtype") != "msgmenu":
        return []
    return list(send["msgmenu"].get("list", []))


# -- the served processes --------------------------------------------------------------------


class BenchSms:
    """The served process's SMS provider: the code (wugong's own) goes to the bench's fake,
    as a phone would receive it."""

    name = "bench"

    def __init__(self, url: str) -> None:
        self.url = url

    def send_code(self, phone: str, code: str) -> None:
        body = json.dumps({"phone": phone, "code": code}).encode()
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=10).close()


def wechat_env(api_base: str) -> dict[str, str]:
    return {
        "WUGONG_WECHAT_APPID": APPID,
        "WUGONG_WECHAT_APPSECRET": APPSECRET,
        "WUGONG_WECHAT_TOKEN": TOKEN,
        "WUGONG_WECHAT_AES_KEY": AES_KEY,
        "WUGONG_WECHAT_API_BASE": api_base,
    }


def serve_wugong(port: int, api_base: str, database_url: str, redis_url: str) -> None:
    """The real app as `wugong serve` wires the WeChat channel and sender (wugong/app.py),
    PostgreSQL, Redis; only the SMS provider is the bench's."""
    from starlette.routing import Route

    from bot.channels.edge import EdgeLimits
    from bot.channels.wechat.channel import WechatChannel
    from bot.engine import Conversations
    from common import runtime as wugong_runtime
    from common.attachments import FileStore
    from common.broker import setup_broker
    from common.memory import bound_arenas
    from common.settings import get_settings
    from common.sms import install_sms_provider
    from wugong.senders import register_senders
    from wugong.web import create_app

    bound_arenas()  # as `wugong serve` does
    var = tempfile.mkdtemp(prefix="wugong-bench-")
    os.environ.update(
        WUGONG_DATABASE_URL=database_url,
        WUGONG_REDIS_URL=redis_url,
        WUGONG_SECRET_KEY=SECRET_KEY,
        WUGONG_VAR_DIR=var,
        # The scripted work is of 2025: the conversations take a day of its claim window.
        WUGONG_TODAY=TODAY.isoformat(),
        **wechat_env(api_base),
    )
    settings = get_settings()
    install_sms_provider(BenchSms(api_base + SMS_PATH))
    runtime = wugong_runtime.start(settings, log_level="WARNING")
    setup_broker(settings.queue.redis_url)
    register_senders(runtime)
    conversations = Conversations(runtime.dialog_sessions(), today=settings.clock.today_function())
    edge = EdgeLimits.from_settings(settings)
    channel = WechatChannel(
        settings.wechat,
        conversations,
        FileStore(settings.paths.var_dir),
        turn_threads=settings.http.bot_threads,
    )
    app = create_app(runtime, conversations, [channel], edge=edge)
    app.router.routes.append(Route(TURN_CPU_PATH, _turn_cpu(conversations), methods=["GET"]))
    _serve(app, port)


def _turn_cpu(conversations: Any) -> Any:
    """Count the CPU time of the dialog turns (`Conversations.handle`, in the turn threads);
    the route that answers the total so far, in seconds."""
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    total = [0.0]
    lock = threading.Lock()
    handle = conversations.handle

    def timed(incoming: Any, with_turn: Any = None) -> Any:
        started = time.thread_time()
        try:
            return handle(incoming, with_turn)
        finally:
            spent = time.thread_time() - started
            with lock:
                total[0] += spent

    conversations.handle = timed

    async def answer(request: Request) -> PlainTextResponse:
        return PlainTextResponse(repr(total[0]))

    return answer


def serve_bare(port: int, api_base: str) -> None:
    """The baseline: verify, decrypt, drop retries (in memory), answer success, then one
    customer-service message back."""
    import contextlib

    import httpx
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from bot.channels.wechat.convert import dedup_key
    from bot.channels.wechat.crypto import CallbackRefused
    from bot.channels.wechat.xmlmsg import parse

    crypto = WechatCrypto(TOKEN, APPID, AES_KEY)
    seen: set[str] = set()
    state: dict[str, Any] = {}

    async def reply(user: str, text: str) -> None:
        client: httpx.AsyncClient = state["client"]
        body = {"touser": user, "msgtype": "text", "text": {"content": text}}
        await client.post(CUSTOM_SEND, params={"access_token": state["token"]}, json=body)

    async def wechat(request: Request) -> PlainTextResponse:
        query = request.query_params
        try:
            encrypted = parse(await request.body())["Encrypt"]
            crypto.check(
                query.get("msg_signature", ""),
                query.get("timestamp", ""),
                query.get("nonce", ""),
                encrypted,
            )
            fields = parse(crypto.decrypt(encrypted))
        except (CallbackRefused, KeyError):
            return PlainTextResponse("forbidden", status_code=403)
        key = dedup_key(fields)
        if key is None or key in seen:
            return PlainTextResponse("success")
        seen.add(key)
        text = fields.get("Content") or fields.get("EventKey") or fields.get("Event", "")
        task = BackgroundTask(reply, fields.get("FromUserName", ""), text)
        return PlainTextResponse("success", background=task)

    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        async with httpx.AsyncClient(base_url=api_base) as client:
            answer = await client.post(
                "/cgi-bin/stable_token",
                json={"grant_type": "client_credential", "appid": APPID, "secret": APPSECRET},
            )
            state.update(client=client, token=answer.json()["access_token"])
            yield

    app = Starlette(
        routes=[
            Route("/wechat", wechat, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    _serve(app, port)


def _serve(app: Any, port: int) -> None:
    """Serve `app` on loopback as both processes are served: quiet, idle connections kept."""
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE,
    )


@asynccontextmanager
async def server_process(kind: str, *options: str) -> AsyncIterator[tuple[str, int]]:
    """Start `kind` (wugong | bare) in its own process; yields its URL and pid once it answers. The
    waits run in a thread: the fake WeChat API on this event loop must go on answering."""
    port = free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port), *options]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            await asyncio.to_thread(wait_until_up, url + "/healthz", process)
        except RuntimeError as error:
            raise BenchFailed(f"the {kind} process did not start: {error}") from error
        yield url, process.pid
    finally:
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the load --------------------------------------------------------------------------------


async def turn_cpu(url: str, kind: str) -> float | None:
    """The served wugong's dialog turns' CPU seconds so far (None for the bare handler)."""
    if kind != "wugong":
        return None

    def read() -> float:
        with urllib.request.urlopen(url + TURN_CPU_PATH, timeout=10) as answer:
            return float(answer.read())

    return await asyncio.to_thread(read)


@dataclass
class Result(Throughput):
    """`messages` counts distinct messages, each delivered COPIES times; `turn_cpu_seconds`
    is the part of the served process's CPU time spent in the dialog turns themselves."""

    turn_cpu_seconds: float | None = field(default=None, kw_only=True)
    # Seconds from a copy written to its `success` read, every copy (WeChat waits 5 s).
    answers: list[float] = field(default_factory=list, kw_only=True)

    def line(self, name: str) -> str:
        callbacks = self.messages * COPIES
        return f"{name:<7} {self.messages:6d} messages ({callbacks} callbacks) in {self.figures()}"

    def answer_line(self) -> str:
        ordered = sorted(self.answers)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"        `success` answered: p99 {1000 * p99:6.1f} ms, slowest "
            f"{1000 * ordered[-1]:6.1f} ms (bar < 1 s)"
        )


class Driver:
    """Plays WeChat for the users: builds, signs and encrypts each callback (as
    tests/fakes/wechat_callback.py does, on raw streams), delivers it COPIES times at once."""

    msg_ids = itertools.count(6054768590064713728)

    def __init__(self, url: str, fake: FakeWechat, *, bare: bool) -> None:
        address = urlsplit(url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.fake = fake
        self.bare = bare
        self.crypto = WechatCrypto(TOKEN, APPID, AES_KEY)

    def fields(self, user: str, step: Step, box: Inbox) -> dict[str, str | int]:
        base: dict[str, str | int] = {
            "ToUserName": ACCOUNT,
            "FromUserName": user,
            "CreateTime": int(time.time()),
        }
        if step.kind == "event":
            if step.value == "subscribe":
                return {**base, "MsgType": "event", "Event": "subscribe", "EventKey": ""}
            return {**base, "MsgType": "event", "Event": "CLICK", "EventKey": step.value}
        base.update(MsgType="text", MsgId=next(self.msg_ids))
        if step.kind == "text":
            return {**base, "Content": step.value}
        if step.kind == "code":
            if self.bare:
                return {**base, "Content": "000000"}
            if not box.codes:
                raise BenchFailed(f"{user}: no SMS code arrived")
            return {**base, "Content": box.codes[-1]}
        # a tap on the last msgmenu: the option whose label has the fragment (the first one
        # when the fragment is empty), reported by its id as bizmsgmenuid
        options = menu_of(box.sends[-1][1] if box.sends else None)
        fragment = TAPS[step.value]
        chosen = next((o for o in options if fragment in o["content"]), None)
        if chosen is None:
            if not self.bare:
                raise BenchFailed(f"{user}: no option for {step.value} in {options}")
            chosen = {"id": "1", "content": step.value}
        return {**base, "Content": chosen["content"], "bizmsgmenuid": chosen["id"]}

    def request(self, fields: dict[str, str | int]) -> bytes:
        """One copy of the callback, signed anew (its own nonce), as WeChat retries."""
        timestamp = str(int(time.time()))
        nonce = str(secrets.randbelow(10**9))
        encrypted = self.crypto.encrypt(to_xml(fields))
        query = {
            "signature": self.crypto.sign(timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": str(fields["FromUserName"]),
            "encrypt_type": "aes",
            "msg_signature": self.crypto.sign(timestamp, nonce, encrypted),
        }
        body = to_xml({"ToUserName": ACCOUNT, "Encrypt": encrypted})
        head = (
            f"POST /wechat?{urlencode(query)} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def user(
        self, user: str, script: list[Step], latencies: list[float], answers: list[float]
    ) -> None:
        """The user's messages one after the other, each when the last one's reply came."""
        streams = [await asyncio.open_connection(self.host, self.port) for _ in range(COPIES)]
        box = self.fake.inbox(user)
        try:
            for step in script:
                fields = self.fields(user, step, box)
                copies = [self.request(fields) for _ in range(COPIES)]
                before = len(box.sends)
                box.arrived.clear()
                started = time.perf_counter()
                for (_, writer), copy in zip(streams, copies, strict=True):
                    writer.write(copy)
                for reader, _ in streams:
                    status, answer = await _read_response(reader)
                    if status != 200 or answer != b"success":
                        raise BenchFailed(f"{user}: /wechat answered {status} {answer[:80]!r}")
                    answers.append(time.perf_counter() - started)
                while len(box.sends) == before:
                    try:
                        await asyncio.wait_for(box.arrived.wait(), REPLY_TIMEOUT)
                    except TimeoutError:
                        raise BenchFailed(
                            f"{user}: no reply to {step} in {REPLY_TIMEOUT} s"
                        ) from None
                    box.arrived.clear()
                latencies.append(box.sends[before][0] - started)
        finally:
            for _, writer in streams:
                writer.close()

    async def load(self, users: range) -> Result:
        latencies: list[float] = []
        answers: list[float] = []
        scripts = {openid(i): conversation(i) for i in users}
        started = time.perf_counter()
        await asyncio.gather(*(self.user(u, s, latencies, answers) for u, s in scripts.items()))
        seconds = time.perf_counter() - started
        return Result(sum(len(s) for s in scripts.values()), seconds, latencies, answers=answers)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of an HTTP/1.1 response (uvicorn always sends a length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


# -- the outcome -----------------------------------------------------------------------------


def inbox_rows(database_url: str) -> dict[str, list[str]]:
    """The wechat_inbox rows' statuses, by openid."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT openid, status FROM wechat_inbox")).all()
    finally:
        engine.dispose()
    statuses: dict[str, list[str]] = {}
    for user, status in rows:
        statuses.setdefault(user, []).append(status)
    return statuses


def check_outcome(fake: FakeWechat, database_url: str, users: range, show: bool) -> list[str]:
    """Exactly one reply and one inbox row (done) per distinct message; the amounts seen; a
    claim number at the end. The problems found (empty: none)."""
    problems: list[str] = []
    rows = inbox_rows(database_url)
    for index in users:
        user, expected = openid(index), len(conversation(index))
        sends = fake.inbox(user).sends
        texts = [reply_text(body) for _, body in sends]
        joined = "\n".join(texts)
        if len(sends) != expected:
            problems.append(f"user {index}: {len(sends)} replies to {expected} messages")
        statuses = rows.get(user, [])
        if len(statuses) != expected or set(statuses) != {"done"}:
            problems.append(f"user {index}: inbox rows {sorted(statuses)}, {expected} expected")
        if "1500" not in joined or "1200" not in joined:
            problems.append(f"user {index} did not see the quick check's amounts")
        if "WG2025-" not in (texts[-1] if texts else ""):
            problems.append(f"user {index} got no claim number at the end")
    if show:
        for text in (reply_text(b) for _, b in fake.inbox(openid(users[0])).sends):
            print("  ", text.replace("\n", " | ")[:200])
    return problems


async def measure(driver: Driver, url: str, pid: int, kind: str, users: range) -> Result:
    """One load on a running server: its rate, and the server's CPU (and turns') meanwhile."""
    cpu_before, turns_before = cpu_seconds(pid), await turn_cpu(url, kind)
    result = await driver.load(users)
    result.cpu_seconds = cpu_seconds(pid) - cpu_before
    turns_after = await turn_cpu(url, kind)
    if turns_before is not None and turns_after is not None:
        result.turn_cpu_seconds = turns_after - turns_before
    return result


@dataclass
class Round:
    wugong: Result
    bare: Result

    @property
    def ratio(self) -> float:
        return self.wugong.rate / self.bare.rate


async def bench(args: argparse.Namespace, database_url: str) -> tuple[list[Round], list[str]]:
    """Both servers up at once; the rounds alternate a load on wugong (new users each round,
    as each applies once) and the same load on the bare handler, so that the machine's drift
    (a busy neighbour for half a minute) falls on both sides of a round's ratio."""
    fake = FakeWechat(args.api_latency / 1000)
    api_base = await fake.start()
    from bench.conversation import phone

    measured = args.users * args.rounds
    for index in range(measured + WARMUP_USERS):
        fake.phones[phone(index)[-11:]] = openid(index)
    options = ["--base-url", api_base, "--database-url", database_url]
    options += ["--redis-url", args.redis_url]
    rounds: list[Round] = []
    try:
        async with (
            server_process("wugong", *options) as (wugong_url, wugong_pid),
            server_process("bare", *options) as (bare_url, bare_pid),
        ):
            wugong = Driver(wugong_url, fake, bare=False)
            bare = Driver(bare_url, fake, bare=True)
            warmup = range(measured, measured + WARMUP_USERS)
            await wugong.load(warmup)
            await bare.load(_bare_users(warmup))
            for number in range(args.rounds):
                users = range(number * args.users, (number + 1) * args.users)
                first = await measure(wugong, wugong_url, wugong_pid, "wugong", users)
                second = await measure(bare, bare_url, bare_pid, "bare", _bare_users(users))
                rounds.append(Round(first, second))
            await asyncio.sleep(1.0)  # a turn run twice would send its reply after the first
        problems = check_outcome(fake, database_url, range(measured), args.show)
        if fake.other:
            problems.append(f"the app called unknown paths: {sorted(set(fake.other))}")
    finally:
        await fake.stop()
    return rounds, problems


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _bare_users(users: range) -> range:
    """The bare handler's users: others than wugong's, so the fake keeps their replies apart."""
    return range(users.start + BARE_USERS, users.stop + BARE_USERS)


def run(args: argparse.Namespace) -> int:
    import redis

    queue = redis.Redis.from_url(args.redis_url)
    queue.flushdb()
    try:
        with fresh_schema(args.database_url) as database_url:
            seed(database_url, args.users * args.rounds + WARMUP_USERS)
            try:
                rounds, problems = asyncio.run(bench(args, database_url))
            except BenchFailed as failed:
                print(f"wechat bench failed: {failed}")
                return 1
    finally:
        queue.flushdb()  # the token, the cross-checks the applications enqueued
    per_user = len(conversation(0))
    print(
        f"wechat bench: {args.rounds} rounds of {args.users} users × {per_user} messages, "
        f"each delivered {COPIES} times (安全模式), PostgreSQL + Redis, loopback; each round "
        "loads wugong, then the bare handler"
    )
    for number, one in enumerate(rounds, 1):
        print(f"round {number}")
        print(one.wugong.line("wugong"))
        print(one.wugong.answer_line())
        print(one.bare.line("bare"))
        print(f"ratio   {one.ratio:.2f}")
    middle = sorted(rounds, key=lambda one: one.ratio)[len(rounds) // 2]
    ratio = middle.ratio
    print(cpu_breakdown(middle.wugong, middle.bare) + " (the median round)")
    once = not problems
    for problem in problems[:20]:
        print("  " + problem)
    print(
        f"every turn exactly once (one reply and one inbox row per message, amounts, claim): "
        f"{'yes' if once else f'NO ({len(problems)} problems)'}"
    )
    rate = statistics.median(one.wugong.rate for one in rounds)
    print(
        f"median  ratio {ratio:.2f} (bar ≥ {RATIO_BAR}): {_met(ratio >= RATIO_BAR)}; "
        f"rate {rate:.1f} messages/s (bar ≥ {RATE_BAR:.0f}): {_met(rate >= RATE_BAR)}; "
        f"exactly once: {_met(once)}"
    )
    return 0 if rate >= RATE_BAR and ratio >= RATIO_BAR and once else 1


def cpu_breakdown(wugong: Result, bare: Result) -> str:
    """Where wugong's CPU per message goes, and the ratio the dialogs alone allow: with both
    processes bound by one core, the rates stand as the inverse of the CPU per message, so
    even a WeChat edge as cheap as the bare handler's leaves at most bare / (bare + turns)."""
    if wugong.cpu_seconds is None or bare.cpu_seconds is None or wugong.turn_cpu_seconds is None:
        return "cpu     not measured"
    total, turns = (
        1000 * x / wugong.messages for x in (wugong.cpu_seconds, wugong.turn_cpu_seconds)
    )
    edge = 1000 * bare.cpu_seconds / bare.messages
    return (
        f"cpu     wugong {total:.1f} ms/message = dialog turns {turns:.1f} + WeChat edge and "
        f"bookkeeping {total - turns:.1f} ({(total - turns) / edge:.2f} × bare {edge:.1f}); "
        f"ceiling with these turns ≈ {edge / (edge + turns):.2f} of bare"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="users per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("WUGONG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="a Redis database of its own: flushed before and after",
    )
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.0,
        help="milliseconds WeChat's API takes to answer a customer-service send (default 0: "
        "loopback; from a county's server it is tens to hundreds)",
    )
    parser.add_argument("--show", action="store_true", help="print the first user's replies")
    parser.add_argument("--serve", choices=["wugong", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "wugong":
        logging.basicConfig(level=logging.WARNING)
        serve_wugong(args.port, args.base_url, args.database_url, args.redis_url)
        return 0
    if args.serve == "bare":
        logging.basicConfig(level=logging.WARNING)
        serve_bare(args.port, args.base_url)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
