"""Correcting a returned application in chat: the reviewer's note, the answers given, a tap on
what to change (the quick check's questions are asked again for it), then send it again."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.dialogs import check, menu
from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from bot.dialogs.review import employer_words, refuse
from common import jobs
from common.notify import notify_status_change
from common.payloads import CorrectionPart, Fix, to_menu
from db.enums import ApplicationStatus
from db.models import Application
from db.pii import redact
from db.queries import application_number
from db.queries import review as rules
from policy import place_name


class Step(StrEnum):
    CHOOSE = "choose"


dialog = Dialog("correction", Step)

# Which answers a tap clears; the quick check then asks exactly those again.
PARTS = {
    "place": ("work_place",),
    "period": ("work_from", "work_to"),
    "employer": ("channel", "same_employer", "contract_months", "monthly_wage"),
    "wage": ("monthly_wage",),
    "contract": ("contract_months",),
}


def _application(turn: Turn, application_id: int | None) -> Application | None:
    application = turn.session.get(Application, application_id) if application_id else None
    if application is None or not rules.may_follow(turn.identity, application):
        return None
    return application


def start(turn: Turn, payload: Fix) -> None:
    """fix:<id> on the "returned" notification, from anywhere."""
    application = _application(turn, payload.application)
    if application is None or application.status != ApplicationStatus.RETURNED:
        turn.say(turn.t("This application is not waiting for a correction."))
        menu.show(turn)
        return
    turn.state.clear()
    turn.state.update({"fix": application.id, "facts": dict(application.facts or {})})
    dialog.ask(turn, Step.CHOOSE)


def _answers(turn: Turn, facts: dict[str, Any]) -> list[str]:
    try:
        place = place_name(str(facts.get("work_place")))
    except (LookupError, ValueError):
        place = str(facts.get("work_place") or "?")
    lines = [
        turn.t("Work place: {place}", place=place),
        turn.t(
            "Period: {start} to {end}",
            start=facts.get("work_from") or "?",
            end=facts.get("work_to") or turn.t("now"),
        ),
        turn.t("Employer: {kind}", kind=employer_words(turn.t, facts)),
    ]
    if facts.get("monthly_wage"):
        lines.append(turn.t("Monthly wage: {wage} yuan", wage=facts["monthly_wage"]))
    if facts.get("contract_months") is not None:
        lines.append(turn.t("Contract: {months} months", months=facts["contract_months"]))
    return lines


@dialog.asks(Step.CHOOSE)
def ask_choose(turn: Turn) -> None:
    application = _application(turn, turn.state.get("fix"))
    if application is None:
        raise Reask("This application is not waiting for a correction.")
    facts = check.facts(turn)
    text = "\n".join(
        [
            turn.t(
                "Application {number}. The reviewer asked: “{note}”",
                number=application_number(application),
                note=redact(application.review_note or ""),
            ),
            "",
            turn.t("Your answers now:"),
            *_answers(turn, facts),
            "",
            turn.t("Tap what you want to change. When everything is right, tap “Send again”."),
        ]
    )
    buttons = [
        turn.button("Work place", CorrectionPart("place").pack()),
        turn.button("Period", CorrectionPart("period").pack()),
        turn.button("Employer", CorrectionPart("employer").pack()),
    ]
    if facts.get("monthly_wage"):
        buttons.append(turn.button("Wage", CorrectionPart("wage").pack()))
    if facts.get("contract_months") is not None:
        buttons.append(turn.button("Contract", CorrectionPart("contract").pack()))
    buttons += [turn.button("Send again", "send_again"), turn.button("Main menu", to_menu("main"))]
    turn.say(text, buttons)


@dialog.answers(Step.CHOOSE)
def answer_choose(turn: Turn, answer: Answer) -> None:
    value = answer.button or ""
    if value == "send_again":
        send_again(turn)
        return
    pressed = CorrectionPart.read(value)
    part = PARTS.get(pressed.part) if pressed is not None else None
    if part is None:
        raise Reask("Please tap one of the buttons.")
    keep = {key: v for key, v in check.facts(turn).items() if key not in part}
    if keep.get("source"):  # a claim from the records: what is asked again is declared
        keep["source"] = {
            key: "declared" if key in part else value for key, value in keep["source"].items()
        }
    check.collect_facts(turn, then="fix", keep=keep)


def back_to_choose(turn: Turn) -> None:
    """The quick check's questions are answered: show the answers again."""
    dialog.ask(turn, Step.CHOOSE)


def send_again(turn: Turn) -> None:
    application = _application(turn, turn.state.get("fix"))
    if application is None:
        raise Reask("This application is not waiting for a correction.")
    try:
        rules.resubmit(turn.session, turn.identity, application, facts=dict(check.facts(turn)))
    except rules.ReviewError as error:
        refuse(turn, error)
        menu.show(turn)
        return
    notify_status_change(turn.session, application, skip=turn.identity)
    application_id = application.id

    def enqueue() -> None:
        jobs.CROSSCHECK_APPLICATION.send(application_id)

    turn.after_commit.append(enqueue)
    turn.state = {}
    turn.say(
        turn.t(
            "Thank you. Application {number} is sent again: it is checked against the "
            "monitoring records and reviewed again. I will tell you about every step.",
            number=application_number(application),
        )
    )
    menu.show(turn)


MODULE = DialogModule(
    dialog=dialog,
    buttons={Fix: start},
    continuations={"fix": back_to_choose},
)
