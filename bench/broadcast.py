"""Benchmark: a broadcast to 10,000 recipients at the platform's rate limit, exactly once.

The fake Bot API runs in a process of its own and enforces a limit L (a token bucket answering
429 with retry_after beyond it, as Telegram does). With `--channel wechat` the recipients are
WeChat users (channel "wechat" chat identities whose last message is within the 48-hour
customer-service window) and the fake is the fake WeChat API (tests/fakes/wechat_api.py:
stable_token, customer-service sends) with the same kind of token bucket, answering -1 (系统繁忙)
beyond it; the workers get WUGONG_WECHAT_APPID/APPSECRET/API_BASE pointing at it.

Real `wugong worker` processes on Redis send the broadcast, PostgreSQL behind (a fresh schema,
created and dropped here), with wugong's own limit set to L. The run is made twice: plainly,
and with one worker killed (SIGKILL to its process group) half-way and a new one started. For
each it prints the achieved rate / L, the recipients lost and duplicated, and the 429s (WeChat:
-1s) received.

    .venv/bin/python bench/broadcast.py [--channel telegram|wechat] [--recipients 10000]
        [--limit 100] [--database-url URL]

Bars (docs/design.md §4): ≥ 0.95 of L, 0 lost, 0 duplicated, in both runs.

"Lost" is a recipient the fake never sent anything to although its delivery row does not say
so. A worker killed between claiming a row and the platform receiving the request leaves a row
whose outcome nobody can know (Telegram has no idempotency key): it is recorded as ambiguous and
not sent again, and printed on its own line with whether the fake saw it arrive.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the fakes live under tests/

from bench.support import DEFAULT_DATABASE_URL, fresh_schema  # noqa: E402
from tests.fakes.processes import (  # noqa: E402
    fake_api_process,
    fake_stats,
    kill_hard,
    start_worker,
    stop,
    worker_env,
)
from tests.fakes.telegram_api import TOKEN  # noqa: E402
from tests.fakes.wechat_api import APPID as WECHAT_APPID  # noqa: E402
from tests.fakes.wechat_api import SECRET as WECHAT_SECRET  # noqa: E402

SECRET_KEY = "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
FIRST_CHAT = 8_000_000
RATE_BAR = 0.95


@dataclass
class Outcome:
    name: str
    seconds: float
    delivered: int
    lost: int
    duplicated: int
    throttled: int
    ambiguous: int
    ambiguous_arrived: int
    limit: float
    refusal: str = "429s"

    def lines(self) -> list[str]:
        rate = self.delivered / self.seconds if self.seconds else 0.0
        ratio = rate / self.limit
        ok = ratio >= RATE_BAR and self.lost == 0 and self.duplicated == 0
        return [
            f"{self.name:<10} {self.delivered} delivered in {self.seconds:6.1f} s: "
            f"{rate:6.1f} msg/s = {ratio:.3f} × L; lost {self.lost}; duplicated "
            f"{self.duplicated}; {self.refusal} received {self.throttled}  "
            f"[{'met' if ok else 'NOT met'}]",
            f"{'':<10} outcome unknown (a sender killed mid-send): {self.ambiguous}, of which "
            f"arrived {self.ambiguous_arrived}",
        ]


def wechat_openid(index: int) -> str:
    return f"oBroadcast{FIRST_CHAT + index:018d}"


def seed(database_url: str, recipients: int, channel: str = "telegram") -> None:
    """Migrate the schema and add `recipients` Telegram users (or WeChat users who wrote an
    hour ago: inside the customer-service window)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from db import migrate
    from db.engine import make_engine
    from db.enums import Channel
    from db.models import ChatIdentity
    from db.types import utcnow

    engine = make_engine(database_url)
    migrate.upgrade(engine)
    if channel == "wechat":
        wrote = utcnow() - timedelta(hours=1)
        rows = [
            {
                "channel": Channel.WECHAT,
                "external_id": wechat_openid(i),
                "state": {},
                "last_inbound_at": wrote,
            }
            for i in range(recipients)
        ]
    else:
        rows = [
            {"channel": Channel.TELEGRAM, "external_id": str(FIRST_CHAT + i), "state": {}}
            for i in range(recipients)
        ]
    with engine.begin() as connection:
        connection.execute(sa.insert(ChatIdentity), rows)
    engine.dispose()


