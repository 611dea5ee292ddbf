"""Background jobs: dramatiq actors (one module per domain) and the scheduler that enqueues sweeps.

Importing this package sets the global broker from WUGONG_REDIS_URL and declares every actor, so
`dramatiq workers` and `wugong worker` find them all.
"""

from common.settings import get_settings
from workers.broker import setup_broker

broker = setup_broker(get_settings().queue.redis_url)

from workers import (  # noqa: E402  (actors bind to the broker above)
    applications,
    broadcasts,
    crosscheck,
    finance,
    housekeeping,
    imports,
    notices,
    notifications,
    reminders,
)

__all__ = [
    "applications",
    "broadcasts",
    "broker",
    "crosscheck",
    "finance",
    "housekeeping",
    "imports",
    "notices",
    "notifications",
    "reminders",
]
