"""Application jobs: the sweep that re-enqueues submissions whose cross-check was lost.

The cross-check itself lives in `workers.crosscheck`; conversations enqueue it by name
(`common.jobs.CROSSCHECK_APPLICATION`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import dramatiq
import sqlalchemy as sa

from db.enums import ApplicationStatus
from db.models import Application
from workers.context import runtime
from workers.crosscheck import crosscheck_application

log = logging.getLogger(__name__)

__all__ = ["LEFT_BEHIND_AFTER", "SWEEP_BATCH", "sweep_submitted"]

# A submission normally gets its cross-check within seconds; older ones were left behind by a
# lost message (Redis restart, the in-process queue of a stopped server).
LEFT_BEHIND_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500


@dramatiq.actor(queue_name="applications", max_retries=3, time_limit=60_000)
def sweep_submitted() -> None:
    """Enqueue the cross-check again for submissions still waiting for one."""
    cutoff = datetime.now(UTC) - LEFT_BEHIND_AFTER
    with runtime().sessions() as session:
        ids = session.scalars(
            sa.select(Application.id)
            .where(
                Application.status == ApplicationStatus.SUBMITTED,
                Application.submitted_at < cutoff,
            )
            .order_by(Application.id)
            .limit(SWEEP_BATCH)
        ).all()
    for application_id in ids:
        crosscheck_application.send(application_id)
    if ids:
        log.info("re-enqueued %d cross-checks left behind", len(ids))
