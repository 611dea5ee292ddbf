"""Routing one turn: global commands, menu buttons and requests in words (查补贴, 帮助) first,
then the current dialog's step."""

from __future__ import annotations

import logging
from enum import StrEnum

from bot.dialogs import menu, requests
from bot.dialogs.base import Answer, Dialog, Reask, Turn
from bot.messages import Incoming
from bot.parsing import normalize_text
from bot.parsing.intents import read_intent
from common.i18n import N_
from common.payloads import StaleButton

log = logging.getLogger(__name__)

# Longer messages are not read: no answer of any step needs more, and it keeps logs small.
MAX_TEXT_LENGTH = 500

UNSUPPORTED = N_("I can only read text, the buttons and photos here.")
# Lines for particular unsupported content, by the Incoming's `unsupported` name.
UNSUPPORTED_LINES = {
    "unrecognised_voice": N_(
        "I could not make out that voice message. Please say it again clearly, or type it."
    ),
}
TOO_LONG = N_("That message is too long. Please send a short answer.")
FILE_OUTSIDE_A_STEP = N_(
    "I received your photo or file, but nothing was asking for one, so it is not kept. Send "
    "proof or the 委托书 when applying, at the step that asks for it."
)


def route(turn: Turn) -> None:
    """Handle the turn's message: a command, a menu button, or the answer to the current step."""
    answer = _answer(turn)
    if answer.text is not None and answer.text.startswith("/"):
        menu.command(turn, answer.text)
        return
    dialog = turn.registry.dialogs.get(turn.identity.dialog or "")
    step = dialog.step_of(turn.identity.step) if dialog is not None else None
    try:
        handler = turn.registry.button_handler(answer.button) if answer.button else None
        if handler is not None:
            handler(turn)
            return
        if _request(turn, answer, dialog, step):
            return
        if dialog is None or step is None:
            if answer.file is not None:  # not silently dropped: the sender expects it kept
                turn.say(turn.t(FILE_OUTSIDE_A_STEP))
                menu.show(turn)
                return
            menu.show(turn, greeting=True)
            return
        if answer.unsupported is not None:
            raise Reask(UNSUPPORTED_LINES.get(answer.unsupported, UNSUPPORTED))
        if answer.text is not None and len(answer.text) > MAX_TEXT_LENGTH:
            raise Reask(TOO_LONG)
        dialog.answer(turn, step, answer)
    except (Reask, StaleButton) as reask:
        values = reask.values if isinstance(reask, Reask) else {}
        turn.say(turn.t(reask.message, **values))
        if dialog is not None and step is not None:
            dialog.ask(turn, step)
        else:
            menu.show(turn)


def _request(turn: Turn, answer: Answer, dialog: Dialog | None, step: StrEnum | None) -> bool:
    """Act on a menu word or a request in words (查补贴, 我的申请, 帮助), which work from any
    step but a free-text one (there only the menu words do); False when the text is none."""
    if answer.text is None:
        return False
    if menu.is_menu_word(answer.words):
        menu.show(turn)
        return True
    if dialog is not None and step in dialog.free_text:
        return False
    intent = read_intent(answer.text)
    if intent is None:
        return False
    requests.act(turn, intent)
    return True


def apologise(turn: Turn) -> None:
    """After a failed step: say sorry and ask the same question again, or show the menu."""
    turn.say(turn.t("Sorry, something went wrong on our side. Please try again."))
    dialog = turn.registry.dialogs.get(turn.identity.dialog or "")
    step = dialog.step_of(turn.identity.step) if dialog is not None else None
    try:
        if dialog is not None and step is not None:
            dialog.ask(turn, step)
            return
    except Exception:
        log.exception("re-asking after a failure failed too")
    menu.show(turn)


def _answer(turn: Turn) -> Answer:
    """The incoming message as an answer; a typed button label counts as pressing it, and so
    does a tapped option or a typed number where the channel numbers its options."""
    incoming = turn.incoming
    button = incoming.button
    text = incoming.text
    if button is None and text is not None:
        offered_buttons = turn.state.get("_buttons", [])
        typed = normalize_text(text).lower()
        for offered in offered_buttons:
            if normalize_text(offered["label"]).lower() == typed:
                button, text = offered["value"], None
                break
        else:
            position = _position(incoming, typed, offered_buttons)
            if position is not None:
                button, text = offered_buttons[position - 1]["value"], None
    return Answer(
        text=text,
        button=button,
        file=incoming.file,
        contact_phone=incoming.contact_phone,
        contact_is_own=incoming.contact_is_own,
        unsupported=incoming.unsupported,
    )


def _position(incoming: Incoming, typed: str, offered: list[dict[str, str]]) -> int | None:
    """The position (1, 2, …) of the button meant when no label matched exactly: a tapped
    option whose text still shows that button's label (as "1. label"), or a number typed where
    the channel numbers its options; else None (a stale menu's tap is read as text)."""
    if incoming.option is not None:
        position = incoming.option
        if 1 <= position <= len(offered):
            label = normalize_text(offered[position - 1]["label"]).lower()
            if label and label in typed:
                return position
        return None
    if incoming.numbered_options and typed.isdigit() and 1 <= int(typed) <= len(offered):
        return int(typed)
    return None
