"""The runtime that actors use: the embedded server installs its own; a worker starts one."""

from __future__ import annotations

import threading

from common.runtime import Runtime, start

_runtime: Runtime | None = None
_lock = threading.Lock()


def install(runtime: Runtime | None) -> None:
    """Share the server's runtime with in-process actors (embedded mode); None forgets it."""
    global _runtime
    _runtime = runtime


def runtime() -> Runtime:
    """The runtime for this process, started on first use in a worker process."""
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                _runtime = start(log_level="INFO")  # a worker process runs for long
    return _runtime
