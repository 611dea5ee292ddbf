"""Reading small whole numbers, such as the months of a contract: 12, 十二个月, 半年, 一年半."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.parsing.errors import NotANumber, NumberOutOfRange
from bot.parsing.numerals import NUMERAL_CHARS, read_number
from bot.parsing.text import prepare

_NOISE = re.compile(r"\s+|大概|大约|差不多|左右|一共|总共|共|合同|签了|签的|期限|是|的|约")
_NUMBER = f"[{NUMERAL_CHARS}]+"
# The counts the bot asks for are months, so a duration in years is turned into months.
_COUNT = re.compile(
    rf"(?P<half>半年)"
    rf"|(?P<years>{_NUMBER})年(?:(?P<and_half>半)|零?(?P<months>{_NUMBER})个?月)?"
    rf"|(?P<count>{_NUMBER})(?:个月|个|月)?"
)


def parse_integer(text: str, *, minimum: int = 0, maximum: int = 999) -> int:
    """A whole number from minimum to maximum; years count as 12 months (半年 is 6).

    Raise NotANumber, or NumberOutOfRange outside minimum..maximum.
    """
    match = _COUNT.fullmatch(_NOISE.sub("", prepare(text)))
    if match is None:
        raise NotANumber(text)
    if match.group("half"):
        value: Decimal | None = Decimal(6)
    elif match.group("years"):
        years = read_number(match.group("years"))
        months = read_number(match.group("months")) if match.group("months") else Decimal(0)
        if years is None or months is None or months >= 12:
            raise NotANumber(text)
        value = years * 12 + months + (6 if match.group("and_half") else 0)
    else:
        value = read_number(match.group("count"))
    if value is None or value != value.to_integral_value():
        raise NotANumber(text)
    if not minimum <= value <= maximum:
        raise NumberOutOfRange(text)
    return int(value)
