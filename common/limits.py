"""Counting limits: at most N events per key in a window (requests per address, ID guesses per
session, codes per phone, objections per identity a day).

One interface, two stores: Redis when the process has one (every process then shares the
counts), process memory in the embedded mode (one process serves everything). The window is
fixed (a key's count restarts at each multiple of the window): cheap, one round trip, and an
attacker gains at most twice the limit across a window border, which the limits allow for.

    limits = counting_limits(settings.queue.redis_url)
    refusal = limits.hit(f"chat:addr:{address}", Limit(60, 60))
    if refusal is not None:
        ...  # answer 429 with Retry-After: refusal.retry_after
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import redis

PREFIX = "wugong:limit:"


@dataclass(frozen=True)
class Limit:
    """At most `count` events in `seconds`."""

    count: int
    seconds: int


@dataclass(frozen=True)
class Refused:
    """The event is over its limit; it may be tried again after `retry_after` seconds."""

    retry_after: int


class Limits(Protocol):
    def hit(self, key: str, limit: Limit) -> Refused | None:
        """Count one event under `key`; a Refused when it is over `limit` (it still counts)."""
        ...

    def peek(self, key: str, limit: Limit) -> Refused | None:
        """Whether one more event would be refused, without counting it."""
        ...

    def reset(self, key: str, limit: Limit) -> None:
        """Forget the events of `key` in the current window (e.g. after a correct code)."""
        ...

    def hit_all(self, hits: Sequence[tuple[str, Limit]]) -> list[Refused | None]:
        """`hit` of each (key, limit), in one round trip where the store has round trips."""
        ...

    def peek_all(self, hits: Sequence[tuple[str, Limit]]) -> list[Refused | None]:
        """`peek` of each (key, limit), in one round trip where the store has round trips."""
        ...


def _window(limit: Limit, now: float) -> tuple[int, int]:
    """The window's number and the whole seconds until it ends (at least 1)."""
    number = int(now // limit.seconds)
    return number, max(1, math.ceil((number + 1) * limit.seconds - now))


class MemoryLimits:
    """The embedded store: a dict guarded by a lock, old windows dropped as they pass."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._counts: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()

    def _key(self, key: str, limit: Limit) -> tuple[tuple[str, int, int], int]:
        number, left = _window(limit, self.clock())
        return (key, limit.seconds, number), left

    def hit(self, key: str, limit: Limit) -> Refused | None:
        slot, left = self._key(key, limit)
        with self._lock:
            if len(self._counts) > 100_000:
                self._forget_old()
            count = self._counts.get(slot, 0) + 1
            self._counts[slot] = count
        return Refused(left) if count > limit.count else None

    def peek(self, key: str, limit: Limit) -> Refused | None:
        slot, left = self._key(key, limit)
        with self._lock:
            count = self._counts.get(slot, 0)
        return Refused(left) if count >= limit.count else None

    def reset(self, key: str, limit: Limit) -> None:
        slot, _ = self._key(key, limit)
        with self._lock:
            self._counts.pop(slot, None)

    def hit_all(self, hits: Sequence[tuple[str, Limit]]) -> list[Refused | None]:
        return [self.hit(key, limit) for key, limit in hits]

    def peek_all(self, hits: Sequence[tuple[str, Limit]]) -> list[Refused | None]:
        return [self.peek(key, limit) for key, limit in hits]

    def _forget_old(self) -> None:
        now = self.clock()
        current = {
            slot: count for slot, count in self._counts.items() if slot[2] == int(now // slot[1])
        }
        self._counts = current


class RedisLimits:
    """The shared store: INCR of a per-window key that expires with its window."""

    def __init__(self, client: redis.Redis, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.clock = clock

    def _key(self, key: str, limit: Limit) -> tuple[str, int]:
        number, left = _window(limit, self.clock())
        return f"{PREFIX}{key}:{limit.seconds}:{number}", left

    def hit(self, key: str, limit: Limit) -> Refused | None:
        name, left = self._key(key, limit)
        pipe = self.client.pipeline()
        pipe.incr(name)
        pipe.expire(name, left + 1)
        count, _ = pipe.execute()
        return Refused(left) if int(count) > limit.count else None

    def peek(self, key: str, limit: Limit) -> Refused | None:
        name, left = self._key(key, limit)
        count = int(self.client.get(name) or 0)
        return Refused(left) if count >= limit.count else None

    def reset(self, key: str, limit: Limit) -> None:
        name, _ = self._key(key, limit)
        self.client.delete(name)

    def hit_all(self, hits: Sequence[tuple[str, Limit]]) -> list[Refused | None]:
        keys = [self._key(key, limit) for key, limit in hits]
        pipe = self.client.pipeline()
        for name, left in keys:
            pipe.incr(name)
            pipe.expire(name, left + 1)
        counts = pipe.execute()[::2]
        return [
            Refused(left) if int(count) > limit.count else None
            for (name, left), count, (_, limit) in zip(keys, counts, hits, strict=True)
        ]

    def peek_all(self, hits: Sequence[tuple[str, Limit]]) -> list[Refused | None]:
        if not hits:
            return []
        keys = [self._key(key, limit) for key, limit in hits]
        counts = self.client.mget([name for name, _ in keys])
        return [
            Refused(left) if int(count or 0) >= limit.count else None
            for (name, left), count, (_, limit) in zip(keys, counts, hits, strict=True)
        ]


def first_refusal(limits: Limits, hits: Sequence[tuple[str, Limit]]) -> Refused | None:
    """Count every (key, limit) and return the refusal that lasts longest, if any."""
    return _longest(limits.hit_all(hits))


def peek_refusal(limits: Limits, hits: Sequence[tuple[str, Limit]]) -> Refused | None:
    """The refusal that would last longest if every (key, limit) were counted now; nothing
    is counted."""
    return _longest(limits.peek_all(hits))


def _longest(refusals: list[Refused | None]) -> Refused | None:
    return max((r for r in refusals if r is not None), key=lambda r: r.retry_after, default=None)


_shared: dict[str | None, Limits] = {}
_shared_lock = threading.Lock()


def counting_limits(redis_url: str | None) -> Limits:
    """The process's limits store for a Redis URL (None: in memory), made once."""
    with _shared_lock:
        if redis_url not in _shared:
            _shared[redis_url] = (
                RedisLimits(redis.Redis.from_url(redis_url)) if redis_url else MemoryLimits()
            )
        return _shared[redis_url]
