"""Fail safe on configuration (issue 13, point 6): a weak webhook secret stops the start, a
process with another secret key than the database's refuses to start, and /healthz names the
check that fails."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot.engine import Conversations
from common.runtime import Runtime
from common.settings import QueueSettings, Settings
from db.crypto import Keyring
from db.engine import make_engine, make_sessionmaker
from db.models import ChatIdentity, KeyCheck
from tests.fakes.telegram_api import Updates, serve_fake
from tests.test_serve import clean_environment, free_port, start_server, stop, wait_healthy
from wugong.web import create_app

KEY_A = "a" * 48
KEY_B = "b" * 48
SECRET = "a-proper-webhook-secret-0123"
FORGER = 5550666


def wugong(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wugong.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("secret", ["", "too-short-secret"[:15]])
def test_a_weak_webhook_secret_stops_the_start(tmp_path, secret):
    """Given webhook mode with an empty or 15-character secret (the empty line .env.example
    used to ship), `wugong serve` does not start: one line names the setting."""
    env = clean_environment(
        WUGONG_HTTP_PORT=str(free_port()),
        WUGONG_TELEGRAM_TOKEN="123456:TEST-token",
        WUGONG_TELEGRAM_MODE="webhook",
        WUGONG_TELEGRAM_WEBHOOK_SECRET=secret,
    )
    result = wugong(tmp_path, env, "serve")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WUGONG_TELEGRAM_WEBHOOK_SECRET" in lines[0], result.stderr
    assert "at least 16 characters" in lines[0]


def test_a_forged_update_without_the_secret_is_refused(tmp_path):
    """Given `wugong serve` in webhook mode with a proper secret, a forged update (a shared
    contact that would verify a victim's phone) posted without the secret, or with a wrong
    one, is refused with 403 and reaches no conversation."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = tmp_path / "var" / "wugong.sqlite3"
    with serve_fake() as fake:
        env = clean_environment(
            WUGONG_HTTP_PORT=str(port),
            WUGONG_TELEGRAM_TOKEN=fake.token,
            WUGONG_TELEGRAM_BASE_URL=fake.base_url,
            WUGONG_TELEGRAM_MODE="webhook",
            WUGONG_TELEGRAM_WEBHOOK_SECRET=SECRET,
        )
        process = start_server(tmp_path, env)
        try:
            wait_healthy(process, base)
            forged = Updates().contact(FORGER, "+86 138 0013 8000")
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guessed-secret-123456"}):
                request = urllib.request.Request(
                    f"{base}/telegram",
                    data=json.dumps(forged).encode(),
                    headers={"Content-Type": "application/json", **headers},
                )
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(request, timeout=10)
                assert refused.value.code == 403
        finally:
            output = stop(process)
        assert fake.sent(FORGER) == []
    assert process.returncode == 0, output
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(ChatIdentity)) == 0
    finally:
        engine.dispose()


