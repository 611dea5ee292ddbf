"""Waiting in tests for a condition, never for a fixed time: a fixed sleep is too short on a
loaded machine and too long everywhere else."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator


def wait_until(
    predicate: Callable[[], object],
    timeout: float = 30,
    what: str = "the condition",
    *,
    interval: float = 0.05,
) -> None:
    """Return as soon as ``predicate()`` is true; fail when ``timeout`` seconds pass first."""
    for _ in _not_yet(predicate, timeout, what):
        time.sleep(interval)


async def wait_until_async(
    predicate: Callable[[], object],
    timeout: float = 30,
    what: str = "the condition",
    *,
    interval: float = 0.05,
) -> None:
    """`wait_until` for a test on the event loop: the loop goes on (the app's tasks run)."""
    for _ in _not_yet(predicate, timeout, what):
        await asyncio.sleep(interval)


def _not_yet(predicate: Callable[[], object], timeout: float, what: str) -> Iterator[None]:
    """One step each time ``predicate()`` is still false (the caller waits); an AssertionError
    once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        yield


# For an in-process dramatiq.Worker(..., worker_timeout=WORKER_TIMEOUT_MS): its threads look up
# from their queues this often, so stop() returns in 0.2 s rather than dramatiq's default 2 s.
WORKER_TIMEOUT_MS = 100
