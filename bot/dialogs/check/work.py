"""Quick check, the questions about the job: where, since when, until when, which employer,
the wage and the workshop contract."""

from __future__ import annotations

from typing import Any

from bot.dialogs.base import Answer, Reask, Turn, pick
from bot.dialogs.check.flow import (
    Step,
    _parsed,
    _text,
    ask_about,
    ask_next,
    claim_year,
    dialog,
    facts,
)
from bot.messages import Button
from bot.parsing import (
    ParseError,
    parse_amount,
    parse_integer,
    parse_month,
    parse_month_range,
    parse_still_working,
)
from common.i18n import N_
from common.payloads import Place
from policy import (
    facts_from_mapping,
    place_name,
    resolve_place,
)
from policy.errors import AmbiguousPlace, InvalidFacts, UnknownPlace

EMPLOYERS = {
    "employer:one": ("一个单位", "一个", "one", "one employer"),
    "employer:several": ("多个单位", "几个", "多个", "several"),
    "employer:workshop": ("帮扶车间", "车间", "workshop"),
}


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
    ask_about(
        turn,
        N_(
            "Where do you work? Send the province and city, for example 浙江宁波, 广东 or "
            "太原小店区."
        ),
        N_(
            "Where does {name} work? Send the province and city, for example 浙江宁波, 广东 or "
            "太原小店区."
        ),
    )


@dialog.answers(Step.WORK_PLACE)
def answer_work_place(turn: Turn, answer: Answer) -> None:
    pressed = Place.read(answer.button)
    if pressed is not None:
        code = pressed.code
    else:
        text = _text(answer)
        try:
            code = resolve_place(text)
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
    try:
        # People often answer with the whole period at once: 三月到十一月, 2025年3月至今.
        first, last = parse_month_range(text, default_year=year, today=turn.today)
    except ParseError:
        first = _parsed(lambda: parse_month(text, default_year=year, today=turn.today))
        last = None
        whole_period = False
    else:
        whole_period = True
    if _after_today(turn, first) or (last is not None and _after_today(turn, last)):
        raise Reask("That month has not come yet. Please send the month the work started.")
    data = facts(turn)
    data["work_from"] = str(first)
    if whole_period:
        data["work_to"] = str(last) if last is not None else None
    ask_next(turn)


def _after_today(turn: Turn, month: Any) -> bool:
    return bool(month.year * 12 + month.month > turn.today.year * 12 + turn.today.month)


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
    if answer.button == "still" or (answer.text and parse_still_working(answer.words)):
        data["work_to"] = None
        ask_next(turn)
        return
    start_year = int(str(data["work_from"])[:4])
    month = _parsed(lambda: parse_month(_text(answer), default_year=start_year, today=turn.today))
    if str(month) < data["work_from"]:
        raise Reask("The last month is before the first one. Please send the first month first.")
    if _after_today(turn, month):
        raise Reask("That month has not come yet; tap “Still working” if you still work there.")
    data["work_to"] = str(month)
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
    if choice is None:
        raise Reask("Please tap one of the buttons.")
    data = facts(turn)
    data["channel"] = "workshop" if choice == "employer:workshop" else "migrant"
    data["same_employer"] = choice != "employer:several"
    ask_next(turn)


@dialog.asks(Step.WAGE)
def ask_wage(turn: Turn) -> None:
    ask_about(
        turn,
        N_("What is your average monthly wage, in yuan? For example 3000."),
        N_("What is {name}'s average monthly wage, in yuan? For example 3000."),
    )


@dialog.answers(Step.WAGE)
def answer_wage(turn: Turn, answer: Answer) -> None:
    amount = _parsed(lambda: parse_amount(_text(answer)))
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
