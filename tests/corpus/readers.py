"""How the corpus reads an utterance: one reader per kind of question, each calling the parser
the bot itself uses at that step, and writing the reading as the canonical text the corpus
files expect (README.md beside this file)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.parsing import ParseError, parse_yes_no
from bot.parsing.amounts import read_amount
from bot.parsing.answers import read_employer, read_household
from bot.parsing.errors import Ambiguous
from bot.parsing.intents import read_intent
from bot.parsing.months import Period, read_birth, read_end, read_period
from bot.parsing.places import read_place
from policy.errors import AmbiguousPlace, UnknownPlace
from policy.months import Month

# The corpus is read as on this day, the claim year being this year's.
TODAY = date(2026, 12, 7)
CLAIM_YEAR = 2026
# The first month an `end` utterance ends a period of.
END_START = Month(2026, 3)

UNREADABLE = "!"


def _period(period: Period) -> str:
    ongoing = "now" if period.ongoing else "?"
    last = str(period.last) if period.last is not None else ongoing
    return f"{period.first}..{last}" + ("~lunar" if period.lunar else "")


def _end(period: Period) -> str:
    last = str(period.last) if period.last is not None else "now"
    return last + ("~lunar" if period.lunar else "")


def _intent(text: str) -> str:
    intent = read_intent(text)
    if intent is None:
        return "-"
    return intent.name + (f":{intent.language}" if intent.language else "")


READERS: dict[str, Callable[[str], str]] = {
    "place": read_place,
    "period": lambda text: _period(read_period(text, default_year=CLAIM_YEAR, today=TODAY)),
    "end": lambda text: _end(read_end(text, start=END_START, today=TODAY)),
    "birth": lambda text: str(read_birth(text, today=TODAY)),
    "amount": lambda text: str(read_amount(text)),
    "employer": read_employer,
    "household": read_household,
    "yesno": lambda text: "yes" if parse_yes_no(text) else "no",
    "intent": _intent,
}


def reading(kind: str, text: str) -> str:
    """The canonical reading of `text` as an answer of `kind`."""
    try:
        return READERS[kind](text)
    except AmbiguousPlace as error:
        return "?" + "|".join(sorted(candidate.code for candidate in error.candidates))
    except Ambiguous as error:
        return "?" + "|".join(error.options)
    except (ParseError, UnknownPlace):
        return UNREADABLE