def test_serve_refuses_another_secret_key_than_the_databases(tmp_path):
    """Given a database written with one key, `wugong serve` started with another refuses to
    start with one line saying why, instead of telling registered people they are unknown."""
    database = f"sqlite:///{tmp_path / 'wugong.sqlite3'}"
    first = wugong(
        tmp_path, clean_environment(WUGONG_DATABASE_URL=database, WUGONG_SECRET_KEY=KEY_A),
        "db", "upgrade",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    env = clean_environment(
        WUGONG_DATABASE_URL=database,
        WUGONG_SECRET_KEY=KEY_B,
        WUGONG_HTTP_PORT=str(free_port()),
    )
    result = wugong(tmp_path, env, "serve")
    assert result.returncode == 2
    refusal = [line for line in result.stderr.splitlines() if line.startswith("wugong:")]
    assert len(refusal) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "WUGONG_SECRET_KEY differs from the key this database was written with" in refusal[0]


def test_a_cli_command_refuses_another_secret_key(tmp_path, postgres_url):
    """The same for a one-shot command on PostgreSQL: it refuses, and the right key works."""
    first = wugong(
        tmp_path, clean_environment(WUGONG_DATABASE_URL=postgres_url, WUGONG_SECRET_KEY=KEY_A),
        "db", "upgrade",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    wrong = clean_environment(WUGONG_DATABASE_URL=postgres_url, WUGONG_SECRET_KEY=KEY_B)
    result = wugong(tmp_path, wrong, "staff", "invite", "--role", "cadre", "--region", "140581")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "wugong: WUGONG_SECRET_KEY differs from the key this database was written with: start "
        "with that key (its personal data cannot be read with another one)"
    ]
    right = clean_environment(WUGONG_DATABASE_URL=postgres_url, WUGONG_SECRET_KEY=KEY_A)
    assert wugong(tmp_path, right, "db", "upgrade").returncode == 0


async def health(runtime: Runtime) -> httpx.Response:
    app = create_app(runtime, Conversations(runtime.sessions))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        return await client.get("/healthz")


def settings_with(redis_url: str | None = None) -> Settings:
    settings = Settings()
    settings.queue = QueueSettings(redis_url=redis_url)
    return settings


async def test_healthz_names_each_check_when_all_is_well(engine, keyring, redis_url):
    runtime = Runtime(settings_with(redis_url), engine, make_sessionmaker(engine))
    response = await health(runtime)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "key": "ok"}


async def test_healthz_is_503_when_the_database_is_down(keyring):
    engine = make_engine("postgresql+psycopg://wugong@127.0.0.1:1/down", connect_args={
        "connect_timeout": 2})  # fmt: skip
    try:
        response = await health(Runtime(settings_with(), engine, make_sessionmaker(engine)))
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "down"


async def test_healthz_is_503_when_redis_is_down(engine, keyring):
    runtime = Runtime(settings_with("redis://127.0.0.1:1/0"), engine, make_sessionmaker(engine))
    response = await health(runtime)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable", "database": "ok", "redis": "down", "key": "ok"
    }  # fmt: skip


async def test_healthz_is_503_when_the_database_has_another_key(engine, keyring):
    """Given a database whose personal data was written under another secret key (its
    fingerprint differs), /healthz no longer says ok: the key check fails."""
    with engine.begin() as connection:
        connection.execute(sa.insert(KeyCheck).values(id=1, fingerprint="0" * 64))
    runtime = Runtime(settings_with(), engine, make_sessionmaker(engine))
    response = await health(runtime)
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "key": "mismatch"}


def test_a_database_with_people_but_no_fingerprint_refuses_another_key(tmp_path):
    """Given people written under one key and no fingerprint yet (the key changed in the very
    upgrade that adds it), a start with another key refuses instead of recording its own."""
    database = f"sqlite:///{tmp_path / 'wugong.sqlite3'}"
    env = clean_environment(WUGONG_DATABASE_URL=database, WUGONG_SECRET_KEY=KEY_A)
    assert wugong(tmp_path, env, "db", "upgrade").returncode == 0
    engine = make_engine(database)
    try:
        keys = Keyring.from_secret(KEY_A.encode())
        with engine.begin() as connection:
            connection.execute(sa.delete(KeyCheck))
            connection.execute(
                sa.text("INSERT INTO person (name, id_number, id_index) VALUES (:n, :i, :x)"),
                {"n": "张三", "i": keys.encrypt("140581199003151232"), "x": "0" * 64},
            )
    finally:
        engine.dispose()
    wrong = clean_environment(WUGONG_DATABASE_URL=database, WUGONG_SECRET_KEY=KEY_B)
    result = wugong(tmp_path, wrong, "db", "upgrade")
    assert result.returncode == 2
    assert "WUGONG_SECRET_KEY differs" in result.stderr and "Traceback" not in result.stderr
    assert wugong(tmp_path, env, "db", "upgrade").returncode == 0  # the right key records it
