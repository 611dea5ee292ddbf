"""The main menu, language switching and help: reachable from any step.

It knows no other dialog: the commands and menu actions of every dialog module come from the
registry the turn carries (bot/dialogs/__init__.py wires it).
"""

from __future__ import annotations

from bot.dialogs.base import DialogModule, Turn
from bot.messages import Button
from common.i18n import LANGUAGES
from common.payloads import Language, Menu, to_menu
from db.models import Staff

MENU_WORDS = {"菜单", "主菜单", "返回", "取消", "menu", "cancel", "back"}

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def show(turn: Turn, *, greeting: bool = False) -> None:
    """End any dialog and offer what wugong can do."""
    turn.go(None, None)
    turn.state = {key: value for key, value in turn.state.items() if key == "facts"}
    if greeting:
        text = turn.t(
            "Hello! I help you check and claim the work subsidies: the one-off transport "
            "subsidy, the stable-employment subsidy and the assistance-workshop subsidy. What "
            "would you like to do?"
        )
    else:
        text = turn.t("What would you like to do?")
    buttons = [
        turn.button("Check my subsidies", to_menu("check")),
        turn.button("Apply", to_menu("apply")),
        turn.button("My applications", to_menu("status")),
    ]
    staff_member = (
        turn.session.get(Staff, turn.identity.staff_id) if turn.identity.staff_id else None
    )
    if staff_member is not None and staff_member.active:
        buttons += [
            turn.button(entry.label, to_menu(entry.action))
            for entry in turn.registry.staff_menu
            if staff_member.role in entry.roles
        ]
    buttons += [
        turn.button("Object to a notice", to_menu("object")),
        turn.button("Language / 语言", to_menu("lang")),
        turn.button("Help", to_menu("help")),
    ]
    turn.say(text, buttons)


def press(turn: Turn, payload: Menu) -> None:
    """A menu:NAME button, wherever the user is; an unknown name shows the menu."""
    turn.registry.actions.get(payload.action, show)(turn)


def go(turn: Turn, action: str) -> None:
    """Open another dialog module's menu action (review, roster, …) without importing it."""
    turn.registry.actions.get(action, show)(turn)


def command(turn: Turn, text: str) -> None:
    """A slash command of any dialog module (/check, /apply, /review, …; /start is staff's)."""
    name = text.split()[0].lower().split("@", 1)[0]
    action = turn.registry.commands.get(name)
    if action is None:
        turn.say(turn.t("I do not know that command."))
        show(turn)
        return
    action(turn)


def greet(turn: Turn) -> None:
    show(turn, greeting=True)


def is_menu_word(words: str) -> bool:
    return words.lower() in MENU_WORDS


def ask_language(turn: Turn) -> None:
    turn.say(
        turn.t("Choose your language:"),
        [Button(LANGUAGE_NAMES[code], Language(code).pack()) for code in LANGUAGES],
    )


def switch_language(turn: Turn, payload: Language) -> None:
    """lang:CODE from any step."""
    code = payload.code
    if code not in LANGUAGES:
        ask_language(turn)
        return
    turn.identity.language = code
    turn.say(turn.t("I will speak English from now on."))
    show(turn)


def show_help(turn: Turn) -> None:
    turn.say(
        turn.t(
            "Workers from households lifted out of poverty (脱贫户) and monitored households "
            "(监测户) who work away from home can claim each year:\n"
            "• a one-off transport subsidy: up to 1500 yuan for work in another province, up "
            "to 600 yuan in Shanxi outside your home county;\n"
            "• a stable-employment subsidy: 1200 yuan after 6 months or more at one employer "
            "with an average wage of at least 1000 yuan;\n"
            "• an assistance-workshop subsidy: 200 yuan for each month worked, with a contract "
            "of at least 6 months.\n"
            "Tap “Check my subsidies” to see what you can get, then “Apply”. Your village "
            "cadre can also apply for you. Send “menu” at any time to come back here."
        ),
        [
            turn.button("Check my subsidies", to_menu("check")),
            turn.button("Main menu", to_menu("main")),
        ],
    )


MODULE = DialogModule(
    commands={
        "/menu": show,
        "/cancel": show,
        "/lang": ask_language,
        "/language": ask_language,
        "/help": show_help,
    },
    actions={"main": show, "lang": ask_language, "help": show_help},
    buttons={Menu: press, Language: switch_language},
)
