"""The main menu, the slash commands, language switching and help: reachable from any step."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from bot.dialogs import apply, check, delegate, staff, status
from bot.dialogs.base import Turn
from bot.messages import Button
from common.i18n import LANGUAGES, N_
from db.enums import StaffRole
from db.models import Staff

Handler = Callable[[Turn], None]
ButtonHandler = Callable[[Turn, str], None]

# Filled by `extend()` from the dialog modules that add commands and menu entries.
COMMANDS: dict[str, Handler] = {}
ACTIONS: dict[str, Handler] = {}
BUTTONS: dict[str, ButtonHandler] = {"consent:": delegate.answer_consent_request}
# (label msgid marked with N_, button value, roles that see it)
STAFF_MENU: list[tuple[str, str, frozenset[StaffRole]]] = [
    (N_("Apply for someone (委托代办)"), "menu:delegate", frozenset({StaffRole.CADRE})),
]


def extend(module: ModuleType) -> None:
    """Add a dialog module's COMMANDS, ACTIONS (menu:NAME), BUTTONS (prefix) and STAFF_MENU."""
    COMMANDS.update(getattr(module, "COMMANDS", {}))
    ACTIONS.update(getattr(module, "ACTIONS", {}))
    BUTTONS.update(getattr(module, "BUTTONS", {}))
    STAFF_MENU.extend(getattr(module, "STAFF_MENU", []))


def button_handler(value: str) -> ButtonHandler | None:
    """The handler of a button that works from anywhere (consent:…, review:…), if any."""
    for prefix, handler in BUTTONS.items():
        if value.startswith(prefix):
            return handler
    return None


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
        turn.button("Check my subsidies", "menu:check"),
        turn.button("Apply", "menu:apply"),
        turn.button("My applications", "menu:status"),
    ]
    staff_member = (
        turn.session.get(Staff, turn.identity.staff_id) if turn.identity.staff_id else None
    )
    if staff_member is not None and staff_member.active:
        buttons += [
            turn.button(label, value)
            for label, value, roles in STAFF_MENU
            if staff_member.role in roles
        ]
    buttons += [
        turn.button("Object to a notice", "menu:object"),
        turn.button("Language / 语言", "menu:lang"),
        turn.button("Help", "menu:help"),
    ]
    turn.say(text, buttons)


def handles(value: str) -> bool:
    return value.startswith(("menu:", "lang:"))


def press(turn: Turn, value: str) -> None:
    """A menu or language button, wherever the user is."""
    if value.startswith("lang:"):
        switch_language(turn, value.removeprefix("lang:"))
        return
    action = value.removeprefix("menu:")
    {
        "check": check.start,
        "apply": apply.start,
        "status": status.show,
        "delegate": delegate.start,
        "lang": ask_language,
        "help": show_help,
        **ACTIONS,
    }.get(action, show)(turn)


def command(turn: Turn, text: str) -> None:
    """/start [CODE], /check, /apply, /status, /lang, /help, /menu, /cancel."""
    parts = text.split()
    name = parts[0].lower().split("@", 1)[0]
    if name == "/start" and len(parts) > 1:
        staff.redeem(turn, parts[1])
        return
    actions = {
        "/start": lambda t: show(t, greeting=True),
        "/check": check.start,
        "/apply": apply.start,
        "/status": status.show,
        "/lang": ask_language,
        "/language": ask_language,
        "/help": show_help,
        "/menu": show,
        "/cancel": show,
        "/delegate": delegate.start,
        **COMMANDS,
    }
    action = actions.get(name)
    if action is None:
        turn.say(turn.t("I do not know that command."))
        show(turn)
        return
    action(turn)


def is_menu_word(words: str) -> bool:
    return words.lower() in MENU_WORDS


def ask_language(turn: Turn) -> None:
    turn.say(
        turn.t("Choose your language:"),
        [Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in LANGUAGES],
    )


def switch_language(turn: Turn, code: str) -> None:
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
        [turn.button("Check my subsidies", "menu:check"), turn.button("Main menu", "menu:main")],
    )
