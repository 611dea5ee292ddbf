"""The scheduler: the one process that enqueues periodic sweeps; the sweeps do the work."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from workers import (
    applications,
    broadcasts,
    crosscheck,
    finance,
    housekeeping,
    notices,
    notifications,
    reminders,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Entry:
    """One periodic job: which actor to enqueue and how often."""

    actor: dramatiq.Actor
    every_seconds: int


SCHEDULE: tuple[Entry, ...] = (
    Entry(applications.sweep_submitted, every_seconds=300),
    # A safety net: imports enqueue it themselves; this catches a lost message once a day.
    Entry(crosscheck.crosscheck_open, every_seconds=86400),
    Entry(housekeeping.purge_expired_invites, every_seconds=3600),
    Entry(housekeeping.purge_web_sessions, every_seconds=3600),
    Entry(finance.remind_overdue_rosters, every_seconds=3600),
    Entry(notices.close_due_notices, every_seconds=300),
    Entry(notices.send_objection_digests, every_seconds=60),
    Entry(notifications.sweep_pending_notifications, every_seconds=60),
    Entry(broadcasts.resume_broadcasts, every_seconds=5),
    Entry(reminders.plan_reminders, every_seconds=3600),
    Entry(reminders.send_due_reminders, every_seconds=60),
)


def _enqueuer(actor: dramatiq.Actor) -> Callable[[], None]:
    def enqueue() -> None:
        log.debug("enqueue %s", actor.actor_name)
        actor.send()

    return enqueue


def _configure(scheduler: BaseScheduler) -> BaseScheduler:
    for entry in SCHEDULE:
        scheduler.add_job(
            _enqueuer(entry.actor),
            IntervalTrigger(seconds=entry.every_seconds),
            id=entry.actor.actor_name,
            # A sweep that was missed while the scheduler was down runs once, not once per miss.
            coalesce=True,
            max_instances=1,
            misfire_grace_time=entry.every_seconds,
        )
    return scheduler


def start_background() -> BackgroundScheduler:
    """Run the schedule on a thread of this process (the embedded mode)."""
    scheduler = _configure(BackgroundScheduler(timezone="Asia/Shanghai"))
    assert isinstance(scheduler, BackgroundScheduler)
    scheduler.start()
    return scheduler


def run_forever() -> None:
    """Run the schedule in the foreground (the production `scheduler` process)."""
    log.info("scheduler started with %d entries", len(SCHEDULE))
    _configure(BlockingScheduler(timezone="Asia/Shanghai")).start()
