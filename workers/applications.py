"""Application jobs: the cross-check that follows every submission."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import dramatiq
import sqlalchemy as sa

from db.enums import ApplicationStatus
from db.models import Application
from db.queries import Actor, change_status, record_audit
from policy import assess, facts_from_mapping
from workers.context import runtime

log = logging.getLogger(__name__)

FACT_NAMES = frozenset(
    {
        "household_type",
        "risk_eliminated",
        "birth_date",
        "home_county",
        "work_place",
        "work_from",
        "work_to",
        "same_employer",
        "monthly_wage",
        "channel",
        "contract_months",
        "paid_programs",
    }
)


@dramatiq.actor(queue_name="applications", max_retries=5, time_limit=120_000)
def crosscheck_application(application_id: int) -> None:
    """Re-assess a submitted application with the policy and pass it to the village review.

    Safe to run twice: only an application still in `submitted` is claimed. The comparison with
    the monitoring records joins here when they are imported (issue 4).
    """
    with runtime().sessions.begin() as session:
        application = session.scalars(
            sa.select(Application)
            .where(
                Application.id == application_id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .with_for_update()
        ).one_or_none()
        if application is None:
            log.info("application %s is not waiting for a cross-check", application_id)
            return
        known = {
            key: value
            for key, value in application.facts.items()
            if key in FACT_NAMES and value is not None
        }
        decision = assess(
            application.program.value, facts_from_mapping({**known, "year": application.year})
        )
        application.decision = decision.to_dict()
        application.amount_fen = decision.amount * 100
        actor = Actor.system("crosscheck")
        record_audit(
            session,
            actor,
            "crosscheck",
            application=application,
            data={"eligible": decision.eligible, "amount": decision.amount},
        )
        change_status(
            session, application, ApplicationStatus.VILLAGE_REVIEW, actor, reason="checked"
        )


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
