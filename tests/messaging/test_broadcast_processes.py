"""Exactly once, with real processes: wugong workers on Redis, PostgreSQL, and a fake Bot API in
a process of its own that enforces a rate limit with 429 + retry_after. A worker is killed with
SIGKILL mid-broadcast, and Redis is restarted mid-broadcast (losing every queued message)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.broker import setup_broker
from common.runtime import Runtime
from common.settings import Settings
from db.crypto import install_keyring
from db.engine import make_sessionmaker
from db.enums import BroadcastStatus, Channel, DeliveryStatus
from db.models import Broadcast, ChatIdentity, Delivery
from db.queries import broadcasts as rows
from tests.conftest import TEST_SECRET, _missing_service
from tests.fakes.processes import (
    fake_api_process,
    fake_stats,
    kill_hard,
    start_worker,
    stop,
    worker_env,
)
from tests.fakes.serving import free_port
from tests.fakes.telegram_api import TOKEN
from tests.waiting import wait_until
from workers import broadcasts, context

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RECIPIENTS = 240
PLATFORM_LIMIT = 40  # the fake's messages/s; wugong is set faster, so 429s come
WUGONG_RATE = 60
FIRST_CHAT = 6_100_000
THREADS = 3
SENDERS = 2 * THREADS  # every thread of both workers: each worker runs some


def seed(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        session.execute(
            sa.insert(ChatIdentity),
            [
                {"channel": Channel.TELEGRAM, "external_id": str(FIRST_CHAT + i), "state": {}}
                for i in range(RECIPIENTS)
            ],
        )


@pytest.fixture
def sessions(postgres_engine, keyring) -> sessionmaker[Session]:
    install_keyring(keyring)
    return make_sessionmaker(postgres_engine)


@pytest.fixture
def cluster(
    postgres_url: str, postgres_engine, sessions, tmp_path: Path
) -> Iterator[Callable[[str], tuple[str, Callable[[], subprocess.Popen[bytes]]]]]:
    """Start the fake Bot API process and returns (its URL, a function that starts a worker on
    the given Redis); everything is stopped after the test."""
    processes: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "workers.log"
    with fake_api_process(PLATFORM_LIMIT, burst=5) as fake_url:

        def prepare(redis_url: str) -> tuple[str, Callable[[], subprocess.Popen[bytes]]]:
            env = worker_env(
                postgres_url,
                redis_url,
                TEST_SECRET.decode(),
                telegram_token=TOKEN,
                telegram_base_url=f"{fake_url}/bot",
                send_rate=WUGONG_RATE,
                broadcast_senders=SENDERS,
            )
            settings = Settings()
            settings.queue.redis_url = redis_url
            settings.messaging.broadcast_senders = SENDERS
            context.install(Runtime(settings=settings, engine=postgres_engine, sessions=sessions))
            setup_broker(redis_url)

            def start() -> subprocess.Popen[bytes]:
                process = start_worker(env, threads=THREADS, cwd=tmp_path, log=log)
                processes.append(process)
                return process

            return fake_url, start

        try:
            yield prepare
        finally:
            for process in processes:
                stop(process)
            context.install(None)
            setup_broker(None)


def begin_broadcast(sessions: sessionmaker[Session]) -> int:
    seed(sessions)
    with sessions.begin() as session:
        number = rows.create_broadcast(session, rows.Audience(), "【通知】请于12月25日前申报。").id
    broadcasts.start(number, senders=SENDERS)
    return number


def sweep() -> bool:
    """What the scheduler does every few seconds: restart a broadcast whose senders are gone."""
    broadcasts.resume_broadcasts.fn()
    return True


def delivered(fake_url: str) -> int:
    return sum(fake_stats(fake_url).delivered.values())


def pending(sessions: sessionmaker[Session], number: int) -> int:
    with sessions() as session:
        return rows.progress(session, number)[DeliveryStatus.PENDING]


def claims_in_flight(sessions: sessionmaker[Session], number: int, since: datetime) -> int:
    """Deliveries claimed since ``since`` (a killed sender's claims stay until the sweep
    expires them) whose sender has not recorded an outcome yet."""
    with sessions() as session:
        return session.scalar(
            sa.select(sa.func.count()).where(
                Delivery.broadcast_id == number,
                Delivery.status == DeliveryStatus.CLAIMED,
                Delivery.claimed_at > since,
            )
        )


def all_sent(sessions: sessionmaker[Session], number: int, since: datetime) -> bool:
    """Nothing left to send, and every live sender's last answer recorded."""
    return (
        sweep() and pending(sessions, number) == 0 and not claims_in_flight(sessions, number, since)
    )


