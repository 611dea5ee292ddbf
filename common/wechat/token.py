"""One WeChat access_token for every process (issue 14, point 4).

`/cgi-bin/token` hands out a new token and invalidates the one other processes hold, so
processes refreshing on their own chase each other on 40001. wugong only ever calls
`/cgi-bin/stable_token`, which returns the same token while it lives, and keeps it in one
place: Redis when the process has one (every process shares it), process memory in the
embedded mode. A fetch happens under a lock (Redis `SET NX PX`): the process that takes it
fetches and stores, the others wait and read the cache, so N workers starting at once cause
one fetch.

A 40001/42001 on a call means the token used is no longer good. `TokenSource.replace(used)`
refetches only when the cache still holds that very token (otherwise another process already
replaced it); a normal fetch returning the same bad token is followed by at most one forced
refresh per FORCE_EVERY seconds across all processes (WeChat allows 20 a day). The caller
retries its call once with the new token and never loops.

Each process keeps the token it read for LOCAL_SECONDS instead of asking Redis on every call;
a token another process replaced meanwhile comes back as a 40001 and is replaced from the
cache (no fetch: the cache no longer holds the refused token).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis

from common.wechat.errors import INVALID_TOKEN, WechatError

log = logging.getLogger(__name__)

PREFIX = "wugong:wechat:"
MARGIN_SECONDS = 300  # a token is dropped from the cache this long before WeChat expires it
LOCK_MS = 10_000  # a fetch holding the lock longer than this is presumed dead
WAIT_SECONDS = 12.0  # how long a process waits for another one's fetch
POLL_SECONDS = 0.05
FORCE_EVERY = 60  # at most one forced refresh per minute, across processes
LOCAL_SECONDS = 30.0  # how long a process uses the token it read without reading it again

# fetch(force_refresh) -> (access_token, expires_in seconds)
Fetch = Callable[[bool], tuple[str, int]]


class TokenStore(Protocol):
    def read(self) -> str | None: ...

    def write(self, token: str, ttl_seconds: int) -> None: ...

    def lock(self) -> str | None:
        """Take the fetch lock without waiting: a handle to release it, or None if taken."""
        ...

    def unlock(self, handle: str) -> None: ...

    def claim_force(self) -> bool:
        """True for the first caller in FORCE_EVERY seconds: it may force a refresh."""
        ...


_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisTokenStore:
    """The token in Redis, shared by every process of the deployment."""

    def __init__(self, client: redis.Redis, appid: str) -> None:
        self.client = client
        self.key = f"{PREFIX}{appid}:token"
        self.lock_key = f"{PREFIX}{appid}:token:lock"
        self.force_key = f"{PREFIX}{appid}:token:forced"
        self._unlock = client.register_script(_UNLOCK)

    def read(self) -> str | None:
        value = self.client.get(self.key)
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    def write(self, token: str, ttl_seconds: int) -> None:
        self.client.set(self.key, token, ex=max(1, ttl_seconds))

    def lock(self) -> str | None:
        handle = uuid.uuid4().hex
        return handle if self.client.set(self.lock_key, handle, nx=True, px=LOCK_MS) else None

    def unlock(self, handle: str) -> None:
        self._unlock(keys=[self.lock_key], args=[handle])

    def claim_force(self) -> bool:
        return bool(self.client.set(self.force_key, "1", nx=True, ex=FORCE_EVERY))


class MemoryTokenStore:
    """The token in this process (the embedded mode: one process serves everything)."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._until = 0.0
        self._lock = threading.Lock()
        self._forced_at = -float(FORCE_EVERY)
        self._force_lock = threading.Lock()

    def read(self) -> str | None:
        return self._token if self._token is not None and time.monotonic() < self._until else None

    def write(self, token: str, ttl_seconds: int) -> None:
        self._token, self._until = token, time.monotonic() + max(1, ttl_seconds)

    def lock(self) -> str | None:
        return "held" if self._lock.acquire(blocking=False) else None

    def unlock(self, handle: str) -> None:
        self._lock.release()

    def claim_force(self) -> bool:
        now = time.monotonic()
        with self._force_lock:
            if now - self._forced_at < FORCE_EVERY:
                return False
            self._forced_at = now
            return True


@dataclass
class TokenSource:
    """The current access_token: from the store, or fetched once under the store's lock."""

    store: TokenStore
    fetch: Fetch
    margin: int = MARGIN_SECONDS
    wait_seconds: float = WAIT_SECONDS
    local_seconds: float = LOCAL_SECONDS
    # The token this process read and until when (monotonic) it uses it without reading.
    _local: tuple[str, float] | None = field(default=None, init=False, repr=False)

    def get(self) -> str:
        local = self._local
        if local is not None and time.monotonic() < local[1]:
            return local[0]
        token = self.store.read()
        return self._keep(token if token is not None else self._fetch_shared(bad=None))

    def replace(self, used: str) -> str:
        """A token to retry with after `used` was refused (40001/42001)."""
        self._local = None
        return self._keep(self._fetch_shared(bad=used))

    def _keep(self, token: str) -> str:
        self._local = (token, time.monotonic() + self.local_seconds)
        return token

    def _fetch_shared(self, bad: str | None) -> str:
        deadline = time.monotonic() + self.wait_seconds
        while True:
            handle = self.store.lock()
            if handle is not None:
                try:
                    return self._fetch_locked(bad)
                finally:
                    self.store.unlock(handle)
            # Another process fetches: wait for its result in the cache.
            while time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
                token = self.store.read()
                if token is not None and token != bad:
                    return token
                if self._lock_free():
                    break
            else:
                raise WechatError(INVALID_TOKEN, "timed out waiting for another process's fetch")

    def _lock_free(self) -> bool:
        handle = self.store.lock()
        if handle is None:
            return False
        self.store.unlock(handle)
        return True

    def _fetch_locked(self, bad: str | None) -> str:
        cached = self.store.read()
        if cached is not None and cached != bad:
            return cached  # fetched (or replaced) by another process meanwhile
        token, expires_in = self.fetch(False)
        if bad is not None and token == bad:
            # stable_token still returns the refused token: force a new one, but only once
            # per FORCE_EVERY across the deployment (a forced refresh invalidates the old one).
            if not self.store.claim_force():
                raise WechatError(INVALID_TOKEN, "token refused and refreshed a moment ago")
            log.warning("WeChat refused a token stable_token still returns: forcing a refresh")
            token, expires_in = self.fetch(True)
        self.store.write(token, expires_in - self.margin)
        log.info("WeChat access_token fetched (valid %d s)", expires_in)
        return token


def token_store(redis_url: str | None, appid: str) -> TokenStore:
    """The store of the deployment: Redis when configured, else this process's memory."""
    if redis_url:
        return RedisTokenStore(redis.Redis.from_url(redis_url), appid)
    return _memory_store(appid)


_memory: dict[str, MemoryTokenStore] = {}
_memory_lock = threading.Lock()


def _memory_store(appid: str) -> MemoryTokenStore:
    with _memory_lock:
        return _memory.setdefault(appid, MemoryTokenStore())
