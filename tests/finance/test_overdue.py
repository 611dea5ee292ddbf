"""The overdue-roster reminder: county administrators are told once a day, nobody else."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from common.runtime import Runtime
from common.settings import Settings
from db.enums import Program
from db.models import Notification, RosterBatch, RosterStatus
from tests.finance.county import COUNTY, YEAR
from workers import context, finance


def test_an_overdue_roster_is_reminded_to_the_county_admin_once(county, engine, session_factory):
    # Given a roster sent in 2025 whose due date has long passed, and a paid one
    with session_factory.begin() as session:
        for status in (RosterStatus.SENT, RosterStatus.PAID):
            session.add(
                RosterBatch(
                    county_code=COUNTY,
                    year=YEAR,
                    program=Program.TRANSPORT,
                    status=status,
                    sent_at=datetime(2025, 9, 29, 2, tzinfo=UTC),
                    due_date=date(2025, 10, 15),
                )
            )
    context.install(Runtime(settings=Settings(), engine=engine, sessions=session_factory))
    try:
        # When the sweep runs twice the same day
        finance.remind_overdue_rosters.fn()
        finance.remind_overdue_rosters.fn()
    finally:
        context.install(None)
    # Then only the county administrator got one reminder, in Chinese, naming the due date
    with session_factory() as session:
        notes = session.scalars(sa.select(Notification)).all()
    assert [n.chat_identity_id for n in notes] == [county.admin_chat]
    assert "2025-10-15" in notes[0].text and "/roster" in notes[0].text
    assert "花名册" in notes[0].text
