"""County finance in chat: the roster to the finance bureau (/roster) and its payments."""

from __future__ import annotations

import sqlalchemy as sa

from bot.dialogs.base import DialogModule, MenuEntry, Turn
from bot.dialogs.budget import county_admin, yuan
from bot.dialogs.budget import program_label as _program
from common.i18n import N_
from common.notify import notify_status_change
from common.payloads import BatchAction, Paid, Roster, RosterAction, YesNo, to_menu
from common.payloads import RosterBatch as RosterBatchButton
from common.roster_links import issue_link
from db.enums import ApplicationStatus, Program, StaffRole
from db.models import Application, RosterBatch, RosterStatus, Staff
from db.queries import Actor, application_number
from db.queries.payments import NotPayable, record_payment
from db.queries.roster import (
    NothingToSend,
    UnknownBatch,
    find_batch,
    mark_sent,
    open_draft,
    recent_batches,
    waiting_for_roster,
)
from db.workdays import UnknownCalendarYear
from policy import load_parameters

PAGE = 10
NOT_EXPORTED = N_("Download the roster first: the roster sent must be the one finance has.")
UNKNOWN_YEAR = N_(
    "The payment due date falls in {year}, whose holidays the working-day calendar "
    "does not know yet, so the roster is not marked as sent. Please ask the system "
    "administrator to add the holidays of {year} from the State Council's notice "
    "(国务院办公厅关于{year}年部分节假日安排的通知)."
)
SENT = N_(
    "Roster {batch} is marked as sent to the finance bureau: {count} claims. Payment is "
    "due by {date}. The applicants have been told."
)
NOT_IN_COUNTY = N_("That roster or claim is not in your county.")


def show_rosters(turn: Turn) -> None:
    """Choose the program and year of the roster."""
    if county_admin(turn) is None:
        return
    buttons = [
        turn.button("{program} {year}", Roster(RosterAction.PICK, year, program).pack(),
                    program=_program(turn, program), year=year)
        for year in (turn.today.year, turn.today.year - 1)
        for program in Program
    ]  # fmt: skip
    turn.say(
        turn.t("Which roster to the finance bureau?"),
        [*buttons, turn.button("Main menu", to_menu("main"))],
    )


def _pick(turn: Turn, staff: Staff, year: int, program: Program) -> None:
    county = staff.region_code
    waiting = waiting_for_roster(turn.session, county_code=county, year=year, program=program)
    lines = [
        turn.t(
            "{program} {year}: {count} approved claims, {amount} yuan, wait for the roster.",
            program=_program(turn, program),
            year=year,
            count=waiting[0],
            amount=yuan(waiting[1]),
        )
    ]
    buttons = []
    if waiting[0]:
        buttons += [
            turn.button("Download the roster", Roster(RosterAction.DOWNLOAD, year, program).pack()),
            turn.button(
                "Download the finance copy",
                Roster(RosterAction.FINANCE_COPY, year, program).pack(),
            ),
            turn.button("Mark as sent to finance", Roster(RosterAction.SEND, year, program).pack()),
        ]
    batches = recent_batches(turn.session, county_code=county, year=year, program=program)
    for batch in batches:
        lines.append(
            turn.t(
                "Roster {batch}: sent on {sent}, payment due by {due}, {status}.",
                batch=batch.id,
                sent=batch.sent_at.date().isoformat() if batch.sent_at else "",
                due=batch.due_date.isoformat() if batch.due_date else "",
                status=turn.t("paid") if batch.status == RosterStatus.PAID else turn.t("unpaid"),
            )
        )
        if batch.status == RosterStatus.SENT:
            buttons.append(
                turn.button(
                    "Record payments of roster {batch}",
                    RosterBatchButton(BatchAction.PAYMENTS, batch.id).pack(),
                    batch=batch.id,
                )
            )
        buttons.append(
            turn.button(
                "Download roster {batch}",
                RosterBatchButton(BatchAction.COPY, batch.id).pack(),
                batch=batch.id,
            )
        )
    turn.say("\n".join(lines), [*buttons, turn.button("Main menu", to_menu("main"))])


def _download(turn: Turn, staff: Staff, batch: RosterBatch, *, finance_copy: bool) -> None:
    link = issue_link(turn.session, Actor.of_staff(staff), batch, finance_copy=finance_copy)
    turn.say(
        turn.t(
            "Roster {batch} is ready. The link works once, within an hour:\n{link}",
            batch=batch.id,
            link=link,
        )
        + ("\n" + turn.t("This copy shows ID and card numbers in full: give it only to the "
                         "finance bureau.") if finance_copy else ""),
        [turn.button("Main menu", to_menu("main"))],
    )  # fmt: skip


