"""The scheduled sweep: due notices are closed once, through the dramatiq actor, and their
claims move on; a claim held by an objection or listed again on a newer notice stays."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
import pytest
import sqlalchemy as sa

from common.broker import setup_broker
from common.runtime import Runtime
from common.settings import Settings
from db.enums import ApplicationStatus as S
from db.enums import NoticeStatus, StaffRole
from db.models import Application, Notice, Staff
from db.queries import review as rules
from db.queries.notices import close_notice, post_notice
from db.types import utcnow
from tests.review.conftest import add_claim
from tests.waiting import WORKER_TIMEOUT_MS
from workers import context, notices


@pytest.fixture
def posted(session_factory):
    """A village notice with two claims, posted now."""
    first = add_claim(session_factory, "赵一", "140581199003151232", S.VILLAGE_REVIEW)
    second = add_claim(session_factory, "钱二", "140524196208150136", S.VILLAGE_REVIEW)
    with session_factory.begin() as session:
        cadre = Staff(name="cadre", role=StaffRole.CADRE, region_code="140581100200")
        session.add(cadre)
        session.flush()
        for claim in (first, second):
            rules.approve(session, cadre, session.get(Application, claim))
        notice = post_notice(session, cadre, "140581100200", now=utcnow(), days=5).notice
        return notice.id, notice.ends_at, (first, second)


def test_the_actor_closes_a_due_notice_once(session_factory, engine, posted):
    notice_id, ends, claims = posted
    broker = setup_broker(None)
    context.install(Runtime(settings=Settings(), engine=engine, sessions=session_factory))
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        notices.close_due_notices.send((ends - timedelta(seconds=1)).isoformat())
        broker.join(notices.close_due_notices.queue_name)
        worker.join()
        with session_factory() as session:
            assert session.get(Notice, notice_id).status == NoticeStatus.POSTED
        notices.close_due_notices.send(ends.isoformat())
        notices.close_due_notices.send(ends.isoformat())  # a duplicate message changes nothing
        broker.join(notices.close_due_notices.queue_name)
        worker.join()
    finally:
        worker.stop()
        context.install(None)
    with session_factory() as session:
        assert session.get(Notice, notice_id).status == NoticeStatus.CLOSED
        moved = session.scalars(
            sa.select(Application.status).where(Application.id.in_(claims))
        ).all()
    assert moved == [S.TOWNSHIP_REVIEW, S.TOWNSHIP_REVIEW]


def test_a_claim_on_a_newer_notice_is_not_moved_by_the_old_one(session_factory, posted):
    """A claim returned from a notice, corrected and listed on a newer notice is governed by the
    newer one: closing the old notice leaves it alone; a second close claims nothing."""
    notice_id, ends, (first, _) = posted
    with session_factory.begin() as session:
        cadre = session.scalars(sa.select(Staff)).one()
        claim = session.get(Application, first)
        claim.status = S.VILLAGE_REVIEW  # as if returned, corrected and checked again
        session.flush()
        rules.approve(session, cadre, claim)
        post_notice(session, cadre, "140581100200", now=utcnow(), days=5)
    with session_factory.begin() as session:
        moved = close_notice(session, notice_id, ends)
        assert moved is not None and first not in [a.id for a in moved]
    with session_factory.begin() as session:
        assert close_notice(session, notice_id, ends) is None
        assert session.get(Application, first).status == S.VILLAGE_NOTICE
