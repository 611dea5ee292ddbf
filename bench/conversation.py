"""Benchmark: whole quick-check-and-apply conversations through the Telegram webhook.

N simulated users each post a scripted conversation (the quick check, then applying with a
shared phone number, the card on file and the pledge) as Telegram updates to `POST /telegram` of
the real wugong app, served by uvicorn in a process of its own with PostgreSQL behind (a fresh
schema, created and dropped here) and the submitted applications' cross-checks enqueued on
Redis (a database of its own, flushed). The load generator runs in this process and the fake
Bot API in a third one, so neither's CPU (nor a shared GIL) counts against the bot. The load
generator plays Telegram: it waits for each answer before the user's next message, and counts
the Bot API methods the bot put in its webhook answers (a pressed button's
answerCallbackQuery); every press must have been answered. Then the same load goes to a bare
python-telegram-bot echo bot behind the same webhook path and fake API, and the ratio is
printed.

    .venv/bin/python bench/conversation.py [--users 50] [--database-url URL] [--redis-url URL]

Bars (docs/design.md §4): ≥ 300 messages/s per bot process and ≥ 0.5 × the echo bot's rate;
the bot process ≤ 150 MB RSS after the run (printed with its peak).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the fakes live under tests/


from bench.support import DEFAULT_DATABASE_URL, Throughput, fresh_schema  # noqa: E402
from tests.fakes.processes import wait_until_up  # noqa: E402
from tests.fakes.serving import free_port  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI, Updates  # noqa: E402

SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
WEBHOOK_SECRET = "bench-webhook-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_USER = 7_000_000
WARMUP_USERS = 5
RATE_BAR = 300.0
RATIO_BAR = 0.5
RSS_BAR_MB = 150.0  # the bot process's resident memory after the run
TODAY = date(2025, 12, 1)  # the conversations' day: within the 2025 claim windows
# The load comes from one address and is meant to be fast: the edge's request limits
# (docs/design.md §3) would refuse most of it, so the bench runs with them off (0).
UNLIMITED = {
    "WUGONG_LIMIT_TELEGRAM_PER_CHAT": "0",
    "WUGONG_LIMIT_TELEGRAM_PER_ADDRESS": "0",
    "WUGONG_LIMIT_SESSIONS_PER_ADDRESS": "0",
    "WUGONG_LIMIT_CHAT_PER_SESSION": "0",
    "WUGONG_LIMIT_CHAT_PER_ADDRESS": "0",
}


# -- the scripted conversation ---------------------------------------------------------------


def id_number(index: int) -> str:
    """A valid resident ID of 高平市 (140581), born 1990-03-15, sequence `index`."""
    body = f"14058119900315{index % 1000:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def phone(index: int) -> str:
    return f"+86138{index:08d}"


def conversation(updates: Updates, user: int, index: int) -> list[dict[str, Any]]:
    """A worker's whole conversation: the quick check, then applying (ends with the pledge)."""
    text, press = updates.text, updates.button
    return [
        text(user, "/start"),
        press(user, "menu:check"),
        text(user, "江苏"),
        text(user, "2025-03"),
        text(user, "2025-11"),
        press(user, "employer:one"),
        text(user, "4000"),
        press(user, "hh:poverty_alleviated"),
        text(user, "高平"),
        text(user, "1990-03"),
        press(user, "menu:apply"),
        text(user, id_number(index)),
        updates.contact(user, phone(index)),
        press(user, "bank:file"),
        press(user, "done"),
        press(user, "confirm"),
        press(user, "pledge:accept"),
    ]


