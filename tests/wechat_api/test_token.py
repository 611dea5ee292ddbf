"""One access_token for every process: stable_token only, fetched once under a lock, and a
refused token replaced once without a loop (issue 14, point 4)."""

from __future__ import annotations

import threading

import pytest
import redis

from common.wechat.api import WechatApi
from common.wechat.errors import INVALID_TOKEN, WechatError
from common.wechat.token import MemoryTokenStore, RedisTokenStore, TokenSource, token_store
from tests.fakes.wechat_api import CUSTOM, FakeWechatAPI

STABLE = "/cgi-bin/stable_token"


def _start_together(count: int, target) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = target(index)
        except Exception as error:  # recorded for the assertion
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_ten_workers_starting_at_once_fetch_the_token_once(wechat: FakeWechatAPI, redis_url):
    """Given 10 workers, each with its own client and Redis connection (as separate processes
    have), starting at once while a fetch takes 0.3 s, WeChat sees one stable_token call and
    every worker sends with that token."""
    wechat.token_fetch_delay = 0.3
    settings = wechat.settings()

    def worker(index: int) -> str:
        client = redis.Redis.from_url(redis_url)
        api = WechatApi(settings, store=RedisTokenStore(client, settings.wechat_appid or ""))
        try:
            api.send_text(f"openid-{index}", "你好")
            return api.access_token()
        finally:
            api.close()
            client.close()

    tokens = _start_together(10, worker)
    assert len(wechat.calls_of(STABLE)) == 1
    assert set(tokens) == {wechat.token}
    assert len(wechat.sent()) == 10
    assert not wechat.calls_of("/cgi-bin/token")  # never the invalidating endpoint
    body = wechat.calls_of(STABLE)[0].body
    assert body["grant_type"] == "client_credential" and body["force_refresh"] is False


def test_threads_of_the_embedded_process_fetch_once(wechat: FakeWechatAPI):
    """Without Redis the token is kept in the process, under the same lock discipline."""
    wechat.token_fetch_delay = 0.3
    store = MemoryTokenStore()
    api = WechatApi(wechat.settings(), store=store)
    results = _start_together(10, lambda _i: api.access_token())
    assert len(wechat.calls_of(STABLE)) == 1
    assert set(results) == {wechat.token}
    api.close()


def test_the_token_is_shared_through_redis(wechat: FakeWechatAPI, redis_url):
    """A second process finds the first one's token in Redis and fetches nothing."""
    settings = wechat.settings()
    first = WechatApi(settings, redis_url)
    second = WechatApi(settings, redis_url)
    assert first.access_token() == second.access_token()
    assert len(wechat.calls_of(STABLE)) == 1
    assert isinstance(token_store(redis_url, "x"), RedisTokenStore)


def test_a_refused_token_is_replaced_once_and_the_call_retried_once(wechat, api):
    """Given a token someone else invalidated, a send gets 40001, the client fetches the new
    token (one stable_token call, not forced) and retries once: the message goes out."""
    api.send_text("openid-1", "一")
    wechat.invalidate_token()
    api.send_text("openid-1", "二")
    sends = wechat.calls_of(CUSTOM)
    assert [call.failed for call in sends] == [False, True, False]
    fetches = wechat.calls_of(STABLE)
    assert len(fetches) == 2 and not any(call.body["force_refresh"] for call in fetches)


def test_a_token_refused_again_and_again_never_loops(wechat, api):
    """Given WeChat refusing every call with 40001 while stable_token keeps returning the same
    token, a call forces one refresh and retries once, then gives up; the next call within a
    minute refreshes nothing more."""
    api.access_token()
    wechat.fail_next(CUSTOM, *[INVALID_TOKEN] * 10)
    with pytest.raises(WechatError) as raised:
        api.send_text("openid-1", "一")
    assert raised.value.code == INVALID_TOKEN
    fetches = wechat.calls_of(STABLE)
    assert [call.body["force_refresh"] for call in fetches] == [False, False, True]
    assert len(wechat.calls_of(CUSTOM)) == 2  # the call and one retry
    with pytest.raises(WechatError):
        api.send_text("openid-1", "二")
    assert len(wechat.calls_of(STABLE)) == 4  # one normal fetch, no second forced refresh
    assert len(wechat.calls_of(CUSTOM)) == 3  # no retry with the same refused token


def test_another_process_replaced_the_token_already(wechat):
    """A process whose call failed with a token the cache no longer holds takes the cached
    one: no fetch at all."""
    store = MemoryTokenStore()
    fetched: list[bool] = []

    def fetch(force: bool) -> tuple[str, int]:
        fetched.append(force)
        return "NEW", 7200

    store.write("NEW", 100)
    source = TokenSource(store, fetch)
    assert source.replace("OLD") == "NEW"
    assert fetched == []


def test_a_process_keeps_its_token_and_takes_another_process_replacement(wechat, redis_url):
    """Each process uses the token it read without asking Redis on every call; when another
    process has replaced it meanwhile, the refused call takes the new one from Redis (no
    fetch of its own) and goes out."""
    settings = wechat.settings()
    first, second = WechatApi(settings, redis_url), WechatApi(settings, redis_url)
    try:
        first.send_text("openid-1", "一")
        wechat.invalidate_token()
        second.send_text("openid-2", "二")  # refused once, replaced: one more fetch
        assert len(wechat.calls_of(STABLE)) == 2
        first.send_text("openid-1", "三")  # its kept token is refused, Redis has the new one
        assert len(wechat.calls_of(STABLE)) == 2
        assert [call.failed for call in wechat.calls_of(CUSTOM)] == [
            False,
            True,
            False,
            True,
            False,
        ]
        assert first.access_token() == second.access_token() == wechat.token
    finally:
        first.close()
        second.close()
