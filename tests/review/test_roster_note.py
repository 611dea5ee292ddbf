"""A reviewer writes the roster's 备注 for a claim from the queue; the finance copy shows it."""

from __future__ import annotations

import sqlalchemy as sa

from db.enums import ApplicationStatus, StaffRole
from db.models import Application, AuditEvent
from tests.review.conftest import add_claim, make_staff

VILLAGE = "140581100200"


def test_a_cadre_notes_a_claim_for_the_roster_and_clears_it(chat, session_factory):
    """Given a claim in the cadre's queue, the cadre writes a note for the roster (an ID number
    typed in is masked), sees it, then clears it; both changes are audited."""
    claim = add_claim(
        session_factory, "王五", "140524196208150136", ApplicationStatus.VILLAGE_REVIEW
    )
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, VILLAGE)
    cadre.say("/review")
    cadre.tap(f"rnote:{claim}")
    cadre.say("本人在外务工，由其父代领 140524196208150136")
    with session_factory() as session:
        note = session.get(Application, claim).roster_note
    assert note.startswith("本人在外务工，由其父代领") and "140524196208150136" not in note
    cadre.tap(f"rnote:{claim}")
    assert "由其父代领" in cadre.text  # the current note is shown
    cadre.say("清除")
    with session_factory() as session:
        assert session.get(Application, claim).roster_note is None
        events = session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.application_id == claim)
        ).all()
    assert events.count("roster_note") == 2


def test_a_villager_cannot_write_a_roster_note(chat, session_factory):
    claim = add_claim(
        session_factory, "王五", "140524196208150136", ApplicationStatus.VILLAGE_REVIEW
    )
    villager = chat("villager")
    villager.send(button=f"rnote:{claim}")
    villager.say("随便写")
    with session_factory() as session:
        assert session.get(Application, claim).roster_note is None
