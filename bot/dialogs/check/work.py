"""Quick check, the questions about the job: where, since when, until when, which employer,
the wage and the workshop contract."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.dialogs.base import Answer, Reask, Turn, pick
from bot.dialogs.check.flow import (
    Step,
    _parsed,
    _text,
    applicant_name,
    ask_about,
    ask_next,
    claim_year,
    dialog,
    facts,
)
from bot.messages import Button
from bot.parsing import ParseError, parse_integer
from bot.parsing.amounts import read_amount
from bot.parsing.answers import read_employer
from bot.parsing.errors import Ambiguous, AmbiguousAmount
from bot.parsing.months import Period, read_end, read_period
from bot.parsing.places import read_place
from common.i18n import N_
from common.payloads import Place, Reading
from policy import facts_from_mapping, place_name
from policy.errors import AmbiguousPlace, InvalidFacts, UnknownPlace
from policy.months import Month

EMPLOYERS = {
    "employer:one": ("一个单位", "一个", "one", "one employer"),
    "employer:several": ("多个单位", "几个", "多个", "several"),
    "employer:workshop": ("帮扶车间", "车间", "workshop"),
}
LUNAR = N_(
    "I read the lunar months as the months of the calendar they mostly fall in: 正月 as "
    "February, 腊月 as January. If that is not right, send the months as numbers, for "
    "example 2026-02."
)


# -- where ---------------------------------------------------------------------------------


@dialog.asks(Step.WORK_PLACE)
def ask_work_place(turn: Turn) -> None:
    choices = turn.state.get("place_choices") or []
    # Place names are proper names: shown as they are, not translated.
    buttons = [Button(c["name"], Place(c["code"]).pack()) for c in choices]
    if choices:
        turn.say(
            turn.t("Which one do you mean? Tap it, or send the name again with more detail."),
            buttons,
        )
        return
    year = claim_year(facts(turn), turn.today)
    own = N_(
        "Where did you work in {year}? Send the province and city, for example 浙江宁波, 广东 "
        "or 太原小店区."
    )
    delegated = N_(
        "Where did {name} work in {year}? Send the province and city, for example 浙江宁波, "
        "广东 or 太原小店区."
    )
    name = applicant_name(turn)
    turn.say(turn.t(own, year=year) if name is None else turn.t(delegated, name=name, year=year))


@dialog.answers(Step.WORK_PLACE)
def answer_work_place(turn: Turn, answer: Answer) -> None:
    pressed = Place.read(answer.button)
    if pressed is not None:
        code = pressed.code
    else:
        text = _text(answer)
        try:
            code = read_place(text)
        except AmbiguousPlace as error:
            turn.state["place_choices"] = [
                {"code": c.code, "name": c.name} for c in error.candidates[:8]
            ]
            raise Reask("There are several places with that name.") from None
        except (UnknownPlace, ValueError):
            turn.state.pop("place_choices", None)
            raise Reask("I could not find that place. Please send the province and city.") from None
    turn.state.pop("place_choices", None)
    try:
        name = place_name(code)
    except (LookupError, ValueError):
        raise Reask("I could not find that place. Please send the province and city.") from None
    facts(turn)["work_place"] = code
    turn.say(turn.t("Work place: {place}", place=name))
    ask_next(turn)


# -- when ----------------------------------------------------------------------------------


@dialog.asks(Step.WORK_FROM)
def ask_work_from(turn: Turn) -> None:
    ask_about(
        turn,
        N_("Since when have you worked there? For example 2025-03 or 2025年3月."),
        N_("Since when has {name} worked there? For example 2025-03 or 2025年3月."),
    )


@dialog.answers(Step.WORK_FROM)
def answer_work_from(turn: Turn, answer: Answer) -> None:
    text = _text(answer)
    year = claim_year(facts(turn), turn.today)
    # People often answer with the whole period at once: 三月到十一月, 去年正月到七月, 3月至今.
    period: Period = _parsed(lambda: read_period(text, default_year=year, today=turn.today))
    if _after_today(turn, period.first) or (
        period.last is not None and _after_today(turn, period.last)
    ):
        raise Reask("That month has not come yet. Please send the month the work started.")
    data = facts(turn)
    data["work_from"] = str(period.first)
    if period.last is not None or period.ongoing:
        data["work_to"] = str(period.last) if period.last is not None else None
    _say_lunar(turn, period)
    ask_next(turn)


def _after_today(turn: Turn, month: Any) -> bool:
    return bool(month.year * 12 + month.month > turn.today.year * 12 + turn.today.month)


def _say_lunar(turn: Turn, period: Period) -> None:
    """Say how lunar months were read (去年正月到七月), so a wrong reading can be put right."""
    if period.lunar:
        turn.say(
            turn.t(LUNAR)
            + "\n"
            + turn.t(
                "Period: {start} to {end}",
                start=str(period.first),
                end=str(period.last) if period.last is not None else turn.t("now"),
            )
        )


@dialog.asks(Step.WORK_TO)
def ask_work_to(turn: Turn) -> None:
    ask_about(
        turn,
        N_("Until when? Send the last month worked, or tap “Still working”."),
        N_("Until when did {name} work there? Send the last month, or tap “Still working”."),
        [turn.button("Still working", "still")],
    )


@dialog.answers(Step.WORK_TO)
def answer_work_to(turn: Turn, answer: Answer) -> None:
    data = facts(turn)
    if answer.button == "still":
        data["work_to"] = None
        ask_next(turn)
        return
    start = Month.parse(str(data["work_from"]))
    text = _text(answer)
    period: Period = _parsed(lambda: read_end(text, start=start, today=turn.today))
    if period.last is not None and _after_today(turn, period.last):
        raise Reask("That month has not come yet; tap “Still working” if you still work there.")
    data["work_to"] = str(period.last) if period.last is not None else None
    _say_lunar(turn, period)
    ask_next(turn)


# -- employer ------------------------------------------------------------------------------


@dialog.asks(Step.EMPLOYER)
def ask_employer(turn: Turn) -> None:
    ask_about(
        turn,
        N_("Did you work for one employer the whole time, or for several?"),
        N_("Did {name} work for one employer the whole time, or for several?"),
        [
            turn.button("One employer", "employer:one"),
            turn.button("Several employers", "employer:several"),
            turn.button("An assistance workshop (帮扶车间)", "employer:workshop"),
        ],
    )


@dialog.answers(Step.EMPLOYER)
def answer_employer(turn: Turn, answer: Answer) -> None:
    choice = pick(answer, EMPLOYERS)
    if choice is None and answer.button is None and answer.text:
        try:
            choice = "employer:" + read_employer(answer.words)
        except Ambiguous:
            raise Reask(
                "Did you mean one employer or several? Please tap one of the buttons."
            ) from None
        except ParseError:
            choice = None
    if choice is None:
        raise Reask("Please tap one of the buttons.")
    data = facts(turn)
    data["channel"] = "workshop" if choice == "employer:workshop" else "migrant"
    data["same_employer"] = choice != "employer:several"
    ask_next(turn)


@dialog.asks(Step.WAGE)
def ask_wage(turn: Turn) -> None:
    options = turn.state.get("wage_options") or []
    if options:  # the last answer was a range: which amount, as buttons
        turn.say(
            turn.t("Which amount is closest to the usual monthly wage?"),
            [
                turn.button("{amount} yuan", Reading(index).pack(), amount=option)
                for index, option in enumerate(options)
            ],
        )
        return
    ask_about(
        turn,
        N_("What is your average monthly wage, in yuan? For example 3000."),
        N_("What is {name}'s average monthly wage, in yuan? For example 3000."),
    )


@dialog.answers(Step.WAGE)
def answer_wage(turn: Turn, answer: Answer) -> None:
    options = turn.state.pop("wage_options", None) or []
    pressed = Reading.read(answer.button)
    if pressed is not None and pressed.index < len(options):
        amount = Decimal(options[pressed.index])
    else:
        text = _text(answer)
        try:
            amount = read_amount(text)
        except AmbiguousAmount as ambiguous:
            turn.state["wage_options"] = list(ambiguous.options)
            raise Reask("That is a range; I need one amount.") from None
        except ParseError as error:
            raise Reask(error.message_key) from None
    try:
        facts_from_mapping({"year": turn.today.year, "monthly_wage": amount})
    except InvalidFacts:
        raise Reask("Please send one amount in yuan, for example 3000.") from None
    facts(turn)["monthly_wage"] = str(amount)
    ask_next(turn)


@dialog.asks(Step.CONTRACT)
def ask_contract(turn: Turn) -> None:
    ask_about(
        turn,
        N_("How many months is your labour contract with the workshop for?"),
        N_("How many months is {name}'s labour contract with the workshop for?"),
    )


@dialog.answers(Step.CONTRACT)
def answer_contract(turn: Turn, answer: Answer) -> None:
    facts(turn)["contract_months"] = _parsed(
        lambda: parse_integer(_text(answer), minimum=0, maximum=120)
    )
    ask_next(turn)
