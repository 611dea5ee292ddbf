"""Real processes for tests and benchmarks: the fake Bot API (or the fake WeChat API) on its own,
and wugong workers that can be stopped politely or killed outright (SIGKILL to the whole process
group)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.serving import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class FakeStats:
    delivered: dict[Any, int]  # chat (Telegram: int; WeChat: the openid) -> messages
    throttled: int
    last_sent: float


@contextmanager
def fake_api_process(
    rate_limit: float | None = None, burst: float | None = None, *, channel: str = "telegram"
) -> Iterator[str]:
    """The fake Bot API (channel "wechat": the fake WeChat API) in its own process (so it does
    not share a GIL with what it measures); yields its URL once it answers."""
    port = free_port()
    module = {"telegram": "tests.fakes.telegram_api", "wechat": "tests.fakes.wechat_api"}[channel]
    command = [sys.executable, "-m", module, str(port)]
    if rate_limit is not None:
        command += [str(rate_limit), str(burst if burst is not None else rate_limit / 2)]
    process = subprocess.Popen(command, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/_fake/stats", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_until_up(url: str, process: subprocess.Popen[Any], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer")
        time.sleep(0.1)


def fake_stats(url: str, chat: Callable[[str], Any] = int) -> FakeStats:
    """The fake's counts; `chat` reads a chat's key (Telegram's ids are ints, WeChat's str)."""
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=30) as response:
        data = json.load(response)
    return FakeStats(
        {chat(k): v for k, v in data["delivered"].items()}, data["throttled"], data["last_sent"]
    )


def worker_env(database_url: str, redis_url: str, secret: str, **settings: Any) -> dict[str, str]:
    """The environment of a wugong process: no WUGONG_ setting of ours leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    env.update(
        WUGONG_DATABASE_URL=database_url, WUGONG_REDIS_URL=redis_url, WUGONG_SECRET_KEY=secret
    )
    env.update({f"WUGONG_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def start_worker(
    env: dict[str, str], *, threads: int, cwd: Path, log: Path
) -> subprocess.Popen[Any]:
    """`wugong worker` (one dramatiq process) in a process group of its own."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wugong.cli",
                "worker",
                "--processes",
                "1",
                "--threads",
                str(threads),
            ],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_hard(process: subprocess.Popen[Any]) -> None:
    """SIGKILL the worker and its children at once, as the OOM killer or a power cut would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
