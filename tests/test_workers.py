"""Workers: actors run on the embedded in-process queue and in a real `wugong worker` on Redis."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
from sqlalchemy import select

from common.broker import setup_broker
from common.runtime import Runtime
from common.settings import Settings
from db.enums import StaffRole
from db.models import StaffInvite
from tests.waiting import WORKER_TIMEOUT_MS
from workers import context, housekeeping


def add_invites(session_factory) -> None:
    """Given an invite that expired long ago, one that expired yesterday, and a used old one."""
    now = datetime.now(UTC)
    with session_factory.begin() as session:
        for code, expires, used in [
            ("old-unused", now - timedelta(days=60), None),
            ("recent", now - timedelta(days=1), None),
            ("old-used", now - timedelta(days=60), now - timedelta(days=61)),
        ]:
            session.add(
                StaffInvite(
                    code_hash=StaffInvite.hash_code(code),
                    role=StaffRole.CADRE,
                    region_code="140581100200",
                    expires_at=expires,
                    used_at=used,
                )
            )


def remaining_invites(session_factory) -> set[str]:
    with session_factory() as session:
        hashes = set(session.scalars(select(StaffInvite.code_hash)))
    return {
        code
        for code in ("old-unused", "recent", "old-used")
        if StaffInvite.hash_code(code) in hashes
    }


@pytest.fixture
def in_process_broker():
    broker = setup_broker(None)
    yield broker
    context.install(None)


def test_embedded_queue_runs_the_sweep_against_the_database(
    in_process_broker, engine, session_factory
):
    """When the purge sweep is enqueued on the in-process broker, only the unused invite that
    expired more than 30 days ago is deleted."""
    context.install(Runtime(settings=Settings(), engine=engine, sessions=session_factory))
    add_invites(session_factory)
    worker = dramatiq.Worker(in_process_broker, worker_threads=1, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        housekeeping.purge_expired_invites.send()
        in_process_broker.join(housekeeping.purge_expired_invites.queue_name)
        worker.join()
    finally:
        worker.stop()
    assert remaining_invites(session_factory) == {"recent", "old-used"}

    # Safe to run twice: a second sweep changes nothing.
    housekeeping.purge_expired_invites.fn()
    assert remaining_invites(session_factory) == {"recent", "old-used"}


def test_wugong_worker_consumes_from_redis(wugong_worker, engine, session_factory):
    """Given a `wugong worker` process on Redis, a message sent by another process is consumed
    and its job done in the shared database."""
    add_invites(session_factory)
    process = wugong_worker(engine.url.render_as_string(hide_password=False))
    housekeeping.purge_expired_invites.send()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "old-unused" in remaining_invites(session_factory):
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.3)
    assert remaining_invites(session_factory) == {"recent", "old-used"}


def test_every_actor_has_explicit_retries_and_time_limit():
    """docs/stack-notes.md §5: dramatiq's defaults (20 retries, backoff up to 7 days) are unfit."""
    declared = list(dramatiq.get_broker().actors.values())
    assert declared, "no actors declared"
    for actor in declared:
        assert "max_retries" in actor.options, actor.actor_name
        assert "time_limit" in actor.options, actor.actor_name
        assert actor.queue_name != "default", actor.actor_name


def add_submitted_application(session_factory, minutes_ago: int) -> int:
    from db.enums import ApplicationStatus, Program
    from db.models import Application
    from db.queries import upsert_person

    with session_factory.begin() as session:
        person = upsert_person(
            session, id_number="140581199003151232", name="张三", region_code="140581100200"
        ).person
        application = Application(
            person_id=person.id,
            program=Program.TRANSPORT,
            year=2025,
            status=ApplicationStatus.SUBMITTED,
            facts={
                "household_type": "poverty_alleviated",
                "birth_date": "1990-03-01",
                "home_county": "140581",
                "work_place": "32",
                "work_from": "2025-03",
                "work_to": "2025-11",
                "channel": "migrant",
                "identity_check": "cadre",
            },
            submitted_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        )
        session.add(application)
        session.flush()
        return application.id


def test_a_lost_cross_check_is_found_by_the_sweep_and_done_once(
    in_process_broker, engine, session_factory
):
    """Given a submission whose cross-check message was lost, the sweep enqueues it again; the
    cross-check moves it to the village review with the policy's amount, and running it twice
    changes nothing more."""
    from db.enums import ApplicationStatus
    from db.models import Application, AuditEvent
    from workers import applications

    context.install(Runtime(settings=Settings(), engine=engine, sessions=session_factory))
    application_id = add_submitted_application(session_factory, minutes_ago=10)
    worker = dramatiq.Worker(in_process_broker, worker_threads=1, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        applications.sweep_submitted.send()
        in_process_broker.join(applications.sweep_submitted.queue_name)
        worker.join()
    finally:
        worker.stop()
    applications.crosscheck_application.fn(application_id)  # a duplicate delivery
    with session_factory() as session:
        application = session.get(Application, application_id)
        assert application.status == ApplicationStatus.VILLAGE_REVIEW
        assert application.amount_fen == 150000
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.application_id == application_id)
        ).all()
    assert actions.count("crosscheck") == 1


def test_an_actor_failing_in_an_in_process_worker_is_reported_to_the_test(
    in_process_broker, worker_errors
):
    """Given an actor that raises on the embedded queue, the test that ran it learns of it
    (the autouse fixture would fail it), instead of a retry 15 s later going unnoticed."""

    @dramatiq.actor(queue_name="test_failures", max_retries=0)
    def fails() -> None:
        raise RuntimeError("database is locked")

    worker = dramatiq.Worker(in_process_broker, worker_threads=1, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        fails.send()
        in_process_broker.join("test_failures", fail_fast=False)
        worker.join()
    finally:
        worker.stop()
        # Not left for later tests, which look at every declared actor (setup_broker would
        # carry it over to their brokers).
        del dramatiq.get_broker().actors[fails.actor_name]
    assert any("database is locked" in line for line in worker_errors.unexpected())
    worker_errors.expect("fails()")  # seen; the fixture need not fail this test


def test_every_job_sent_by_name_is_an_actor_on_its_queue():
    """The conversations send jobs by name (common.jobs); each names a declared actor of the
    same queue, so a renamed actor cannot leave messages nobody takes."""
    from common import jobs

    broker = dramatiq.get_broker()
    for job in (value for value in vars(jobs).values() if isinstance(value, jobs.Job)):
        actor = broker.get_actor(job.actor)
        assert actor.queue_name == job.queue, job
