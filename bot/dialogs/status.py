"""My applications: program, amount, status in plain words, what comes next; withdraw."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from common.i18n import N_
from common.notify import payment_due
from common.payloads import Withdraw, WithdrawConfirmed, to_menu
from common.texts import program_name
from db.enums import WITHDRAWABLE_STATUSES, ApplicationStatus
from db.models import Application
from db.queries import Actor, application_number, applications_of, withdraw
from policy import load_parameters


class Step(StrEnum):
    CONFIRM_WITHDRAW = "confirm_withdraw"


dialog = Dialog("status", Step)

STATUS_WORDS = {
    ApplicationStatus.DRAFT: N_("waiting for the worker's consent"),
    ApplicationStatus.SUBMITTED: N_("received"),
    ApplicationStatus.CHECKING: N_("being checked against the monitoring records"),
    ApplicationStatus.VILLAGE_REVIEW: N_("being reviewed by the village"),
    ApplicationStatus.RETURNED: N_("returned to you for a correction"),
    ApplicationStatus.VILLAGE_NOTICE: N_("on public notice in the village"),
    ApplicationStatus.TOWNSHIP_REVIEW: N_("being reviewed by the township"),
    ApplicationStatus.TOWNSHIP_NOTICE: N_("on public notice in the township"),
    ApplicationStatus.COUNTY_REVIEW: N_("being confirmed by the county"),
    ApplicationStatus.APPROVED: N_("approved"),
    ApplicationStatus.ROSTER_SENT: N_("sent to the finance bureau for payment"),
    ApplicationStatus.PAID: N_("paid"),
    ApplicationStatus.REJECTED: N_("not approved"),
    ApplicationStatus.WITHDRAWN: N_("withdrawn"),
    ApplicationStatus.ON_HOLD: N_("on hold while an objection is looked into"),
}

NEXT_STEPS = {
    ApplicationStatus.DRAFT: N_("Next: the worker confirms in the chat."),
    ApplicationStatus.SUBMITTED: N_("Next: the check against the monitoring records."),
    ApplicationStatus.CHECKING: N_("Next: the village review."),
    ApplicationStatus.VILLAGE_REVIEW: N_("Next: a public notice of {days} days in the village."),
    ApplicationStatus.RETURNED: N_("Next: correct what the reviewer asked for."),
    ApplicationStatus.VILLAGE_NOTICE: N_("Next: the township review."),
    ApplicationStatus.TOWNSHIP_REVIEW: N_("Next: a public notice of {days} days in the township."),
    ApplicationStatus.TOWNSHIP_NOTICE: N_("Next: the county's confirmation."),
    ApplicationStatus.COUNTY_REVIEW: N_("Next: the roster goes to the finance bureau."),
    ApplicationStatus.APPROVED: N_("Next: the roster goes to the finance bureau."),
    ApplicationStatus.ROSTER_SENT: N_("Next: payment into the bank card by {date}."),
}


def describe(turn: Turn, application: Application) -> str:
    decision = application.decision or {}
    amount = (application.amount_fen or 0) // 100
    lines = [
        turn.t(
            "{number} · {program} {year}",
            number=application_number(application),
            program=program_name(turn.t, application.program.value),
            year=application.year,
        ),
        turn.t("Amount: {amount} yuan", amount=amount)
        if decision.get("eligible") is not False
        else turn.t("Amount: none"),
        turn.t("Status: {status}", status=turn.t(STATUS_WORDS[application.status])),
    ]
    if not application.identity_verified:
        lines.append(
            turn.t(
                "⚠️ Made in another chat by someone not verified as this person. If it was not "
                "you, withdraw it."
            )
        )
        return "\n".join(lines)
    following = NEXT_STEPS.get(application.status)
    if following and application.status == ApplicationStatus.ROSTER_SENT:
        due = payment_due(turn.session, application)
        if due["date"]:
            lines.append(turn.t(following, date=due["date"]))
    elif following:
        days = load_parameters().get(
            "process.notice_days", turn.today, (application.region_code or "")[:6] or None
        )
        lines.append(turn.t(following, days=days))
    return "\n".join(lines)


def visible(turn: Turn) -> list[Application]:
    """The user's applications: drafts made before verification only to the person verified
    (the author sees those as `own_drafts`)."""
    identity = turn.identity
    return [
        a
        for a in applications_of(turn.session, identity)
        if a.identity_verified or (identity.phone_verified and a.person_id == identity.person_id)
    ]


def own_drafts(turn: Turn) -> list[dict[str, Any]]:
    """The drafts this chat made before it was verified and that are still drafts (a draft
    for the person the chat is now verified as is among `visible`)."""
    identity = turn.identity
    kept = []
    for entry in identity.drafts or []:
        application_id = entry.get("application")
        if application_id is None:
            kept.append(entry)
            continue
        application = turn.session.get(Application, application_id)
        if (
            application is not None
            and not application.identity_verified
            and application.status == ApplicationStatus.DRAFT
            and not (identity.phone_verified and application.person_id == identity.person_id)
        ):
            kept.append(entry)
    return kept


def describe_draft(turn: Turn, entry: dict[str, Any]) -> str:
    return "\n".join(
        [
            turn.t(
                "Draft · {program} {year} · ID {id}",
                program=program_name(turn.t, entry["program"]),
                year=entry["year"],
                id=entry["id"],
            ),
            turn.t("Amount: {amount} yuan", amount=entry["amount"]),
            turn.t(
                "Status: a draft, sent once you are verified (an SMS code, or your village "
                "cadre in person)."
            ),
        ]
    )


def show(turn: Turn) -> None:
    """List the user's applications, with a withdraw button for each that may be withdrawn."""
    turn.go(None, None)
    applications = visible(turn)
    drafts = own_drafts(turn)
    for entry in drafts[:10]:
        turn.say(describe_draft(turn, entry))
    if not applications and not drafts:
        turn.say(
            turn.t("You have no applications yet."),
            [turn.button("Apply", to_menu("apply")), turn.button("Main menu", to_menu("main"))],
        )
        return
    for application in applications[:10]:
        buttons = []
        if application.status in WITHDRAWABLE_STATUSES:
            buttons.append(turn.button("Withdraw", Withdraw(application.id).pack()))
        turn.say(describe(turn, application), buttons)
    turn.say(turn.t("Send “menu” to go back."), [turn.button("Main menu", to_menu("main"))])
    turn.go("status", Step.CONFIRM_WITHDRAW)
    turn.state["withdraw"] = None


