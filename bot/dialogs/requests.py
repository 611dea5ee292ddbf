"""Requests in a person's own words, from any step (bot/parsing/intents.py reads them): 查补贴,
我想申请交通补贴, 我的申请, 撤回申请, 说英语, 帮助, 找人工.

A request that starts something (check, apply, my applications, withdraw) does so as its menu
button would, except that one already under way goes on: 我要申请 in the middle of applying
asks the current question again instead of starting over. Help, a language switch and talking
to a person are detours: the current question is asked again after them.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.dialogs import menu
from bot.dialogs.base import Turn
from bot.parsing.intents import (
    APPLY,
    CHECK,
    HELP,
    HUMAN,
    LANGUAGE,
    MENU,
    STATUS,
    WITHDRAW,
    Intent,
)
from common.i18n import N_
from common.notify import notify_identity
from common.payloads import to_menu
from db.models import ChatIdentity, Person, Staff
from db.pii import mask_id
from db.queries.staff import village_cadres

# Dialogs that are part of applying (for oneself or for someone); the check is part of it when
# it collects the facts for a claim (its continuation is not the check's own results).
APPLYING = frozenset({"apply", "verify", "delegate", "consent"})
# A cadre is told at most once a day that the same chat asked to talk to someone.
HUMAN_NOTICE_EVERY = timedelta(hours=24)

ALREADY_APPLYING = N_(
    "You are in the middle of an application; let us go on. Send “menu” to stop it."
)
ALREADY_CHECKING = N_("We are checking your subsidies now; let us go on.")


def act(turn: Turn, intent: Intent) -> None:
    """Do what `intent` asks, from wherever the chat is."""
    flow = _flow(turn)
    if intent.name == MENU:
        menu.show(turn)
    elif intent.name == LANGUAGE:
        if intent.language is None:
            menu.ask_language(turn)
        else:
            menu.change_language(turn, intent.language)
    elif intent.name == HELP:
        turn.say(menu.help_text(turn))
        _then_go_on(turn)
    elif intent.name == HUMAN:
        turn.say(human_text(turn))
        _then_go_on(turn)
    elif intent.name == APPLY and flow == APPLY:
        turn.say(turn.t(ALREADY_APPLYING))
        menu.ask_again(turn)
    elif intent.name == CHECK and flow is not None:
        # Checking while applying is part of the application: it goes on too.
        turn.say(turn.t(ALREADY_CHECKING if flow == CHECK else ALREADY_APPLYING))
        menu.ask_again(turn)
    else:
        action = {CHECK: "check", APPLY: "apply", STATUS: "status", WITHDRAW: "withdraw"}
        menu.go(turn, action.get(intent.name, "main"))


def _flow(turn: Turn) -> str | None:
    """APPLY while applying, CHECK during a quick check of its own, else None."""
    dialog = turn.identity.dialog
    if dialog in APPLYING:
        return APPLY
    if dialog == "check":
        return CHECK if turn.state.get("then", "check") == "check" else APPLY
    return None


def _then_go_on(turn: Turn) -> None:
    if not menu.ask_again(turn):
        turn.say(
            turn.t("What would you like to do?"),
            [
                turn.button("Check my subsidies", to_menu("check")),
                turn.button("Apply", to_menu("apply")),
                turn.button("Main menu", to_menu("main")),
            ],
        )


def human_text(turn: Turn) -> str:
    """Who to talk to: the village cadres with their phones, told once a day that this person
    asked; for a chat not verified as a person, how to find them."""
    person = turn.session.get(Person, turn.identity.person_id) if turn.identity.person_id else None
    cadres = village_cadres(turn.session, person.region_code or "") if person is not None else []
    if person is None:
        return turn.t(
            "Your village cadre (村干部) can help you in person, also with the application. "
            "Ask at your village committee (村委会). Once you are verified (tap “Apply” and "
            "enter your ID number), I can give you their phone number."
        )
    if not cadres:
        return turn.t(
            "No cadre of your village is registered here yet. Please ask at your village "
            "committee (村委会); they can apply for you too."
        )
    lines = [turn.t("Your village cadres can help you, also with the application:")]
    for cadre in cadres[:3]:
        if cadre.phone:
            lines.append(turn.t("• {name}: {phone}", name=cadre.name, phone=cadre.phone))
        else:
            lines.append(turn.t("• {name}", name=cadre.name))
    if _tell_cadres(turn, person, cadres):
        lines.append(turn.t("I have told them that you would like to talk to someone."))
    return "\n".join(lines)


def _tell_cadres(turn: Turn, person: Person, cadres: list[Staff]) -> bool:
    """Tell the cadres' chats that `person` asked to talk to someone, at most once a day."""
    last = turn.state.get("human_told_at")
    if last is not None and turn.now.timestamp() - float(last) < HUMAN_NOTICE_EVERY.total_seconds():
        return True
    chats = turn.session.scalars(
        sa.select(ChatIdentity).where(
            ChatIdentity.messageable(),
            ChatIdentity.staff_id.in_([cadre.id for cadre in cadres]),
        )
    ).all()
    for chat in chats:
        notify_identity(
            turn.session,
            chat,
            N_(
                "{name} ({id}) would like to talk to someone about the work subsidies. "
                "Phone: {phone}"
            ),
            name=person.name,
            id=mask_id(person.id_number),
            phone=person.phone or "—",
        )
    if chats:
        turn.state["human_told_at"] = turn.now.timestamp()
    return bool(chats)
