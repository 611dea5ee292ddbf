"""Quick check, the questions about the person: the household, its monitoring risk, the home
county and the birth month."""

from __future__ import annotations

from datetime import date

from bot.dialogs.base import Answer, Reask, Turn, pick
from bot.dialogs.check.flow import (
    Step,
    _parsed,
    _text,
    ask_next,
    dialog,
    facts,
)
from bot.messages import Button
from bot.parsing import ParseError, parse_month, parse_yes_no
from bot.parsing.answers import read_household
from bot.parsing.errors import Ambiguous
from bot.parsing.months import read_birth
from common.payloads import Place
from policy import (
    place_name,
    resolve_place,
)
from policy.errors import AmbiguousPlace, UnknownPlace

HOUSEHOLDS = {
    "hh:poverty_alleviated": ("脱贫户", "poverty alleviated"),
    "hh:monitored": ("监测户", "监测对象", "防返贫监测户", "monitored"),
    "hh:none": ("都不是", "不是", "none", "neither"),
    "hh:unknown": ("不清楚", "不知道", "don't know", "not sure"),
}


# -- who -----------------------------------------------------------------------------------


@dialog.asks(Step.HOUSEHOLD)
def ask_household(turn: Turn) -> None:
    turn.say(
        turn.t("Which kind of household are you registered in?"),
        [
            turn.button("Lifted out of poverty (脱贫户)", "hh:poverty_alleviated"),
            turn.button("Monitored household (监测户)", "hh:monitored"),
            turn.button("Neither", "hh:none"),
            turn.button("Not sure", "hh:unknown"),
        ],
    )


@dialog.answers(Step.HOUSEHOLD)
def answer_household(turn: Turn, answer: Answer) -> None:
    choice = pick(answer, HOUSEHOLDS)
    if choice is None and answer.button is None and answer.text:
        try:
            choice = "hh:" + read_household(answer.words)
        except Ambiguous:
            raise Reask("Which one is it? Please tap one of the buttons.") from None
        except ParseError:
            choice = None
    if choice is None:
        raise Reask("Please tap one of the buttons.")
    data = facts(turn)
    if choice == "hh:unknown":
        turn.state.setdefault("declined", []).append("household_type")
        turn.say(turn.t("Your village cadre can tell you. I will show both possibilities."))
        ask_next(turn)
        return
    data["household_type"] = choice.removeprefix("hh:")
    if choice == "hh:monitored":
        dialog.ask(turn, Step.RISK)
        return
    ask_next(turn)


@dialog.asks(Step.RISK)
def ask_risk(turn: Turn) -> None:
    turn.say(
        turn.t("Has your household's risk been marked as eliminated (风险已消除)?"),
        [turn.button("Yes", "yes"), turn.button("No", "no")],
    )


@dialog.answers(Step.RISK)
def answer_risk(turn: Turn, answer: Answer) -> None:
    if answer.button in ("yes", "no"):
        eliminated = answer.button == "yes"
    else:
        eliminated = _parsed(lambda: parse_yes_no(_text(answer)))
    if eliminated:
        dialog.ask(turn, Step.RISK_MONTH)
        return
    facts(turn)["risk_eliminated"] = None
    ask_next(turn)


@dialog.asks(Step.RISK_MONTH)
def ask_risk_month(turn: Turn) -> None:
    turn.say(turn.t("In which month was the risk eliminated? For example 2024-12."))


@dialog.answers(Step.RISK_MONTH)
def answer_risk_month(turn: Turn, answer: Answer) -> None:
    month = _parsed(
        lambda: parse_month(_text(answer), default_year=turn.today.year, today=turn.today)
    )
    facts(turn)["risk_eliminated"] = str(month)
    ask_next(turn)


@dialog.asks(Step.HOME)
def ask_home(turn: Turn) -> None:
    turn.say(turn.t("In which county (县/区/市) is your household registered? For example 高平."))


@dialog.answers(Step.HOME)
def answer_home(turn: Turn, answer: Answer) -> None:
    pressed = Place.read(answer.button)
    if pressed is not None:
        code = pressed.code
    else:
        try:
            code = resolve_place(_text(answer))
        except AmbiguousPlace as error:
            turn.say(
                turn.t("Which one do you mean?"),
                [Button(c.name, Place(c.code).pack()) for c in error.candidates[:8]],
            )
            return
        except (UnknownPlace, ValueError):
            raise Reask("I could not find that county. Please send its name.") from None
    try:
        place_name(code)
    except (LookupError, ValueError):
        raise Reask("I could not find that county. Please send its name.") from None
    if len(code) != 6:
        raise Reask("Please send the county, not only the province or city.")
    facts(turn)["home_county"] = code
    ask_next(turn)


@dialog.asks(Step.BIRTH)
def ask_birth(turn: Turn) -> None:
    turn.say(turn.t("In which year and month were you born? For example 1990-03."))


@dialog.answers(Step.BIRTH)
def answer_birth(turn: Turn, answer: Answer) -> None:
    text = _text(answer)
    month = _parsed(lambda: read_birth(text, today=turn.today))
    if month.year > turn.today.year - 10:
        raise Reask("Please send your own year and month of birth, for example 1990-03.")
    facts(turn)["birth_date"] = date(month.year, month.month, 1).isoformat()
    ask_next(turn)
