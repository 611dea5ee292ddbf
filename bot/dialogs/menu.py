"""The main menu, language switching and help: reachable from any step.

It knows no other dialog: the commands and menu actions of every dialog module come from the
registry the turn carries (bot/dialogs/__init__.py wires it).
"""

from __future__ import annotations

from typing import Any

from bot.dialogs.base import DialogModule, Turn
from bot.messages import Button
from common.i18n import LANGUAGES
from common.payloads import Language, Menu, to_menu
from db.models import Person, Staff
from policy import load_parameters, place_name

# What the menu keeps of a dialog's state: the check's answers (Apply goes on from them) and
# when the village cadres were last told that this chat asked to talk to someone.
KEPT_BY_THE_MENU = frozenset({"facts", "human_told_at"})

MENU_WORDS = {"菜单", "主菜单", "返回", "取消", "menu", "cancel", "back"}

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def show(turn: Turn, *, greeting: bool = False) -> None:
    """End any dialog and offer what wugong can do."""
    turn.go(None, None)
    turn.state = {key: value for key, value in turn.state.items() if key in KEPT_BY_THE_MENU}
    if greeting:
        if turn.registry.offer("greeting", turn):
            return  # what the person's work records offer (bot/dialogs/records.py)
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
    change_language(turn, payload.code)


def change_language(turn: Turn, code: str) -> None:
    """Speak `code` from now on. In the middle of a dialog the answers given so far are kept and
    the current question is asked again in the new language; else the menu follows."""
    if code not in LANGUAGES:
        ask_language(turn)
        return
    turn.identity.language = code
    turn.say(turn.t("I will speak English from now on."))
    if not ask_again(turn):
        show(turn)


def ask_again(turn: Turn) -> bool:
    """Ask the current step's question again (after a detour: help, a language switch); False
    when no dialog is under way."""
    dialog = turn.registry.dialogs.get(turn.identity.dialog or "")
    step = dialog.step_of(turn.identity.step) if dialog is not None else None
    if dialog is None or step is None:
        return False
    dialog.ask(turn, step)
    return True


def _home_county(turn: Turn) -> str | None:
    """The county whose amounts apply: the household's in the registry, else the one the
    user gave in the check; None when neither is known."""
    person = turn.session.get(Person, turn.identity.person_id) if turn.identity.person_id else None
    if person is not None and person.household is not None and person.household.region_code:
        return person.household.region_code[:6]
    given = (turn.state.get("facts") or {}).get("home_county")
    return str(given)[:6] if given else None


def _amounts(values: set[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def help_text(turn: Turn) -> str:
    """What can be claimed, with the amounts of the parameters on today's date: the user's
    county's when it is known (they differ: 汾阳 pays 800 for some provinces), else Shanxi's."""
    params = load_parameters()
    county = _home_county(turn)
    if county is not None and county not in params.counties():
        county = None

    def get(name: str) -> Any:
        return params.get(name, turn.today, county)

    other = {int(get("transport.amount.other_province"))}
    other |= {int(group["amount"]) for group in get("transport.place_groups") or ()}
    lines = [
        turn.t(
            "Workers from households lifted out of poverty (脱贫户) and monitored households "
            "(监测户) who work away from home can claim each year:"
        ),
        turn.t(
            "• a one-off transport subsidy: {other} yuan for work in another province, {own} "
            "yuan in Shanxi outside your home county;",
            other=_amounts(other),
            own=get("transport.amount.own_province"),
        ),
        turn.t(
            "• a stable-employment subsidy: {total} yuan after {months} months or more at one "
            "employer with an average wage of at least {wage} yuan;",
            total=int(get("stable_employment.monthly_amount"))
            * int(get("stable_employment.paid_months")),
            months=get("stable_employment.min_months"),
            wage=get("stable_employment.min_monthly_wage"),
        ),
        turn.t(
            "• an assistance-workshop subsidy: {amount} yuan for each month worked, with a "
            "contract of at least {months} months.",
            amount=get("workshop_employment.monthly_amount"),
            months=get("workshop_employment.min_contract_months"),
        ),
    ]
    if county is not None:
        lines.append(turn.t("These are the amounts of {county}.", county=place_name(county)))
    else:
        lines.append(turn.t("These are Shanxi's amounts; some counties pay other amounts."))
    lines.append(
        turn.t(
            "Tap “Check my subsidies” to see what you can get, then “Apply”. Your village "
            "cadre can also apply for you. Send “menu” at any time to come back here."
        )
    )
    return "\n".join(lines)


def show_help(turn: Turn) -> None:
    turn.say(
        help_text(turn),
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
