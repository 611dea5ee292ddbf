"""How much memory glibc's malloc keeps: a bound on its arenas for the long-running processes.

glibc gives each thread that allocates while another holds the lock an arena of its own, up to
eight per core, and an arena keeps what was freed in it. A server's threads (uvicorn's loop,
the thread pool that runs the dialogs' database work, the embedded workers) thus hold tens of
megabytes each after a busy hour: the bot's resident size after the conversation bench fell
from 230 MB to 200 MB with two arenas, at the same rate. Processes started afresh (``wugong
worker`` execs dramatiq) get the same bound through ``MALLOC_ARENA_MAX``, which glibc reads at
start; on another C library both do nothing.
"""

from __future__ import annotations

import os

from db.malloc import M_ARENA_MAX, mallopt

ARENAS = 2


def bound_arenas() -> None:
    """At most ``ARENAS`` arenas in this process from now on (call it before threads start),
    and in the processes it starts (unless their environment says otherwise)."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(ARENAS))
    mallopt(M_ARENA_MAX, int(os.environ["MALLOC_ARENA_MAX"]))
