"""Quick check: the facts of one job, asked in the order a person thinks, then every decision.

The policy's missing facts drive the questions after the first four (where, since when, until
when, which kind of employer). Apply and delegated apply reuse these steps through
`collect_facts(turn, then=...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn, pick
from bot.messages import Button
from bot.parsing import (
    ParseError,
    parse_amount,
    parse_integer,
    parse_month,
    parse_month_range,
    parse_still_working,
    parse_yes_no,
)
from common.i18n import N_
from common.payloads import ClaimYear, Place, to_menu
from common.texts import decisions_text, program_name
from db.models import Person
from policy import (
    FACT_NAMES,
    Decision,
    assess_all,
    facts_from_mapping,
    next_window,
    open_windows,
    open_years,
    place_name,
    resolve_place,
    window,
)
from policy.errors import AmbiguousPlace, InvalidFacts, UnknownPlace


class Step(StrEnum):
    YEAR = "year"
    WORK_PLACE = "work_place"
    WORK_FROM = "work_from"
    WORK_TO = "work_to"
    EMPLOYER = "employer"
    WAGE = "wage"
    CONTRACT = "contract"
    HOUSEHOLD = "household"
    RISK = "risk"
    RISK_MONTH = "risk_month"
    HOME = "home"
    BIRTH = "birth"


dialog = Dialog("check", Step)

# The facts whose question comes from the policy's `missing`, in the order a person thinks.
QUESTIONS = {
    "monthly_wage": Step.WAGE,
    "contract_months": Step.CONTRACT,
    "household_type": Step.HOUSEHOLD,
    "home_county": Step.HOME,
    "birth_date": Step.BIRTH,
}

HOUSEHOLDS = {
    "hh:poverty_alleviated": ("脱贫户", "poverty alleviated"),
    "hh:monitored": ("监测户", "监测对象", "防返贫监测户", "monitored"),
    "hh:none": ("都不是", "不是", "none", "neither"),
    "hh:unknown": ("不清楚", "不知道", "don't know", "not sure"),
}
EMPLOYERS = {
    "employer:one": ("一个单位", "一个", "one", "one employer"),
    "employer:several": ("多个单位", "几个", "多个", "several"),
    "employer:workshop": ("帮扶车间", "车间", "workshop"),
}


def applicant_name(turn: Turn) -> str | None:
    """The person a cadre applies for (委托代办), or None when people speak for themselves:
    the questions then ask about that person, not about "you"."""
    if turn.state.get("mode") != "delegate" or not turn.state.get("person_id"):
        return None
    person = turn.session.get(Person, turn.state["person_id"])
    return person.name if person is not None else None


def ask_about(turn: Turn, own: str, delegated: str, buttons: list[Button] | None = None) -> None:
    """Ask ``own`` (an msgid in the second person), or ``delegated`` (with {name}) of a cadre
    who applies for someone."""
    name = applicant_name(turn)
    turn.say(turn.t(own) if name is None else turn.t(delegated, name=name), buttons or [])


def start(turn: Turn) -> None:
    """Start a fresh quick check."""
    turn.say(
        turn.t(
            "Let us see which subsidies you can get. I will ask a few questions about your "
            "work; send “menu” to stop at any time."
        )
    )
    collect_facts(turn, then="check")


def collect_facts(turn: Turn, *, then: str, keep: dict[str, Any] | None = None) -> None:
    """Ask whatever facts are still needed, then run the continuation named `then`."""
    turn.state["facts"] = dict(keep or {})
    turn.state["declined"] = []
    turn.state["then"] = then
    ask_next(turn)


def facts(turn: Turn) -> dict[str, Any]:
    value: dict[str, Any] = turn.state.setdefault("facts", {})
    return value


def claim_year(data: dict[str, Any], today: date) -> int:
    """The year assessed and claimed: the one chosen at the start (last year's while its
    window is still open), else this year. Work done in an earlier year is a back-claim,
    which the policy allows only where the county does."""
    year = data.get("year")
    return int(year) if year else today.year


def years_open(turn: Turn) -> list[int]:
    """The claim years taken today in the person's county (the default windows while the
    county is not known yet); this year when none is open, so the check still answers."""
    return open_years(turn.today, facts(turn).get("home_county")) or [turn.today.year]


def decide(data: dict[str, Any], today: date) -> list[Decision]:
    """The policy's decisions on the facts gathered so far."""
    known = {key: value for key, value in data.items() if key in FACT_NAMES and value is not None}
    if "monthly_wage" in known:
        known["monthly_wage"] = Decimal(str(known["monthly_wage"]))
    return assess_all(
        facts_from_mapping({**known, "year": claim_year(data, today), "as_of": today})
    )


