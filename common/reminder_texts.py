"""The texts of reminders, in the recipient's language, and whether one still makes sense.

A reminder is written when it is planned and rendered when it is sent, so it speaks the
language the person uses by then and says nothing that has stopped being true (an application
filed, a correction made, a roster paid): such a reminder is dropped instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

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


@dataclass(frozen=True)
class _Rendering:
    """One reminder being rendered for one recipient."""

    session: Session
    reminder: Reminder
    today: date
    t: Callable[..., str]

    @property
    def payload(self) -> dict[str, Any]:
        return self.reminder.payload or {}

    def application(self) -> Application | None:
        found = self.reminder.application_id
        return self.session.get(Application, found) if found else None

    def button(self, label: str, value: str) -> dict[str, str]:
        return {"label": self.t(label), "value": value}

    def stop(self) -> dict[str, str]:
        return self.button(STOP, Reminders(Switch.OFF).pack())


def _window_closing(r: _Rendering) -> Rendered | None:
    program, year = r.payload["program"], int(r.payload["year"])
    applied = r.session.scalar(
        sa.select(Application.id).where(
            Application.person_id == r.reminder.person_id,
            Application.identity_verified.is_(True),  # another's draft does not count
            Application.program == Program(program),
            Application.year == year,
        )
    )
    if applied is not None or date.fromisoformat(r.payload["deadline"]) < r.today:
        return None
    text = r.t(
        WINDOW_CLOSING,
        program=program_name(r.t, program),
        year=year,
        date=r.payload["deadline"],
        days=r.payload["days"],
    )
    return text, [
        r.button("Check my subsidies", to_menu("check")),
        r.button("Apply", to_menu("apply")),
        r.stop(),
    ]


def _returned_unfixed(r: _Rendering) -> Rendered | None:
    application = r.application()
    if application is None or application.status != ApplicationStatus.RETURNED:
        return None
    text = r.t(
        RETURNED_UNFIXED,
        number=application_number(application),
        program=program_name(r.t, application.program.value),
        date=r.payload["returned"],
        note=application.review_note or "",
    )
    return text, [r.button(FIX_BUTTON, Fix(application.id).pack()), r.stop()]


def _notice_ending(r: _Rendering) -> Rendered | None:
    posted = r.session.scalar(
        sa.select(Notice.id).where(
            Notice.number == r.payload["notice"], Notice.status == NoticeStatus.POSTED
        )
    )
    if posted is None:
        return None
    text = r.t(NOTICE_ENDING, notice=r.payload["notice"], date=r.payload["date"])
    return text, [r.button("Review applications", to_menu("review")), r.stop()]


def _review_backlog(r: _Rendering) -> Rendered | None:
    text = r.t(REVIEW_BACKLOG, count=r.payload["count"], days=r.payload["days"])
    return text, [r.button("Review applications", to_menu("review")), r.stop()]


def _payment_due(r: _Rendering) -> Rendered | None:
    batch = r.session.get(RosterBatch, int(r.payload["batch"]))
    if batch is None or batch.status != RosterStatus.SENT:
        return None
    text = r.t(
        PAYMENT_DUE,
        batch=batch.id,
        program=program_name(r.t, batch.program.value),
        year=batch.year,
        date=r.payload["date"],
    )
    return text, [r.stop()]


def _satisfaction(r: _Rendering) -> Rendered | None:
    application = r.application()
    if application is None or application.status != ApplicationStatus.PAID:
        return None
    rated = r.session.scalar(
        sa.select(Satisfaction.id).where(Satisfaction.application_id == application.id)
    )
    if rated is not None:
        return None
    text = r.t(
        SATISFACTION,
        program=program_name(r.t, application.program.value),
        year=application.year,
        amount=(application.amount_fen or 0) // 100,
    )
    return text, [
        r.button(label, Rate(application.id, rating).pack()) for rating, label in RATINGS.items()
    ]


_RENDERERS: dict[str, Callable[[_Rendering], Rendered | None]] = {
    Kind.WINDOW_CLOSING: _window_closing,
    Kind.RETURNED_UNFIXED: _returned_unfixed,
    Kind.NOTICE_ENDING: _notice_ending,
    Kind.REVIEW_BACKLOG: _review_backlog,
    Kind.PAYMENT_DUE: _payment_due,
    Kind.SATISFACTION: _satisfaction,
}


def render(
    session: Session, reminder: Reminder, identity: ChatIdentity, today: date
) -> Rendered | None:
    """The reminder's text and buttons for `identity` on `today` (local date), or None when it
    no longer applies."""
    renderer = _RENDERERS.get(reminder.kind)
    if renderer is None:
        return None
    return renderer(_Rendering(session, reminder, today, partial(translate, identity.language)))
