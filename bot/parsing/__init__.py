"""Turning what people type on a phone into values: amounts, months, periods, answers, counts."""

from bot.parsing.amounts import MAX_AMOUNT, parse_amount
from bot.parsing.answers import parse_choice, parse_yes_no
from bot.parsing.counts import parse_integer
from bot.parsing.errors import (
    AmountRange,
    AmountTooLarge,
    MonthOutOfRange,
    MultipleAmounts,
    NotAChoice,
    NotAMonth,
    NotAMonthRange,
    NotAnAmount,
    NotAnAnswer,
    NotANumber,
    NumberOutOfRange,
    ParseError,
    RangeReversed,
    TextTooLong,
)
from bot.parsing.months import parse_month, parse_month_range, parse_still_working
from bot.parsing.text import is_reasonable_text, normalize_text
from policy.months import Month

__all__ = [
    "MAX_AMOUNT",
    "AmountRange",
    "AmountTooLarge",
    "Month",
    "MonthOutOfRange",
    "MultipleAmounts",
    "NotAChoice",
    "NotAMonth",
    "NotAMonthRange",
    "NotANumber",
    "NotAnAmount",
    "NotAnAnswer",
    "NumberOutOfRange",
    "ParseError",
    "RangeReversed",
    "TextTooLong",
    "is_reasonable_text",
    "normalize_text",
    "parse_amount",
    "parse_choice",
    "parse_integer",
    "parse_month",
    "parse_month_range",
    "parse_still_working",
    "parse_yes_no",
]
