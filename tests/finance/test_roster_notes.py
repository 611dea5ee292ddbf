"""Roster notes: a reviewer's words reach the 备注 column only when the reviewer puts them there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from db.enums import StaffRole
from db.models import Application, AuditEvent, Staff
from db.queries.review import NotAllowed, NotAtThisStep
from db.queries.roster_notes import MAX_LENGTH, NoteTooLong, set_roster_note
from tests.finance.county import ZHANG_ID
from tests.finance.test_roster import export, send
from tests.finance.test_roster_xlsx import claims, rows_of


def township(session) -> Staff:
    return session.scalars(sa.select(Staff).where(Staff.role == StaffRole.TOWNSHIP)).one()


def events(session, claim: int) -> list[AuditEvent]:
    return session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.application_id == claim, AuditEvent.action == "roster_note")
        .order_by(AuditEvent.id)
    ).all()


def test_a_note_set_by_the_township_is_printed_audited_and_cleared_with_empty_text(
    county, session, tmp_path
):
    # Given 张三's approved claim, whose reviewer once wrote to him when returning it
    zhang = session.get(Application, county.zhang)
    zhang.review_note = "请补充务工证明"
    # When the township staff puts a note for finance on it
    staff = township(session)
    stored = set_roster_note(session, staff, zhang, "  本人在外，\n由其父代领  ")
    # Then the roster's 备注 shows exactly that note, on one line, and who set it is recorded
    assert stored == zhang.roster_note == "本人在外， 由其父代领"
    export(session, tmp_path / "roster.xlsx")
    assert claims(rows_of(tmp_path / "roster.xlsx", "花名册"))["张三"]["备注"] == stored
    (event,) = events(session, county.zhang)
    assert (event.actor_id, event.role, event.reason) == (staff.id, "township", stored)
    # When the same note is set again, nothing new is recorded; empty text clears it
    set_roster_note(session, staff, zhang, "本人在外， 由其父代领")
    assert len(events(session, county.zhang)) == 1
    assert set_roster_note(session, staff, zhang, "   ") is None
    assert zhang.roster_note is None and len(events(session, county.zhang)) == 2
    export(session, tmp_path / "again.xlsx")
    assert claims(rows_of(tmp_path / "again.xlsx", "花名册"))["张三"]["备注"] is None


def test_an_id_number_in_a_note_is_masked(county, session):
    zhang = session.get(Application, county.zhang)
    set_roster_note(session, township(session), zhang, f"代领人身份证 {ZHANG_ID}")
    assert ZHANG_ID not in zhang.roster_note and "1405" in zhang.roster_note


def test_a_note_too_long_or_on_a_sent_roster_is_refused_and_nothing_changes(
    county, session, tmp_path
):
    zhang = session.get(Application, county.zhang)
    staff = township(session)
    with pytest.raises(NoteTooLong):
        set_roster_note(session, staff, zhang, "字" * (MAX_LENGTH + 1))
    set_roster_note(session, staff, zhang, "字" * MAX_LENGTH)
    # Given the roster sent to finance, Then its notes are what finance holds on paper
    export(session, tmp_path / "roster.xlsx")
    send(session)
    with pytest.raises(NotAtThisStep) as refused:
        set_roster_note(session, staff, zhang, "改一下")
    assert refused.value.code == "roster_sent"
    assert zhang.roster_note == "字" * MAX_LENGTH and len(events(session, county.zhang)) == 1


def test_staff_outside_the_claims_region_may_not_set_a_note(county, session):
    zhao = session.get(Application, county.zhao)  # 马村镇, not the township staff's 寺庄镇
    with pytest.raises(NotAllowed) as refused:
        set_roster_note(session, township(session), zhao, "由其妻代领")
    assert refused.value.code == "outside_region"
    assert zhao.roster_note is None and events(session, county.zhao) == []
