"""Quick check, the flow: the facts of one job, asked in the order a person thinks, then every
decision.

The policy's missing facts drive the questions after the first four (where, since when, until
when, which kind of employer): `ask_next` asks the first one missing. The questions themselves
are in `work` (the job) and `person` (the household and the person); apply and delegated apply
reuse them through `collect_facts(turn, then=...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.dialogs.base import Answer, Dialog, Reask, Turn
from bot.messages import Button
from bot.parsing import (
    ParseError,
)
from common.payloads import ClaimYear, to_menu
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
    window,
)


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
