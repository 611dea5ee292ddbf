"""Routing one turn: global commands and menu buttons first, then the current dialog's step."""

from __future__ import annotations

import logging

from bot.dialogs import menu
from bot.dialogs.base import Answer, Reask, Turn
from bot.parsing import normalize_text
from common.i18n import N_
from common.payloads import StaleButton

log = logging.getLogger(__name__)

# Longer messages are not read: no answer of any step needs more, and it keeps logs small.
MAX_TEXT_LENGTH = 500

UNSUPPORTED = N_("I can only read text, the buttons and photos here.")
TOO_LONG = N_("That message is too long. Please send a short answer.")


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
        if answer.text is not None and menu.is_menu_word(answer.words):
            menu.show(turn)
            return
        if dialog is None or step is None:
            menu.show(turn, greeting=True)
            return
        if answer.unsupported is not None:
            raise Reask(UNSUPPORTED)
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
    """The incoming message as an answer; a typed button label counts as pressing it."""
    incoming = turn.incoming
    button = incoming.button
    text = incoming.text
    if button is None and text is not None:
        typed = normalize_text(text).lower()
        for offered in turn.state.get("_buttons", []):
            if normalize_text(offered["label"]).lower() == typed:
                button, text = offered["value"], None
                break
    return Answer(
        text=text,
        button=button,
        file=incoming.file,
        contact_phone=incoming.contact_phone,
        contact_is_own=incoming.contact_is_own,
        unsupported=incoming.unsupported,
    )
