"""The texts of reminders, in the recipient's language, and whether one still makes sense.

A reminder is written when it is planned and rendered when it is sent, so it speaks the
language the person uses by then and says nothing that has stopped being true (an application
filed, a correction made, a roster paid): such a reminder is dropped instead.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.i18n import N_, translate
from common.notify import FIX_BUTTON
from common.payloads import Fix, Rate, Reminders, Switch, to_menu
from common.texts import program_name
from db.enums import ApplicationStatus, NoticeStatus, Program, Rating
from db.models import (
    Application,
    ChatIdentity,
    Notice,
    Reminder,
    RosterBatch,
    RosterStatus,
    Satisfaction,
)
from db.queries import application_number
from db.queries.reminders import Kind

WINDOW_CLOSING = N_(
    "⏰ Applications for the {program} of {year} close on {date}: {days} day(s) left. From the "
    "monitoring records you may be eligible, and you have not applied yet."
)
RETURNED_UNFIXED = N_(
    "⏰ Application {number} ({program}) was returned to you on {date} for a correction and is "
    "not corrected yet: “{note}”."
)
NOTICE_ENDING = N_(
    "⏰ Public notice {notice} ends on {date}. The claims nobody objected to then move on by "
    "themselves; please look into any objection before then."
)
REVIEW_BACKLOG = N_(
    "⏰ {count} application(s) have waited in your review queue for more than {days} days."
)
PAYMENT_DUE = N_(
    "⏰ Roster {batch} ({program} {year}): the finance bureau must pay it by {date}, 7 working "
    "days after it was sent. Record the payments with /roster when they are made."
)
SATISFACTION = N_(
    "Your {program} of {year}, {amount} yuan, has been paid. How satisfied are you with how "
    "your application was handled?"
)
STOP = N_("Stop reminders")
RATINGS = {
    Rating.SATISFIED: N_("Satisfied"),
    Rating.BASICALLY_SATISFIED: N_("Basically satisfied"),
    Rating.DISSATISFIED: N_("Not satisfied"),
}

Rendered = tuple[str, list[dict[str, str]]]


def render(
    session: Session, reminder: Reminder, identity: ChatIdentity, today: date
) -> Rendered | None:
    """The reminder's text and buttons for `identity` on `today` (local date), or None when it
    no longer applies."""
    t = partial(translate, identity.language)
    payload = reminder.payload or {}

    def button(label: str, value: str) -> dict[str, str]:
        return {"label": t(label), "value": value}

    stop = button(STOP, Reminders(Switch.OFF).pack())
    application = (
        session.get(Application, reminder.application_id) if reminder.application_id else None
    )
    if reminder.kind == Kind.WINDOW_CLOSING:
        program, year = payload["program"], int(payload["year"])
        applied = session.scalar(
            sa.select(Application.id).where(
                Application.person_id == reminder.person_id,
                Application.program == Program(program),
                Application.year == year,
            )
        )
        if applied is not None or date.fromisoformat(payload["deadline"]) < today:
            return None
        text = t(
            WINDOW_CLOSING,
            program=program_name(t, program),
            year=year,
            date=payload["deadline"],
            days=payload["days"],
        )
        return text, [
            button("Check my subsidies", to_menu("check")),
            button("Apply", to_menu("apply")),
            stop,
        ]
    if reminder.kind == Kind.RETURNED_UNFIXED:
        if application is None or application.status != ApplicationStatus.RETURNED:
            return None
        text = t(
            RETURNED_UNFIXED,
            number=application_number(application),
            program=program_name(t, application.program.value),
            date=payload["returned"],
            note=application.review_note or "",
        )
        return text, [button(FIX_BUTTON, Fix(application.id).pack()), stop]
    if reminder.kind == Kind.NOTICE_ENDING:
        posted = session.scalar(
            sa.select(Notice.id).where(
                Notice.number == payload["notice"], Notice.status == NoticeStatus.POSTED
            )
        )
        if posted is None:
            return None
        text = t(NOTICE_ENDING, notice=payload["notice"], date=payload["date"])
        return text, [button("Review applications", to_menu("review")), stop]
    if reminder.kind == Kind.REVIEW_BACKLOG:
        text = t(REVIEW_BACKLOG, count=payload["count"], days=payload["days"])
        return text, [button("Review applications", to_menu("review")), stop]
    if reminder.kind == Kind.PAYMENT_DUE:
        batch = session.get(RosterBatch, int(payload["batch"]))
        if batch is None or batch.status != RosterStatus.SENT:
            return None
        text = t(
            PAYMENT_DUE,
            batch=batch.id,
            program=program_name(t, batch.program.value),
            year=batch.year,
            date=payload["date"],
        )
        return text, [stop]
    if reminder.kind == Kind.SATISFACTION:
        if application is None or application.status != ApplicationStatus.PAID:
            return None
        rated = session.scalar(
            sa.select(Satisfaction.id).where(Satisfaction.application_id == application.id)
        )
        if rated is not None:
            return None
        text = t(
            SATISFACTION,
            program=program_name(t, application.program.value),
            year=application.year,
            amount=(application.amount_fen or 0) // 100,
        )
        return text, [
            button(label, Rate(application.id, rating).pack()) for rating, label in RATINGS.items()
        ]
    return None
