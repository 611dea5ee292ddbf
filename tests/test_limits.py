"""common.limits: fixed-window counting in process memory and in Redis, with an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from common.limits import (
    Limit,
    MemoryLimits,
    RedisLimits,
    Refused,
    counting_limits,
    first_refusal,
    peek_refusal,
)

START = 1_800_000_000.0  # a multiple of 60 and of 3600: a window begins here


@dataclass
class Clock:
    now: float = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "redis"])
def limits(request: pytest.FixtureRequest, clock: Clock) -> Iterator[MemoryLimits | RedisLimits]:
    if request.param == "memory":
        yield MemoryLimits(clock=clock)
        return
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    try:
        yield RedisLimits(client, clock=clock)
    finally:
        client.close()


def test_the_count_is_allowed_then_refused_until_the_window_ends(limits, clock):
    three = Limit(3, 60)
    clock.now = START + 15
    assert [limits.hit("a", three) for _ in range(3)] == [None, None, None]
    assert limits.hit("a", three) == Refused(45)
    clock.now = START + 59.5
    assert limits.hit("a", three) == Refused(1)  # at least a second
    clock.now = START + 60
    assert limits.hit("a", three) is None


def test_keys_and_window_lengths_are_counted_apart(limits):
    one = Limit(1, 60)
    assert limits.hit("a", one) is None
    assert limits.hit("b", one) is None
    assert limits.hit("a", Limit(1, 3600)) is None
    assert limits.hit("a", one) == Refused(60)


def test_peek_does_not_count_and_reset_forgets(limits):
    two = Limit(2, 60)
    assert limits.peek("a", two) is None
    limits.hit("a", two)
    assert limits.peek("a", two) is None
    limits.hit("a", two)
    assert limits.peek("a", two) == Refused(60)
    limits.reset("a", two)
    assert limits.peek("a", two) is None
    assert limits.hit("a", two) is None


def test_first_refusal_counts_every_key_and_returns_the_longest(limits, clock):
    clock.now = START + 30
    hits = [("minute", Limit(1, 60)), ("hour", Limit(1, 3600))]
    assert first_refusal(limits, hits) is None
    assert first_refusal(limits, hits) == Refused(3570)
    assert limits.peek("minute", Limit(2, 60)) == Refused(30)  # both were counted twice


def test_peek_refusal_counts_nothing_and_returns_the_longest(limits, clock):
    clock.now = START + 30
    hits = [("minute", Limit(1, 60)), ("hour", Limit(2, 3600)), ("none", Limit(1, 60))]
    assert peek_refusal(limits, hits) is None
    assert peek_refusal(limits, []) is None
    limits.hit("minute", Limit(1, 60))
    assert peek_refusal(limits, hits) == Refused(30)
    limits.hit("hour", Limit(2, 3600))
    limits.hit("hour", Limit(2, 3600))
    assert peek_refusal(limits, hits) == Refused(3570)
    assert limits.peek("none", Limit(1, 60)) is None  # peeking counted nothing


def test_memory_forgets_old_windows_when_it_grows(clock):
    limits = MemoryLimits(clock=clock)
    for number in range(100_001):
        limits.hit(f"k{number}", Limit(5, 60))
    clock.now += 60
    limits.hit("new", Limit(5, 60))
    assert len(limits._counts) == 1


def test_redis_keys_expire_with_their_window(redis_url, clock):
    client = redis.Redis.from_url(redis_url)
    try:
        RedisLimits(client, clock=clock).hit("a", Limit(1, 60))
        (key,) = client.keys("wugong:limit:*")
        assert 0 < client.ttl(key) <= 61
    finally:
        client.close()


def test_counting_limits_is_one_store_per_url(redis_url):
    assert isinstance(counting_limits(None), MemoryLimits)
    assert counting_limits(None) is counting_limits(None)
    assert isinstance(counting_limits(redis_url), RedisLimits)
    assert counting_limits(redis_url) is counting_limits(redis_url)