def seed(database_url: str, count: int) -> None:
    """The registry rows the conversations apply with: one 脱贫户 person per simulated user."""
    from db.crypto import Keyring, install_keyring
    from db.engine import make_engine, make_sessionmaker
    from db.enums import HouseholdType
    from db.migrate import upgrade
    from db.models import Household
    from db.queries.persons import upsert_person

    install_keyring(Keyring.from_secret(SECRET_KEY.encode()))
    engine = make_engine(database_url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        for index in range(count):
            household = Household(
                household_number=f"1405811002{index:08d}",
                region_code="140581100200",
                household_type=HouseholdType.POVERTY_ALLEVIATED,
            )
            session.add(household)
            session.flush()
            upsert_person(
                session,
                id_number=id_number(index),
                name=f"工人{index}",
                household_id=household.id,
                birth_date=date(1990, 3, 15),
                phone=phone(index),
                bank_name="中国农业银行",
                bank_account="6228480000000000000"[:-4] + f"{index:04d}",
                region_code="140581100200",
            )
    engine.dispose()


# -- the bot processes -----------------------------------------------------------------------


def serve_wugong(port: int, base_url: str, database_url: str, redis_url: str) -> None:
    """The real app as deployed: wugong's Telegram channel in webhook mode, the engine,
    PostgreSQL, and the cross-checks enqueued on Redis for workers elsewhere."""
    import uvicorn
    from pydantic import SecretStr

    from bot.channels.edge import EdgeLimits
    from bot.channels.telegram import TelegramChannel
    from bot.engine import Conversations
    from common.broker import setup_broker
    from common.memory import bound_arenas
    from common.runtime import Runtime, pool_options
    from common.settings import Settings, TelegramSettings
    from db.crypto import Keyring, install_keyring
    from db.engine import make_engine, make_sessionmaker
    from wugong.web import create_app

    os.environ.update(
        WUGONG_DATABASE_URL=database_url,
        WUGONG_REDIS_URL=redis_url,
        WUGONG_SECRET_KEY=SECRET_KEY,
        # The scripted work is of 2025: the conversations take a day of its claim window as
        # today, whatever day the bench runs (as `wugong serve` does with WUGONG_TODAY).
        WUGONG_TODAY=TODAY.isoformat(),
        # The apply step sends a code by SMS before the shared contact verifies: to the log.
        WUGONG_SMS_PROVIDER="log",
        **UNLIMITED,
    )
    bound_arenas()  # as `wugong serve` does
    settings = Settings()
    install_keyring(Keyring.from_secret(settings.secret_key()))
    setup_broker(redis_url)
    engine = make_engine(database_url, **pool_options(settings))
    runtime = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine))
    conversations = Conversations(  # as `wugong serve` wires it
        runtime.dialog_sessions(), today=settings.clock.today_function()
    )
    telegram = TelegramSettings(
        telegram_token=SecretStr(FakeBotAPI().token),
        telegram_base_url=base_url,
        telegram_mode="webhook",
        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
    )
    edge = EdgeLimits.from_settings(settings)  # as `wugong serve` wires it, limits off
    channel = TelegramChannel(telegram, conversations, limits=edge)
    app = create_app(runtime, conversations, [channel], edge=edge)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_echo(port: int, base_url: str) -> None:
    """The baseline: a bare python-telegram-bot echo bot behind the same webhook route."""
    import contextlib

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    application = (
        ApplicationBuilder()
        .token(FakeBotAPI().token)
        .base_url(base_url)
        .updater(None)
        .concurrent_updates(True)
        .build()
    )

    async def echo(update: Update, context: Any) -> None:
        assert update.effective_message is not None and update.effective_chat is not None
        text = update.effective_message.text or "?"
        await context.bot.send_message(update.effective_chat.id, text)

    async def press(update: Update, context: Any) -> None:
        assert update.callback_query is not None and update.effective_user is not None
        await update.callback_query.answer()
        await context.bot.send_message(update.effective_user.id, update.callback_query.data)

    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(press))

    async def telegram(request: Request) -> JSONResponse:
        if request.headers.get(SECRET_HEADER) != WEBHOOK_SECRET:
            return JSONResponse({}, status_code=403)
        update = Update.de_json(await request.json(), application.bot)
        await application.process_update(update)
        return JSONResponse({})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        async with application:
            await application.start()
            yield
            await application.stop()

    app = Starlette(
        routes=[
            Route("/telegram", telegram, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_fake_api(port: int) -> None:
    """The fake Bot API on its own, recording calls for the outcome check."""
    import uvicorn

    uvicorn.run(
        FakeBotAPI().app(), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


@contextmanager
def server_process(kind: str, *options: str) -> Iterator[tuple[str, int]]:
    """Start `kind` (wugong | echo | fake) in its own process; yields its URL (once it answers)
    and its process id."""
    port = free_port()
    command = [sys.executable, __file__, "--serve", kind, "--port", str(port), *options]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    probe = url + ("/_fake/calls" if kind == "fake" else "/healthz")
    try:
        try:
            wait_until_up(probe, process)
        except RuntimeError as error:
            raise SystemExit(f"the {kind} process did not start: {error}") from error
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rss_mb(pid: int) -> tuple[float, float]:
    """A process's (Linux) resident set size now and its peak (VmRSS, VmHWM), in MB."""
    found = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                found[name] = int(value.split()[0]) / 1024  # kB
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def fake_reset(fake_url: str, *, record: bool) -> None:
    request = urllib.request.Request(
        f"{fake_url}/_fake/reset?record={int(record)}", data=b"", method="POST"
    )
    urllib.request.urlopen(request, timeout=10).close()


def fake_calls(fake_url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{fake_url}/_fake/calls", timeout=30) as response:
        calls: list[dict[str, Any]] = json.load(response)
    return calls


def texts_by_chat(calls: list[dict[str, Any]]) -> dict[int, list[str]]:
    """What each chat was sent, of the fake's recorded calls."""
    texts: dict[int, list[str]] = {}
    for call in calls:
        if call["method"] == "sendMessage" and not call["failed"]:
            texts.setdefault(int(call["params"]["chat_id"]), []).append(call["params"]["text"])
    return texts


# -- the load --------------------------------------------------------------------------------


@dataclass
class Result(Throughput):
    webhook_answers: Counter[str]  # Bot API methods the bot put in its webhook answers
    # The served process's resident memory after the load, and its peak, in MB; and once it
    # was up, before any message (what its code and connections take).
    rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    idle_rss_mb: float = 0.0

    def line(self, name: str) -> str:
        return f"{name:<7} {self.messages:6d} messages in {self.figures()}"


async def load(url: str, scripts: list[list[dict[str, Any]]]) -> Result:
    """Every user posts their updates one after the other, as a person waits for each answer;
    the users run side by side, each on a keep-alive connection of its own.

    The requests are written on plain asyncio streams: an HTTP client library's own cost (httpx
    slows down markedly with dozens of concurrent connections) would otherwise be measured as
    the bot's.
    """
    latencies: list[float] = []
    methods: Counter[str] = Counter()
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 80

    async def user(script: list[dict[str, Any]]) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for update in script:
                body = json.dumps(update).encode()
                head = (
                    f"POST /telegram HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"{SECRET_HEADER}: {WEBHOOK_SECRET}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                started = time.perf_counter()
                writer.write(head + body)
                status, length = await _read_response_head(reader)
                answer = await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    raise SystemExit(f"webhook answered {status}")
                if length > 2:  # a method for Telegram to perform, as the Bot API allows
                    methods[json.loads(answer)["method"]] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(user(script) for script in scripts))
    seconds = time.perf_counter() - started
    return Result(sum(len(s) for s in scripts), seconds, latencies, methods)


async def _read_response_head(reader: asyncio.StreamReader) -> tuple[int, int]:
    """The status and Content-Length of an HTTP/1.1 response (uvicorn always sends a length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, length


def scripts_for(users: range, updates: Updates) -> list[list[dict[str, Any]]]:
    return [conversation(updates, FIRST_USER + i, i) for i in users]


def check_outcome(fake_url: str, users: range, result: Result, show: bool) -> None:
    """Every simulated user saw the amounts and got at least one reply per message, and every
    button press was answered (in the webhook's answer, which Telegram performs)."""
    script = conversation(Updates(), 0, 0)
    presses = sum("callback_query" in update for update in script) * len(users)
    calls = fake_calls(fake_url)
    answered = result.webhook_answers["answerCallbackQuery"] + sum(
        call["method"] == "answerCallbackQuery" for call in calls
    )
    if answered != presses:
        raise SystemExit(f"{presses} button presses but {answered} callback queries answered")
    texts = texts_by_chat(calls)
    per_user = len(script)
    for index in users:
        sent = texts.get(FIRST_USER + index, [])
        joined = "\n".join(sent)
        if "1500" not in joined or "1200" not in joined:
            raise SystemExit(f"user {index} did not get the quick check's amounts:\n{joined}")
        if len(sent) < per_user:
            raise SystemExit(f"user {index} got fewer replies than messages:\n{joined}")
    if show:
        for text in texts.get(FIRST_USER + users[0], []):
            print("  ", text.replace("\n", " | ")[:160])


def measure(
    kind: str, fake_url: str, database_url: str, redis_url: str, users: int, show: bool
) -> Result:
    warmup = range(users, users + WARMUP_USERS)
    measured = range(users)
    options = ["--base-url", f"{fake_url}/bot", "--database-url", database_url]
    if kind == "wugong":
        options += ["--redis-url", redis_url]
    with server_process(kind, *options) as (url, pid):
        idle, _ = rss_mb(pid)
        updates = Updates()
        fake_reset(fake_url, record=False)
        asyncio.run(load(url, scripts_for(warmup, updates)))
        fake_reset(fake_url, record=kind == "wugong")
        result = asyncio.run(load(url, scripts_for(measured, updates)))
        result.rss_mb, result.peak_rss_mb = rss_mb(pid)
        result.idle_rss_mb = idle
    if kind == "wugong":
        check_outcome(fake_url, measured, result, show)
    return result


def run(args: argparse.Namespace) -> int:
    import redis

    queue = redis.Redis.from_url(args.redis_url)
    queue.flushdb()
    try:
        with fresh_schema(args.database_url) as database_url:
            seed(database_url, args.users + WARMUP_USERS)
            with server_process("fake") as (fake_url, _):
                wugong = measure(
                    "wugong", fake_url, database_url, args.redis_url, args.users, args.show
                )
                echo = measure("echo", fake_url, database_url, args.redis_url, args.users, False)
    finally:
        queue.flushdb()  # the cross-checks the applications enqueued: nobody consumes them
    ratio = wugong.rate / echo.rate
    per_user = len(conversation(Updates(), 0, 0))
    print(f"conversation bench: {args.users} users × {per_user} messages, PostgreSQL, loopback")
    print("edge request limits off: " + ", ".join(f"{name}=0" for name in UNLIMITED))
    print(wugong.line("wugong"))
    print(echo.line("echo"))
    ok = wugong.rate >= RATE_BAR and ratio >= RATIO_BAR
    print(
        f"ratio   {ratio:.2f} (bar ≥ {RATIO_BAR}); rate bar ≥ {RATE_BAR:.0f} messages/s: "
        f"{'met' if ok else 'NOT met'}"
    )
    rss_ok = wugong.rss_mb <= RSS_BAR_MB
    print(
        f"bot RSS {wugong.rss_mb:6.0f} MB after the run (peak {wugong.peak_rss_mb:.0f} MB, "
        f"{wugong.idle_rss_mb:.0f} MB once up before any message; the echo bot "
        f"{echo.rss_mb:.0f} MB); bar ≤ {RSS_BAR_MB:.0f} MB: "
        f"{'met' if rss_ok else 'NOT met'}"
    )
    return 0 if ok and rss_ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("WUGONG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="a Redis database of its own: flushed before and after",
    )
    parser.add_argument("--show", action="store_true", help="print the first user's replies")
    parser.add_argument("--serve", choices=["wugong", "echo", "fake"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "wugong":
        logging.basicConfig(level=logging.WARNING)
        serve_wugong(args.port, args.base_url, args.database_url, args.redis_url)
        return 0
    if args.serve == "echo":
        logging.basicConfig(level=logging.WARNING)
        serve_echo(args.port, args.base_url)
        return 0
    if args.serve == "fake":
        serve_fake_api(args.port)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