def run_once(args: argparse.Namespace, database_url: str, *, kill: bool, workdir: Path) -> Outcome:
    import redis
    import sqlalchemy as sa

    from common import runtime as wugong_runtime
    from common.broker import setup_broker
    from common.settings import get_settings
    from db.enums import DeliveryStatus
    from db.models import Delivery
    from db.queries import broadcasts as rows
    from workers import context

    redis.Redis.from_url(args.redis_url).flushdb()
    wechat = args.channel == "wechat"
    chat_key = str if wechat else int
    burst = max(1.0, args.limit / 2)
    with fake_api_process(args.limit, burst=burst, channel=args.channel) as fake_url:
        platform = (
            {
                "wechat_appid": WECHAT_APPID,
                "wechat_appsecret": WECHAT_SECRET,
                "wechat_api_base": fake_url,
            }
            if wechat
            else {"telegram_token": TOKEN, "telegram_base_url": f"{fake_url}/bot"}
        )
        env = worker_env(
            database_url,
            args.redis_url,
            SECRET_KEY,
            **platform,
            send_rate=args.limit,
            send_chat_rate=1,
            broadcast_senders=args.senders,
            log_level="WARNING",
        )
        log = workdir / "workers.log"
        workers = [
            start_worker(env, threads=args.threads, cwd=workdir, log=log)
            for _ in range(args.workers)
        ]
        os.environ.update({k: v for k, v in env.items() if k.startswith("WUGONG_")})
        get_settings.cache_clear()  # this run's database and fake
        setup_broker(args.redis_url)
        runtime = wugong_runtime.start()
        context.install(runtime)
        from workers import broadcasts

        try:
            time.sleep(args.warmup)  # let the workers import and connect
            with runtime.sessions.begin() as session:
                number = rows.create_broadcast(
                    session, rows.Audience(), "【通知】务工补贴申报12月25日截止，请尽快申报。"
                ).id
            started = time.time()
            broadcasts.start(number, senders=args.senders)
            killed = not kill
            deadline = time.monotonic() + args.recipients / args.limit * 3 + 120
            while time.monotonic() < deadline:
                time.sleep(0.5)
                if not killed and sum(fake_stats(fake_url, chat_key).delivered.values()) >= (
                    args.recipients // 2
                ):
                    kill_hard(workers[0])
                    workers.append(start_worker(env, threads=args.threads, cwd=workdir, log=log))
                    killed = True
                with runtime.sessions() as session:
                    left = rows.progress(session, number)[DeliveryStatus.PENDING]
                if left == 0:
                    break
            time.sleep(2)  # the last sends' answers
            stats = fake_stats(fake_url, chat_key)
            with runtime.sessions() as session:
                statuses = dict(
                    session.execute(
                        sa.select(Delivery.chat_identity_id, Delivery.status).where(
                            Delivery.broadcast_id == number
                        )
                    ).all()
                )
                chats = dict(
                    session.execute(sa.text("SELECT id, external_id FROM chat_identity")).all()
                )
        finally:
            for worker in workers:
                stop(worker)
            runtime.close()
            context.install(None)
    unknown = {DeliveryStatus.CLAIMED, DeliveryStatus.AMBIGUOUS}
    received = stats.delivered
    lost = ambiguous = arrived = 0
    for identity, status in statuses.items():
        chat = chat_key(chats[identity])
        if status in unknown:
            ambiguous += 1
            arrived += chat in received
        elif chat not in received:
            lost += 1
    return Outcome(
        name="killed" if kill else "plain",
        seconds=stats.last_sent - started,
        delivered=sum(received.values()),
        lost=lost,
        duplicated=sum(1 for count in received.values() if count > 1),
        throttled=stats.throttled,
        ambiguous=ambiguous,
        ambiguous_arrived=arrived,
        limit=args.limit,
        refusal="-1s (busy)" if wechat else "429s",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channel", choices=["telegram", "wechat"], default="telegram")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=100.0, help="L, messages/s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--runs", choices=["both", "plain", "killed"], default="both")
    parser.add_argument(
        "--database-url", default=os.environ.get("WUGONG_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("WUGONG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    args = parser.parse_args()
    print(
        f"broadcast bench: {args.recipients} {args.channel} recipients, L = {args.limit:g} msg/s, "
        f"{args.workers} workers × {args.threads} threads, {args.senders} senders, "
        "PostgreSQL + Redis, loopback",
        flush=True,
    )
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"both": (False, True), "plain": (False,), "killed": (True,)}[args.runs]
        for kill in runs:
            with fresh_schema(args.database_url) as database_url:
                seed(database_url, args.recipients, args.channel)
                outcome = run_once(args, database_url, kill=kill, workdir=Path(tmp))
            outcomes.append(outcome)
            for line in outcome.lines():
                print(line, flush=True)
        log = (Path(tmp) / "workers.log").read_text(errors="replace")
    if "Traceback" in log:
        print("the workers logged tracebacks:\n" + log[-3000:])
    met = all(
        o.delivered / o.seconds / o.limit >= RATE_BAR and o.lost == 0 and o.duplicated == 0
        for o in outcomes
    )
    print(f"bars ≥ {RATE_BAR} × L, 0 lost, 0 duplicated: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
