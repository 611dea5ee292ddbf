"""Cross-check actors: on the embedded in-process queue, and in a real `wugong worker` on Redis."""

from __future__ import annotations

import dramatiq
import pytest

from common.broker import setup_broker
from common.runtime import Runtime
from common.settings import Settings
from db.enums import ApplicationStatus, HouseholdType
from db.models import Person
from tests.crosscheck.conftest import Registry
from tests.waiting import WORKER_TIMEOUT_MS, wait_until
from workers import applications, context, crosscheck


@pytest.fixture
def in_process_broker():
    broker = setup_broker(None)
    yield broker
    context.install(None)


def test_actors_are_declared_on_the_crosscheck_queue_with_limits() -> None:
    """Every cross-check actor has its own queue, retries and time limit; dialogs still find
    `crosscheck_application` in workers.applications."""
    assert applications.crosscheck_application is crosscheck.crosscheck_application
    for actor in (
        crosscheck.crosscheck_application,
        crosscheck.crosscheck_open,
        crosscheck.reassess_applications,
    ):
        assert actor.queue_name == "crosscheck"
        assert {"max_retries", "time_limit"} <= set(actor.options)


def test_the_open_run_fans_out_reassessments_on_the_embedded_queue(
    in_process_broker, engine, session_factory, registry: Registry
) -> None:
    """Given two submissions and one claim in review whose household left the registry's
    eligible types, one `crosscheck_open` message refreshes all findings and its follow-up
    re-assessments move the submissions to review and make the third ineligible."""
    context.install(Runtime(settings=Settings(), engine=engine, sessions=session_factory))
    people = [registry.person() for _ in range(3)]
    for person in people:
        registry.record(person)
    fresh = [registry.application(person) for person in people[:2]]
    reviewed = registry.application(people[2], status="village_review")
    with session_factory.begin() as session:
        session.get(Person, people[2]).household.household_type = HouseholdType.NONE
    worker = dramatiq.Worker(in_process_broker, worker_threads=1, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        crosscheck.crosscheck_open.send()
        in_process_broker.join(crosscheck.crosscheck_open.queue_name)
        worker.join()
    finally:
        worker.stop()
    for application_id in fresh:
        assert registry.application_row(application_id).status == ApplicationStatus.VILLAGE_REVIEW
        assert set(registry.findings(application_id)) == {"registry_work_record"}
    row = registry.application_row(reviewed)
    assert (row.status, row.amount_fen) == (ApplicationStatus.VILLAGE_REVIEW, 0)
    assert "registry_household_not_eligible" in registry.findings(reviewed)


def test_wugong_worker_cross_checks_a_submission_from_redis(
    wugong_worker, engine, registry: Registry
) -> None:
    """Given a `wugong worker` on Redis and a shared database, a submission's cross-check sent
    by another process is done there: findings stored, decision kept, status moved once."""
    person = registry.person()
    registry.record(person, income=2500)
    application_id = registry.application(person)
    process = wugong_worker(engine.url.render_as_string(hide_password=False), threads=2)
    crosscheck.crosscheck_application.send(application_id)
    crosscheck.crosscheck_application.send(application_id)  # a duplicate message

    def done() -> bool:
        assert process.poll() is None, process.stdout.read()
        return registry.audit_actions(application_id).count("status_change") >= 1 and (
            "wage_mismatch" in registry.findings(application_id)
        )

    wait_until(done, 60, "the cross-check's findings", interval=0.3)
    # The duplicate too: both messages acknowledged (a message stays in Redis until then).
    dramatiq.get_broker().join(crosscheck.crosscheck_application.queue_name, timeout=60_000)
    row = registry.application_row(application_id)
    assert row.status == ApplicationStatus.VILLAGE_REVIEW
    assert row.amount_fen == 150000
    assert set(registry.findings(application_id)) == {"registry_work_record", "wage_mismatch"}
    assert registry.audit_actions(application_id) == ["crosscheck", "status_change"]
