"""Background jobs: dramatiq actors (one module per domain) and the scheduler that enqueues sweeps.

Importing this package does nothing: the process sets its broker first (common.broker), then
declares the actors with `declare_actors()` (`wugong serve` in the embedded mode, the module
`wugong.worker_process` that `wugong worker` hands to dramatiq, the scheduler).
"""

from __future__ import annotations

import importlib

# Every module that declares actors, in the order they are declared.
ACTOR_MODULES = (
    "applications",
    "broadcasts",
    "crosscheck",
    "finance",
    "housekeeping",
    "imports",
    "notices",
    "notifications",
    "reminders",
)


def declare_actors() -> None:
    """Import every actor module, so the broker set before knows all actors."""
    for name in ACTOR_MODULES:
        importlib.import_module(f"workers.{name}")
