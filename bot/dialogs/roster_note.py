"""The roster's 备注 for one claim (a reviewer's words for the finance bureau), from the queue."""

from __future__ import annotations

from enum import StrEnum

from bot.dialogs import review
from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from common.payloads import RosterNote, to_menu
from db.models import Application
from db.queries import application_number
from db.queries import review as rules
from db.queries.roster_notes import set_roster_note


class Step(StrEnum):
    NOTE = "note"


dialog = Dialog("roster_note", Step, free_text={Step.NOTE})

CLEAR_WORDS = {"清除", "删除", "无", "clear", "none"}


def start(turn: Turn, payload: RosterNote) -> None:
    """rnote:<id>: ask for the note of a claim the reviewer may annotate."""
    try:
        application = rules.view(turn.session, review.staff_of(turn), payload.application)
        rules.authorize(review.staff_of(turn), rules.Action.ROSTER_NOTE, application.region_code)
    except rules.ReviewError as error:
        review.refuse(turn, error)
        review.show_queue(turn)
        return
    turn.state["roster_note"] = application.id
    dialog.ask(turn, Step.NOTE)


def _claim(turn: Turn) -> Application | None:
    return turn.session.get(Application, turn.state.get("roster_note") or 0)


@dialog.asks(Step.NOTE)
def ask_note(turn: Turn) -> None:
    application = _claim(turn)
    text = turn.t(
        "What should the roster's 备注 column say for this claim? The finance bureau reads it; "
        "the applicant does not. Send “clear” to remove it."
    )
    if application is not None and application.roster_note:
        text += "\n" + turn.t("Now: {note}", note=application.roster_note)
    turn.say(text, [turn.button("Cancel", to_menu("review"))])


@dialog.answers(Step.NOTE)
def answer_note(turn: Turn, answer: Answer) -> None:
    if answer.text is None or not answer.words:
        raise Reask("Please write the note, or send “clear”.")
    application = _claim(turn)
    turn.state.pop("roster_note", None)
    if application is None:
        review.show_queue(turn)
        return
    text = "" if answer.words.lower() in CLEAR_WORDS else answer.text
    try:
        note = set_roster_note(turn.session, review.staff_of(turn), application, text)
    except rules.ReviewError as error:
        review.refuse(turn, error)
    else:
        number = application_number(application)
        turn.say(
            turn.t("The roster note of {number}: {note}", number=number, note=note)
            if note
            else turn.t("The roster note of {number} is cleared.", number=number)
        )
    review.show_queue(turn)


MODULE = DialogModule(
    dialog=dialog,
    buttons={RosterNote: start},
)
