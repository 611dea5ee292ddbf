"""`built_once`: `functools.cache` for the policy's tables, computed by one thread only.

The division register, the place-name index and the parameter tree take up to a second and
tens of MB each to build. A server's first messages come on several threads at once, and with
`functools.cache` each thread that meets the cold cache builds its own copy (seen: five copies
of the place index at once). Here the first caller of each argument tuple builds the value and
the others wait for it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def built_once(function: Callable[P, R]) -> Callable[P, R]:
    """Memoise `function` by its (hashable, positional) arguments, built once across threads."""
    results: dict[tuple[Hashable, ...], R] = {}
    building: dict[tuple[Hashable, ...], threading.Lock] = {}
    guard = threading.Lock()

    @functools.wraps(function)
    def cached(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs:
            raise TypeError(f"{function.__name__}: positional arguments only")
        try:
            return results[args]
        except KeyError:
            pass
        with guard:
            lock = building.setdefault(args, threading.Lock())
        with lock:
            if args not in results:
                results[args] = function(*args, **kwargs)
        return results[args]

    return cached
