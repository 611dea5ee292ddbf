"""One send rate for every process: a token bucket in Redis, paused as a whole on a 429.

docs/stack-notes.md §2: python-telegram-bot's AIORateLimiter counts per process and dramatiq's
rate limiters raise instead of waiting, so neither can pace several workers to ~30 messages/s.
Every broadcast, reminder and notification send asks `acquire()` first; the limit holds across
all worker processes because the bucket lives in Redis (in the embedded mode, with one process,
an in-memory bucket does the same). Replies to a user's own message are not counted: the
configured rate stays below the platform's so they keep their room.

The bucket is a GCRA (generic cell rate algorithm): one "theoretical arrival time" per key, so
a grant is one atomic script call and nothing needs refilling. A chat has its own key (1
message/s by default), and a platform's RetryAfter sets a pause key that stops every sender.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Protocol

import redis

from common.settings import MessagingSettings, Settings

log = logging.getLogger(__name__)

PREFIX = "wugong:send:"
# Senders wake at least this often while waiting, to notice a cancelled broadcast.
MAX_SLEEP = 0.25

_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return tostring(paused) end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait > 0 then return tostring(wait) end
if ARGV[4] == '1' then
  local chat_interval = tonumber(ARGV[3])
  local chat_tat = tonumber(redis.call('GET', KEYS[2]) or '0')
  if chat_tat > now then return tostring(chat_tat - now) end
  redis.call('SET', KEYS[2], tostring(now + chat_interval), 'PX',
             math.ceil(chat_interval) + 1000)
end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
return '0'
"""


class Limiter(Protocol):
    def try_acquire(self, chat: str | None = None) -> float:
        """Take a token for one message (to `chat`, if given): 0 when granted, else the
        seconds to wait before asking again."""

    def pause(self, seconds: float) -> None:
        """Stop every sender for `seconds` (the platform said RetryAfter)."""


class Pacing:
    """The intervals of a send rate, in milliseconds."""

    def __init__(self, settings: MessagingSettings) -> None:
        self.interval = 1000.0 / settings.send_rate
        # Up to a tenth of a second's messages may leave together, so a sender that wakes a
        # little late does not lower the rate; platforms tolerate such short bursts.
        self.tolerance = self.interval * max(0.0, settings.send_rate / 10 - 1)
        self.chat_interval = 1000.0 / settings.send_chat_rate


class RedisLimiter:
    """The limiter shared by every process that uses the same Redis."""

    def __init__(self, client: redis.Redis, settings: MessagingSettings) -> None:
        self.client = client
        self.pacing = Pacing(settings)
        self.script = client.register_script(_GCRA)

    def try_acquire(self, chat: str | None = None) -> float:
        pacing = self.pacing
        wait = self.script(
            keys=[PREFIX + "all", PREFIX + f"chat:{chat or ''}", PREFIX + "pause"],
            args=[pacing.interval, pacing.tolerance, pacing.chat_interval, "1" if chat else "0"],
        )
        return max(0.0, float(wait) / 1000)

    def pause(self, seconds: float) -> None:
        # Only lengthen a pause: a shorter RetryAfter from another sender must not cut it.
        milliseconds = max(1, int(seconds * 1000))
        current = self.client.pttl(PREFIX + "pause")
        if current is None or current < milliseconds:
            self.client.set(PREFIX + "pause", "1", px=milliseconds)


class LocalLimiter:
    """The same bucket in this process's memory: the embedded mode, which has one process."""

    def __init__(self, settings: MessagingSettings) -> None:
        self.pacing = Pacing(settings)
        self._lock = threading.Lock()
        self._tat = 0.0
        self._chats: dict[str, float] = {}
        self._paused_until = 0.0

    def try_acquire(self, chat: str | None = None) -> float:
        pacing = self.pacing
        with self._lock:
            now = time.monotonic() * 1000
            if self._paused_until > now:
                return (self._paused_until - now) / 1000
            tat = max(self._tat, now)
            wait = tat - pacing.tolerance - now
            if wait > 0:
                return wait / 1000
            if chat:
                chat_tat = self._chats.get(chat, 0.0)
                if chat_tat > now:
                    return (chat_tat - now) / 1000
                if len(self._chats) > 10_000:  # forget chats whose interval has passed
                    self._chats = {k: v for k, v in self._chats.items() if v > now}
                self._chats[chat] = now + pacing.chat_interval
            self._tat = tat + pacing.interval
            return 0.0

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() * 1000 + seconds * 1000)


def acquire(
    limiter: Limiter, chat: str | None = None, *, stop: Callable[[], bool] | None = None
) -> bool:
    """Wait until a message to `chat` may be sent; False if `stop()` became true meanwhile."""
    while True:
        try:
            wait = limiter.try_acquire(chat)
        except redis.RedisError:  # Redis restarting: nothing can be sent without the limit
            log.warning("the rate limiter's Redis cannot be reached; waiting", exc_info=True)
            wait = 1.0
        if wait <= 0:
            return True
        if stop is not None and stop():
            return False
        time.sleep(min(wait, MAX_SLEEP))


@cache
def _limiter(redis_url: str | None, rate: float, chat_rate: float) -> Limiter:
    settings = MessagingSettings(send_rate=rate, send_chat_rate=chat_rate)
    if redis_url:
        return RedisLimiter(redis.Redis.from_url(redis_url), settings)
    return LocalLimiter(settings)


def limiter(settings: Settings) -> Limiter:
    """This process's limiter: on Redis when WUGONG_REDIS_URL is set, else in memory."""
    messaging = settings.messaging
    return _limiter(settings.queue.redis_url, messaging.send_rate, messaging.send_chat_rate)