def assert_exactly_once(sessions: sessionmaker[Session], fake_url: str, number: int) -> None:
    """Nobody got it twice; everyone got it, except rows recorded as of unknown outcome (a
    send in flight when its worker died), which are at most one per killed sender thread."""
    stats = fake_stats(fake_url)
    assert [chat for chat, count in stats.delivered.items() if count > 1] == []
    with sessions() as session:
        statuses = {
            int(external): status
            for external, status in session.execute(
                sa.select(ChatIdentity.external_id, Delivery.status)
                .join(Delivery, Delivery.chat_identity_id == ChatIdentity.id)
                .where(Delivery.broadcast_id == number)
            )
        }
    unknown = {
        c for c, s in statuses.items() if s in (DeliveryStatus.CLAIMED, DeliveryStatus.AMBIGUOUS)
    }
    lost = [c for c, s in statuses.items() if c not in stats.delivered and c not in unknown]
    assert lost == []
    assert len(unknown) <= THREADS
    assert all(statuses[c] == DeliveryStatus.SENT for c in stats.delivered if c not in unknown)
    assert stats.throttled > 0  # the platform's limit was hit and waited out


def finish(sessions: sessionmaker[Session], number: int, monkeypatch) -> Broadcast:
    """Let the sweep expire dead senders' claims (without waiting a minute) and finish."""
    monkeypatch.setattr(rows, "CLAIM_TIMEOUT", rows.CLAIM_TIMEOUT * 0)
    broadcasts.resume_broadcasts.fn()
    with sessions() as session:
        return session.get(Broadcast, number)


def test_a_worker_killed_mid_broadcast_loses_and_repeats_nothing(
    cluster, sessions, redis_url, monkeypatch
):
    """Given two workers sending a broadcast to 240 people through a platform limited to 40/s,
    when one is killed with SIGKILL half-way and another started, everyone gets the notice
    exactly once (or is recorded as of unknown outcome) and the broadcast finishes."""
    fake_url, start = cluster(redis_url)
    workers = [start(), start()]
    number = begin_broadcast(sessions)
    wait_until(
        lambda: delivered(fake_url) >= RECIPIENTS // 3, 60, "a third delivered", interval=0.3
    )
    kill_hard(workers[0])
    killed = datetime.now(UTC)
    start()
    wait_until(lambda: all_sent(sessions, number, killed), 90, "every delivery sent", interval=0.3)
    assert_exactly_once(sessions, fake_url, number)
    broadcast = finish(sessions, number, monkeypatch)
    assert broadcast.status == BroadcastStatus.FINISHED
    assert broadcast.sent + broadcast.ambiguous == RECIPIENTS


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A Redis server of this test's own on a free port (so restarting it disturbs nobody);
    yields a function that restarts it empty, as a Redis without persistence comes back."""
    binary = shutil.which("redis-server")
    if binary is None:
        _missing_service("redis-server is not installed: the Redis restart test is skipped")
    port = free_port()
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(tmp_path),
    ]
    server = [subprocess.Popen(command, stdout=subprocess.DEVNULL)]

    def up() -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def restart() -> None:
        server[0].kill()
        server[0].wait()
        time.sleep(1)  # on purpose: Redis is away for a while, as in a real restart
        server.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
        server.pop(0)
        up()

    up()
    restart.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    try:
        yield restart
    finally:
        server[0].kill()
        server[0].wait()


def test_a_redis_restart_mid_broadcast_loses_nothing(
    cluster, sessions, private_redis, postgres_url, monkeypatch
):
    """Given a broadcast being sent, when Redis is restarted empty half-way (every queued
    message lost), the rows are the record: the senders carry on or the sweep starts them
    again, and everyone gets the notice exactly once."""
    fake_url, start = cluster(private_redis.url)
    start()
    start()
    number = begin_broadcast(sessions)
    wait_until(
        lambda: delivered(fake_url) >= RECIPIENTS // 3, 60, "a third delivered", interval=0.3
    )
    private_redis()
    # A sender whose Redis call failed in the outage may leave its claim behind, as a killed
    # one does: only the claims made since Redis is back must get their outcome.
    back = datetime.now(UTC)
    wait_until(lambda: all_sent(sessions, number, back), 120, "every delivery sent", interval=0.3)
    assert_exactly_once(sessions, fake_url, number)
    broadcast = finish(sessions, number, monkeypatch)
    assert broadcast.status == BroadcastStatus.FINISHED
    assert broadcast.sent + broadcast.ambiguous == RECIPIENTS