def start_withdraw(turn: Turn) -> None:
    """Withdraw, asked for in words (撤回申请): the one application that may be withdrawn is
    offered at once; with several, the list with a button under each."""
    withdrawable = [a for a in visible(turn) if a.status in WITHDRAWABLE_STATUSES]
    if not withdrawable:
        turn.say(turn.t("You have no application that can still be withdrawn."))
        show(turn)
        return
    if len(withdrawable) > 1:
        turn.say(turn.t("Tap “Withdraw” under the application you want to withdraw."))
        show(turn)
        return
    turn.state["withdraw"] = withdrawable[0].id
    dialog.ask(turn, Step.CONFIRM_WITHDRAW)


def _own(turn: Turn, application_id: int) -> Application | None:
    for application in visible(turn):
        if application.id == application_id:
            return application
    return None


@dialog.asks(Step.CONFIRM_WITHDRAW)
def ask_withdraw(turn: Turn) -> None:
    chosen = turn.state.get("withdraw")
    application = _own(turn, chosen) if chosen else None
    if application is None:
        show(turn)
        return
    turn.say(
        turn.t(
            "Withdraw application {number}? It can be sent again later this year.",
            number=application_number(application),
        ),
        [
            turn.button("Yes, withdraw", WithdrawConfirmed(application.id).pack()),
            turn.button("No", to_menu("status")),
        ],
    )


@dialog.answers(Step.CONFIRM_WITHDRAW)
def answer_withdraw(turn: Turn, answer: Answer) -> None:
    pressed = Withdraw.read(answer.button) or WithdrawConfirmed.read(answer.button)
    application = _own(turn, pressed.application) if pressed is not None else None
    if application is None:
        raise Reask("Please tap one of the buttons.")
    if isinstance(pressed, Withdraw):
        turn.state["withdraw"] = application.id
        dialog.ask(turn, Step.CONFIRM_WITHDRAW)
        return
    if withdraw(turn.session, application, Actor.of_chat_identity(turn.identity)):
        turn.say(
            turn.t("Application {number} is withdrawn.", number=application_number(application))
        )
    else:
        turn.say(turn.t("This application can no longer be withdrawn."))
    show(turn)


MODULE = DialogModule(
    dialog=dialog,
    commands={"/status": show, "/withdraw": start_withdraw},
    actions={"status": show, "withdraw": start_withdraw},
)