def ask_next(turn: Turn) -> None:
    """Ask the next question the decisions need, or hand over to the continuation."""
    data = facts(turn)
    if "year" not in data:
        years = years_open(turn)
        if len(years) > 1:
            dialog.ask(turn, Step.YEAR)
            return
        data["year"] = years[0]
    for key, step in (
        ("work_place", Step.WORK_PLACE),
        ("work_from", Step.WORK_FROM),
        ("work_to", Step.WORK_TO),
        ("channel", Step.EMPLOYER),
    ):
        if key not in data:
            dialog.ask(turn, step)
            return
    declined = set(turn.state.get("declined", []))
    missing = {name for decision in decide(data, turn.today) for name in decision.missing}
    for name, step in QUESTIONS.items():
        if name in missing and name not in declined and name not in data:
            dialog.ask(turn, step)
            return
    # What to do once every needed fact is known: the quick check's results, or the dialog
    # that asked for the facts goes on (a continuation some dialog module declared).
    turn.registry.continuations[turn.state.get("then", "check")](turn)


def show_results(turn: Turn) -> None:
    """The quick check's end: every program's verdict and reasons for the year assessed,
    when claims are taken, then what to do next."""
    data = facts(turn)
    year = claim_year(data, turn.today)
    decisions = decide(data, turn.today)
    hopeful = [d.program for d in decisions if d.eligible is not False]
    closed = window_lines(turn, hopeful, year, data.get("home_county"))
    text = turn.t("Here is what you can get for {year}:", year=year)
    text += "\n\n" + decisions_text(turn.t, decisions)
    if closed:
        text += "\n\n" + "\n".join(closed)
    turn.go(None, None)
    buttons = [
        turn.button("Check again", to_menu("check")),
        turn.button("Main menu", to_menu("main")),
    ]
    if len(closed) < len(hopeful):  # something can be claimed now
        buttons.insert(0, turn.button("Apply now", to_menu("apply")))
    turn.say(text, buttons)


def window_lines(turn: Turn, programs: list[str], year: int, county: str | None) -> list[str]:
    """One line per program whose claims for ``year`` are not taken today: when they were or
    will be, and the next window."""
    lines = []
    for program in programs:
        found = window(program, year, county)
        if found.is_open(turn.today):
            continue
        name = program_name(turn.t, program)
        if found.opens > turn.today:
            lines.append(
                turn.t(
                    "⏰ {program}: claims for {year} are taken from {opens} to {closes}.",
                    program=name,
                    year=year,
                    opens=found.opens.isoformat(),
                    closes=found.closes.isoformat(),
                )
            )
            continue
        following = next_window(program, turn.today, county)
        lines.append(
            turn.t(
                "⏰ {program}: claims for {year} closed on {closes}. The next window: {next_opens} "
                "to {next_closes} (for {next_year}).",
                program=name,
                year=year,
                closes=found.closes.isoformat(),
                next_opens=following.opens.isoformat(),
                next_closes=following.closes.isoformat(),
                next_year=following.year,
            )
        )
    return lines


def _text(answer: Answer) -> str:
    if answer.file is not None or answer.contact_phone is not None:
        raise Reask("Please answer with a few words or tap a button.")
    if not answer.words:
        raise Reask("Please answer with a few words or tap a button.")
    return answer.words


def _parsed(parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except ParseError as error:
        raise Reask(error.message_key) from None


# -- which year ----------------------------------------------------------------------------


@dialog.asks(Step.YEAR)
def ask_year(turn: Turn) -> None:
    years = years_open(turn)
    closes = max(
        found.closes
        for found in open_windows(turn.today, facts(turn).get("home_county"))
        if found.year == years[0]
    )
    turn.say(
        turn.t(
            "Claims for the work of {last} are still taken until {closes}. Which year's work "
            "do you want to check?",
            last=years[0],
            closes=closes.isoformat(),
        ),
        [turn.button("Work in {year}", ClaimYear(year).pack(), year=year) for year in years],
    )


@dialog.answers(Step.YEAR)
def answer_year(turn: Turn, answer: Answer) -> None:
    years = years_open(turn)
    chosen: int | None = None
    pressed = ClaimYear.read(answer.button)
    if pressed is not None:
        chosen = pressed.year
    elif answer.text:
        words = answer.words.lower()
        spoken = {"去年": turn.today.year - 1, "last year": turn.today.year - 1,
                  "今年": turn.today.year, "this year": turn.today.year}  # fmt: skip
        digits = "".join(ch for ch in words if ch.isdigit())
        chosen = spoken.get(words.rstrip("的")) or (int(digits) if len(digits) == 4 else None)
    if chosen not in years:
        raise Reask("Please tap one of the buttons.")
    facts(turn)["year"] = chosen
    ask_next(turn)


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
    month = _parsed(
        lambda: parse_month(text, default_year=turn.today.year, today=turn.today, first_year=1900)
    )
    if month.year > turn.today.year - 10:
        raise Reask("Please send your own year and month of birth, for example 1990-03.")
    facts(turn)["birth_date"] = date(month.year, month.month, 1).isoformat()
    ask_next(turn)


MODULE = DialogModule(
    dialog=dialog,
    commands={"/check": start},
    actions={"check": start},
    continuations={"check": show_results},
)
