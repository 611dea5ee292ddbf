"""Notice jobs: the sweep that closes public notices whose period is over and moves claims on."""

from __future__ import annotations

import logging
from datetime import datetime

import dramatiq
from sqlalchemy.orm import Session, sessionmaker

from common.notify import notify_status_change
from db.engine import writing
from db.queries.notices import close_notice, due_notice_ids
from db.types import utcnow
from workers.context import runtime

log = logging.getLogger(__name__)


def close_due(sessions: sessionmaker[Session], now: datetime) -> int:
    """Close every notice due at ``now``, one transaction each; the number of notices closed.

    Each notice is claimed by an atomic UPDATE … WHERE status = 'posted', so two sweeps running
    at once close each notice once, and running it again changes nothing.
    """
    with sessions() as session:
        due = due_notice_ids(session, now)
    closed = 0
    for notice_id in due:
        with writing(sessions) as session:
            moved = close_notice(session, notice_id, now)
            if moved is None:
                continue  # another sweep closed it first
            for application in moved:
                notify_status_change(session, application)
            closed += 1
            log.info("closed notice %d; %d claim(s) moved on", notice_id, len(moved))
    return closed


@dramatiq.actor(queue_name="notices", max_retries=3, time_limit=300_000)
def close_due_notices(now: str | None = None) -> None:
    """Close the public notices whose period is over (``now``: an ISO time, for tests)."""
    moment = datetime.fromisoformat(now) if now else utcnow()
    close_due(runtime().sessions, moment)
