"""Cross-check jobs: one application after its submission, and every open one after an import."""

from __future__ import annotations

import logging

import dramatiq

from common import jobs
from db.engine import writing
from db.queries.crosscheck import run as checks
from workers.context import runtime

log = logging.getLogger(__name__)

# Small enough that one batch of policy re-assessments finishes well inside its time limit.
REASSESS_BATCH = 200


@dramatiq.actor(
    actor_name=jobs.CROSSCHECK_APPLICATION.actor,
    queue_name=jobs.CROSSCHECK_APPLICATION.queue,
    max_retries=5,
    time_limit=120_000,
)
def crosscheck_application(application_id: int) -> None:
    """Compare one application with the monitoring records, recompute its decision, and move a
    fresh submission on to the village review.

    Safe to run twice: findings are brought in line, not added, and only an application still
    in `submitted` moves (with its audit event).
    """
    with writing(runtime().sessions) as session:
        counts = checks.crosscheck_application(session, application_id)
    if not counts.applications:
        log.info("application %s is not open: nothing to cross-check", application_id)


@dramatiq.actor(
    actor_name=jobs.CROSSCHECK_OPEN.actor,
    queue_name=jobs.CROSSCHECK_OPEN.queue,
    max_retries=3,
    time_limit=30 * 60_000,
)
def crosscheck_open(year: int | None = None) -> None:
    """Refresh the findings of every open application in one set-based pass (after an import),
    then re-assess, in batches, those whose registry facts changed."""
    with writing(runtime().sessions) as session:
        counts = checks.crosscheck_open(session, year=year)
    log.info("cross-check of open applications: %s", counts.as_dict())
    ids = counts.reassess_ids
    for start in range(0, len(ids), REASSESS_BATCH):
        reassess_applications.send(ids[start : start + REASSESS_BATCH])


@dramatiq.actor(queue_name="crosscheck", max_retries=5, time_limit=10 * 60_000)
def reassess_applications(application_ids: list[int]) -> None:
    """Recompute the decisions of these applications with the registry's facts."""
    with writing(runtime().sessions) as session:
        changed, moved = checks.reassess(session, application_ids)
    if changed or moved:
        log.info(
            "re-assessed %d: %d decisions changed, %d to review",
            len(application_ids),
            changed,
            moved,
        )
