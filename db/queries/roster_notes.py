"""Roster notes: what a reviewer chose to print in the 花名册's 备注 column for the finance bureau.

Kept apart from ``review_note`` (the words sent to an applicant whose claim is returned or
rejected), so nothing said to an applicant reaches the finance bureau unless a reviewer writes
it here on purpose.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from db.enums import ApplicationStatus
from db.models import Application, Staff
from db.pii import redact
from db.queries.audit import Actor, record_audit
from db.queries.review import Action, NotAtThisStep, ReviewError, authorize

# A 备注 cell, not a letter: long enough for "本人在外，由其父代领" and a reason or two.
MAX_LENGTH = 200
# The finance bureau holds the printed roster from then on; a re-export must show the same.
FIXED = (ApplicationStatus.ROSTER_SENT, ApplicationStatus.PAID)


class NoteTooLong(ReviewError):
    """Raised when a roster note is longer than MAX_LENGTH characters (code note_too_long)."""


def set_roster_note(
    session: Session, staff: Staff | None, application: Application, text: str | None
) -> str | None:
    """Set (or, with empty text, clear) the application's roster note; the note as stored.

    Village cadres, township staff and county administrators may do it for claims in their
    region until the roster is sent to finance (NotAtThisStep "roster_sent" after). ID and card
    numbers typed into a note are masked: the finance copy's own columns carry them.
    """
    member = authorize(staff, Action.ROSTER_NOTE, application.region_code)
    session.refresh(application, with_for_update=True)
    if application.status in FIXED:
        raise NotAtThisStep("roster_sent", f"application {application.id}")
    note = redact(" ".join((text or "").split())) or None
    if note is not None and len(note) > MAX_LENGTH:
        raise NoteTooLong("note_too_long", f"{len(note)} > {MAX_LENGTH}")
    previous = application.roster_note
    if note == previous:
        return note
    application.roster_note = note
    record_audit(
        session,
        Actor.of_staff(member),
        "roster_note",
        application=application,
        reason=note,
        data={"previous": previous},
    )
    return note
