"""policy.once.built_once: a policy table is built by one thread however many meet it cold."""

from __future__ import annotations

import threading
import time

import pytest

from policy.once import built_once


def test_threads_meeting_a_cold_cache_wait_for_one_build():
    builds = []
    start = threading.Barrier(6)

    @built_once
    def table() -> dict[str, int]:
        builds.append(threading.get_ident())
        time.sleep(0.2)  # long enough for every other thread to arrive meanwhile
        return {"built": len(builds)}

    seen = []

    def read() -> None:
        start.wait()
        seen.append(table())

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1
    assert len(seen) == 6 and all(value is seen[0] for value in seen)


def test_each_argument_tuple_is_built_once_and_a_failed_build_is_tried_again():
    calls = []

    @built_once
    def square(number: int) -> int:
        calls.append(number)
        if number < 0:
            raise ValueError("negative")
        return number * number

    assert square(3) == 9 and square(3) == 9 and square(4) == 16
    assert calls == [3, 4]
    with pytest.raises(ValueError):
        square(-1)
    with pytest.raises(ValueError):
        square(-1)
    assert calls == [3, 4, -1, -1]
    with pytest.raises(TypeError):
        square(number=5)
