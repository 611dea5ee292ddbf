"""Telling applicants what happened to their application and what comes next, in their language.

Each message is a Notification row written in the same transaction as the change it reports,
for every chat identity linked to the person and for the one who submitted on their behalf.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.i18n import N_, translate
from common.payloads import Fix
from common.texts import program_name
from db.enums import ApplicationStatus, Capacity, NoticeLevel, NoticeStatus
from db.models import Application, ChatIdentity, Notice, NoticeItem, Notification, RosterBatch
from db.pii import redact
from db.queries import application_number
from db.queries.notices import last_day
from policy import load_parameters

HEADER = N_("{number} · {program} {year}")
FIX_BUTTON = N_("Correct my application")

STATUS_MESSAGES = {
    ApplicationStatus.SUBMITTED: N_(
        "It was sent again with your corrections. Next: it is checked against the monitoring "
        "records and reviewed again."
    ),
    ApplicationStatus.VILLAGE_REVIEW: N_(
        "It has been checked against the monitoring records. Next: your village reviews it."
    ),
    ApplicationStatus.RETURNED: N_(
        "The reviewer returned it to you for a correction: “{note}”. Tap “Correct my "
        "application” to fix it here in the chat; then it is reviewed again."
    ),
    ApplicationStatus.VILLAGE_NOTICE: N_(
        "The village approved it. It is on public notice {notice} until {date}. If nobody "
        "objects, the township reviews it next."
    ),
    ApplicationStatus.TOWNSHIP_REVIEW: N_(
        "The village notice ended without objection. Next: the township reviews it."
    ),
    ApplicationStatus.TOWNSHIP_NOTICE: N_(
        "The township approved it. It is on public notice {notice} until {date}. If nobody "
        "objects, the county confirms it next."
    ),
    ApplicationStatus.COUNTY_REVIEW: N_(
        "The township notice ended without objection. Next: the county confirms it."
    ),
    ApplicationStatus.APPROVED: N_(
        "The county approved it: {amount} yuan. Next: the roster goes to the finance bureau, "
        "which pays the money into your bank card."
    ),
    ApplicationStatus.ROSTER_SENT: N_(
        "It was sent to the finance bureau. The money is due in your bank card by {date}, "
        "{days} working days after the roster was sent."
    ),
    ApplicationStatus.PAID: N_("{amount} yuan have been paid into your bank card."),
    ApplicationStatus.REJECTED: N_(
        "It was not approved. The reason: “{note}”. If you think this is wrong, please talk "
        "to your village cadre."
    ),
    ApplicationStatus.WITHDRAWN: N_("It has been withdrawn."),
    ApplicationStatus.ON_HOLD: N_(
        "Someone raised an objection to it during the public notice. It waits while the "
        "reviewers look into it; you will hear from us."
    ),
}

# What the one who applied on someone's behalf is told instead, where the applicant's message
# speaks to the applicant ("your bank card", "correct my application").
FOR_DELEGATE = {
    STATUS_MESSAGES[ApplicationStatus.RETURNED]: N_(
        "The reviewer returned it for a correction: “{note}”. {name} can correct it in their "
        "own chat, or you can help them."
    ),
    STATUS_MESSAGES[ApplicationStatus.APPROVED]: N_(
        "The county approved it: {amount} yuan. Next: the roster goes to the finance bureau, "
        "which pays the money into {name}'s bank card."
    ),
    STATUS_MESSAGES[ApplicationStatus.ROSTER_SENT]: N_(
        "It was sent to the finance bureau. The money is due in {name}'s bank card by {date}, "
        "{days} working days after the roster was sent."
    ),
    STATUS_MESSAGES[ApplicationStatus.PAID]: N_(
        "{amount} yuan have been paid into {name}'s bank card."
    ),
    STATUS_MESSAGES[ApplicationStatus.REJECTED]: N_("It was not approved. The reason: “{note}”."),
    STATUS_MESSAGES[ApplicationStatus.ON_HOLD]: N_(
        "Someone raised an objection to it during the public notice. It waits while the "
        "reviewers look into it."
    ),
}
FOR_HEADER = N_("{number} · {program} {year} · for {name}")

APPROVED_AT_LEVEL = {
    NoticeLevel.VILLAGE: N_(
        "The village approved it. Next: it is listed on the village's public notice."
    ),
    NoticeLevel.TOWNSHIP: N_(
        "The township approved it. Next: it is listed on the township's public notice."
    ),
}


def recipients(session: Session, application: Application) -> list[ChatIdentity]:
    """The applicant's chat identities and the submitter's, each once, unless they blocked us."""
    conditions = [ChatIdentity.person_id == application.person_id]
    if application.submitted_by_chat_identity_id is not None:
        conditions.append(ChatIdentity.id == application.submitted_by_chat_identity_id)
    return list(
        session.scalars(
            sa.select(ChatIdentity)
            .where(sa.or_(*conditions), ChatIdentity.blocked_at.is_(None))
            .order_by(ChatIdentity.id)
        )
    )


def current_notice(session: Session, application: Application) -> Notice | None:
    """The latest posted notice listing the application."""
    return session.scalars(
        sa.select(Notice)
        .join(NoticeItem, NoticeItem.notice_id == Notice.id)
        .where(NoticeItem.application_id == application.id, Notice.status == NoticeStatus.POSTED)
        .order_by(Notice.id.desc())
    ).first()


def notify_application(
    session: Session,
    application: Application,
    message: str,
    *,
    buttons: Iterable[tuple[str, str]] = (),
    skip: ChatIdentity | None = None,
    **values: Any,
) -> None:
    """Send ``message`` (an msgid) about the application to everyone who follows it, except
    ``skip`` (the one who acted, who sees the outcome as a reply)."""
    for identity in recipients(session, application):
        if skip is not None and identity.id == skip.id:
            continue
        t = partial(translate, identity.language)
        # The delegate follows someone else's claim: told whose it is, spoken to as themself.
        delegate = (
            application.capacity != Capacity.SELF and identity.person_id != application.person_id
        )
        name = application.person.name
        head = t(
            FOR_HEADER if delegate else HEADER,
            number=application_number(application),
            program=program_name(t, application.program.value),
            year=application.year,
            name=name,
        )
        text = t(FOR_DELEGATE.get(message, message), **values, name=name) if delegate else None
        session.add(
            Notification(
                chat_identity_id=identity.id,
                text=head + "\n" + (text or t(message, **values)),
                buttons=[{"label": t(label), "value": value} for label, value in buttons],
            )
        )


def notify_status_change(
    session: Session,
    application: Application,
    *,
    notice: Notice | None = None,
    skip: ChatIdentity | None = None,
) -> None:
    """Tell the applicant (and the delegate) the application's new status and what is next."""
    message = STATUS_MESSAGES.get(application.status)
    if message is None:
        return  # draft, checking: steps of seconds that need no message
    values: dict[str, Any] = {
        # Reviewers type free text; a number that looks like an ID or card is masked.
        "note": redact(application.review_note or ""),
        "amount": (application.amount_fen or 0) // 100,
    }
    if application.status in (ApplicationStatus.VILLAGE_NOTICE, ApplicationStatus.TOWNSHIP_NOTICE):
        shown = notice or current_notice(session, application)
        values["notice"] = shown.number if shown else ""
        values["date"] = last_day(shown).isoformat() if shown else ""
    if application.status == ApplicationStatus.ROSTER_SENT:
        values.update(payment_due(session, application))
    buttons = []
    if application.status == ApplicationStatus.RETURNED:
        buttons.append((FIX_BUTTON, Fix(application.id).pack()))
    notify_application(session, application, message, buttons=buttons, skip=skip, **values)


def payment_due(session: Session, application: Application) -> dict[str, Any]:
    """The due date of the roster actually sent with the claim, and the working days it was
    counted with: never a date promised before the roster went to finance."""
    batch = session.get(RosterBatch, application.roster_batch_id or 0)
    if batch is None or batch.due_date is None:
        return {"date": "", "days": ""}
    days = load_parameters().get("process.payment_working_days", batch.due_date, batch.county_code)
    return {"date": batch.due_date.isoformat(), "days": days}


def notify_approved_at_level(
    session: Session, application: Application, level: NoticeLevel
) -> None:
    """The approval that puts a claim on the next notice (its status changes at posting)."""
    notify_application(session, application, APPROVED_AT_LEVEL[level])


def notify_identity(
    session: Session,
    identity: ChatIdentity,
    message: str,
    *,
    buttons: Iterable[tuple[str, str]] = (),
    **values: Any,
) -> None:
    """A message (an msgid) for one chat identity in its language: objectors, reviewers."""
    session.add(
        Notification(
            chat_identity_id=identity.id,
            text=translate(identity.language, message, **values),
            buttons=[
                {"label": translate(identity.language, label), "value": value}
                for label, value in buttons
            ],
        )
    )
