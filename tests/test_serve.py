"""`wugong serve` end to end: the embedded default answers /healthz and serves the page."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fakes.serving import free_port


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def clean_environment(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    env.update(overrides)
    return env


def start_server(cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wugong.cli", "serve"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(process: subprocess.Popen[str], base: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{process.stdout.read()}")
        try:
            status, body = fetch(base + "/healthz")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return json.loads(body)
    raise AssertionError("server did not become healthy in time")


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"server ignored SIGTERM:\n{output}") from None
    return output


def test_serve_embedded_default_from_an_empty_folder(tmp_path):
    """Given a fresh folder and no settings, when `wugong serve` starts, then it creates its
    SQLite database and private key under var/, answers /healthz and serves the page in Chinese."""
    port = free_port()
    started = time.monotonic()
    process = start_server(tmp_path, clean_environment(WUGONG_HTTP_PORT=str(port)))
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_healthy(process, base)
        assert health == {"status": "ok", "database": "ok", "key": "ok"}

        status, page = fetch(base + "/")
        assert status == 200
        assert "务工补贴助手" in page
        assert 'name="viewport"' in page

        status, page = fetch(base + "/?lang=en")
        assert "Labour subsidy assistant" in page
        # Long enough for the 5-second sweep to have run at least once. A fixed wait on
        # purpose: what is tested is that a sweep with nothing to do leaves no trace at all.
        time.sleep(max(0.0, started + 7 - time.monotonic()))
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    # Sweeps that found nothing to do say nothing (APScheduler would log each run twice).
    assert "Running job" not in output and "executed successfully" not in output
    assert (tmp_path / "var" / "wugong.sqlite3").exists()
    key = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_serve_on_postgresql(tmp_path, postgres_url):
    """Given PostgreSQL and a secret key, `wugong serve` migrates it and reports healthy."""
    port = free_port()
    env = clean_environment(
        WUGONG_HTTP_PORT=str(port),
        WUGONG_DATABASE_URL=postgres_url,
        WUGONG_SECRET_KEY="s" * 48,
        WUGONG_SMS_PROVIDER="log",  # PostgreSQL refuses the log provider unless it is chosen
    )
    process = start_server(tmp_path, env)
    try:
        assert wait_healthy(process, f"http://127.0.0.1:{port}")["database"] == "ok"
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert not (tmp_path / "var" / "secret.key").exists(), "no key file beside PostgreSQL"


def run_wugong(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wugong.cli", *args],
        cwd=cwd,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_is_idempotent(tmp_path):
    first = run_wugong("db", "upgrade", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = run_wugong("db", "upgrade", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert first.stdout.strip().splitlines()[-1] == second.stdout.strip().splitlines()[-1]
    assert "database at revision" in second.stdout
    # The result only: the migrations' INFO lines are for WUGONG_LOG_LEVEL=INFO.
    assert first.stdout.count("\n") == 1 and first.stderr == "", first.stderr


def test_a_missing_secret_key_in_production_is_one_clear_line(tmp_path):
    result = run_wugong(
        "db", "upgrade", cwd=tmp_path, WUGONG_DATABASE_URL="postgresql+psycopg://u@127.0.0.1:1/x"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "wugong: WUGONG_SECRET_KEY must be set when Redis or PostgreSQL is used"
    )


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_production_processes_need_redis(tmp_path, command):
    result = run_wugong(command, cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "WUGONG_REDIS_URL" in result.stderr
