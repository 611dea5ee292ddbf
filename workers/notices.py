"""Notice jobs: the sweep that closes public notices whose period is over and moves claims on,
and the one that sends each notice's reviewers one digest of its later objections."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import dramatiq
from sqlalchemy.orm import Session, sessionmaker

from common import jobs
from common.notify import notify_status_change
from common.objection_news import tell_reviewers
from db.engine import writing
from db.models import Notice
from db.queries.notices import close_notice, due_notice_ids
from db.queries.objections import notices_with_untold, take_untold
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


def send_digests(sessions: sessionmaker[Session], now: datetime, window: timedelta) -> int:
    """One digest to the reviewers of each notice whose later objections they have not been
    told of, once ``window`` has passed since they were last told; the number of digests.

    Each digest is written in the transaction that marks its objections told (an UPDATE that
    claims them), so two sweeps at once send it once, and running it again sends nothing.
    """
    with sessions() as session:
        due = notices_with_untold(session, now=now, window=window)
    sent: list[int] = []
    digests = 0
    for notice_id in due:
        with writing(sessions) as session:
            count = take_untold(session, notice_id, now=now)
            notice = session.get(Notice, notice_id)
            if not count or notice is None:
                continue  # another sweep took them first
            sent += tell_reviewers(session, notice, count)
            digests += 1
            log.info("objection digest for notice %d: %d objection(s)", notice_id, count)
    for notification_id in sent:
        jobs.DELIVER_NOTIFICATION.send(notification_id)
    return digests


@dramatiq.actor(queue_name="notices", max_retries=3, time_limit=300_000)
def send_objection_digests(now: str | None = None) -> None:
    """Send the objection digests that are due (``now``: an ISO time, for tests)."""
    moment = datetime.fromisoformat(now) if now else utcnow()
    minutes = runtime().settings.objections.objection_digest_minutes
    send_digests(runtime().sessions, moment, timedelta(minutes=minutes))
