"""Payment due dates come from the roster actually sent, in years the calendar knows."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from db.enums import ApplicationStatus
from db.models import Application, Notification, RosterBatch, RosterStatus
from db.workdays import package_years
from tests.finance.test_finance_chat import Admin


def send_roster(admin: Admin) -> None:
    admin.send(text="/roster")
    admin.tap("roster:pick:2025:transport")
    admin.tap("roster:fin:2025:transport")  # exported: the roster finance will have
    admin.send(text="/roster")
    admin.tap("roster:pick:2025:transport")
    admin.tap("roster:send:2025:transport")
    admin.tap("roster:sendyes:2025:transport")


def test_a_roster_due_in_a_year_the_calendar_does_not_know_is_not_sent(county, session_factory):
    """Given the last December the working-day calendar knows, when the county admin marks
    the roster sent on the 28th (7 working days reach into the next year), then the admin is
    told which year's holidays are missing, and nothing changes: no claim moves, nobody is
    told a date."""
    last = package_years()[1]
    admin = Admin(session_factory, "admin")
    admin.today = date(last, 12, 28)
    send_roster(admin)
    assert str(last + 1) in admin.text and "国务院办公厅" in admin.text
    with session_factory() as session:
        assert session.get(Application, county.zhang).status == ApplicationStatus.APPROVED
        assert {b.status for b in session.scalars(sa.select(RosterBatch))} == {RosterStatus.DRAFT}
        assert session.scalars(sa.select(Notification)).all() == []


def test_the_applicant_is_told_the_due_date_of_the_roster_sent(county, session_factory):
    """Given a roster sent on 2025-12-01, the applicant's status shows the date 7 working days
    later, not the programme's deadline."""
    admin = Admin(session_factory, "admin")
    send_roster(admin)
    zhang = Admin(session_factory, "zhang")
    zhang.send(text="/status")
    assert "2025-12-10" in zhang.text
    assert "2025-12-25" not in zhang.text
