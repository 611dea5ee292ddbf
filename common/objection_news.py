"""What the reviewers of a notice hear about its objections: the first one at once, later ones
gathered into one digest by the objection sweep (workers/notices.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from common.i18n import N_, translate
from db.models import Notice, Notification
from db.queries.objections import reviewers

NEW_OBJECTION = N_("A new objection was raised against notice {number}. Send /review to see it.")
DIGEST = N_(
    "{count} more objection(s) were raised against notice {number}. Send /review to see them."
)


def tell_reviewers(session: Session, notice: Notice, count: int) -> list[int]:
    """One notification to each reviewer of the notice, in their language: of its first
    objection (``count`` 0), or of ``count`` later ones (the digest). The rows' ids, for
    delivery after the commit."""
    message = NEW_OBJECTION if count == 0 else DIGEST
    rows = [
        Notification(
            chat_identity_id=reviewer.id,
            text=translate(reviewer.language, message, number=notice.number, count=count),
            buttons=[],
        )
        for reviewer in reviewers(session, notice)
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]