def _send(turn: Turn, staff: Staff, year: int, program: Program) -> None:
    days = load_parameters().get("process.payment_working_days", turn.today, staff.region_code)
    try:
        sent = mark_sent(
            turn.session,
            county_code=staff.region_code,
            year=year,
            program=program,
            actor=Actor.of_staff(staff),
            today=turn.today,
            working_days=int(days),
        )
    except NothingToSend:
        turn.say(turn.t(NOT_EXPORTED))
        return
    except UnknownCalendarYear as error:
        turn.say(turn.t(UNKNOWN_YEAR, year=error.year))
        return
    for application in sent.moved:
        notify_status_change(turn.session, application)
    turn.say(
        turn.t(
            SENT,
            batch=sent.batch.id,
            count=len(sent.moved),
            date=sent.batch.due_date.isoformat() if sent.batch.due_date else "",
        ),
        [turn.button("Main menu", to_menu("main"))],
    )


def _payments(turn: Turn, batch: RosterBatch) -> None:
    waiting = turn.session.scalars(
        sa.select(Application)
        .where(
            Application.roster_batch_id == batch.id,
            Application.status == ApplicationStatus.ROSTER_SENT,
        )
        .order_by(Application.id)
        .limit(PAGE)
    ).all()
    if not waiting:
        turn.say(turn.t("Every claim of roster {batch} is paid.", batch=batch.id))
        return
    buttons = [
        turn.button("Paid: {number} {name}", Paid(a.id).pack(),
                    number=application_number(a), name=a.person.name)
        for a in waiting
    ]  # fmt: skip
    turn.say(
        turn.t("Which claims of roster {batch} has finance paid?", batch=batch.id),
        [*buttons, turn.button("Main menu", to_menu("main"))],
    )


def _paid(turn: Turn, staff: Staff, application: Application, *, confirmed: bool) -> None:
    number = application_number(application)
    if not confirmed:
        turn.say(
            turn.t("Record {number} ({name}, {amount} yuan) as paid?", number=number,
                   name=application.person.name, amount=yuan(application.amount_fen)),
            [turn.button("Yes, it is paid", Paid(application.id, YesNo.YES).pack()),
             turn.button("No", RosterBatchButton(BatchAction.PAYMENTS,
                                                 application.roster_batch_id or 0).pack())],
        )  # fmt: skip
        return
    try:
        record_payment(
            turn.session,
            application,
            Actor.of_staff(staff),
            payment_ref=f"chat:{staff.id}:{turn.today.isoformat()}",
        )
    except NotPayable:
        turn.say(turn.t("{number} is not waiting for payment.", number=number))
        return
    notify_status_change(turn.session, application)
    turn.say(turn.t("{number} is recorded as paid; the applicant has been told.", number=number))
    batch = turn.session.get(RosterBatch, application.roster_batch_id)
    if batch is not None:
        _payments(turn, batch)


def roster_button(turn: Turn, payload: Roster) -> None:
    """roster:ACTION:YEAR:PROGRAM: the admin's county's roster of a program's year."""
    staff = county_admin(turn)
    if staff is None:
        return
    year, program, action = payload.year, payload.program, payload.action
    if action == RosterAction.PICK:
        _pick(turn, staff, year, program)
    elif action == RosterAction.SEND:
        turn.say(
            turn.t("Mark the {program} {year} roster you downloaded as sent to the "
                   "finance bureau? The applicants will be told.",
                   program=_program(turn, program), year=year),
            [turn.button("Yes, it is sent",
                         Roster(RosterAction.SEND_CONFIRMED, year, program).pack()),
             turn.button("No", Roster(RosterAction.PICK, year, program).pack())],
        )  # fmt: skip
    elif action == RosterAction.SEND_CONFIRMED:
        _send(turn, staff, year, program)
    else:
        batch = open_draft(turn.session, county_code=staff.region_code, year=year,
                           program=program, actor=Actor.of_staff(staff))  # fmt: skip
        _download(turn, staff, batch, finance_copy=action == RosterAction.FINANCE_COPY)


def batch_button(turn: Turn, payload: RosterBatchButton) -> None:
    """rbatch:pay|copy:<batch>: every action checks the admin's county again (buttons can be
    forged)."""
    staff = county_admin(turn)
    if staff is None:
        return
    try:
        batch = find_batch(turn.session, payload.batch, staff.region_code)
    except UnknownBatch:
        _not_in_county(turn)
        return
    if payload.action == BatchAction.PAYMENTS:
        _payments(turn, batch)
    else:
        _download(turn, staff, batch, finance_copy=False)


def paid_button(turn: Turn, payload: Paid) -> None:
    """paid:<claim>[:yes]: record a claim of a sent roster as paid, after a second tap."""
    staff = county_admin(turn)
    if staff is None:
        return
    application = turn.session.get(Application, payload.application)
    if application is None or not (application.region_code or "").startswith(staff.region_code):
        _not_in_county(turn)
        return
    _paid(turn, staff, application, confirmed=payload.confirmed == YesNo.YES)


def _not_in_county(turn: Turn) -> None:
    turn.say(turn.t(NOT_IN_COUNTY))
    show_rosters(turn)


MODULE = DialogModule(
    commands={"/roster": show_rosters},
    actions={"roster": show_rosters},
    buttons={Roster: roster_button, RosterBatchButton: batch_button, Paid: paid_button},
    staff_menu=[MenuEntry(N_("Roster to finance"), "roster", frozenset({StaffRole.COUNTY_ADMIN}))],
)
