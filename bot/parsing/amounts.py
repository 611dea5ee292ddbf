"""Reading one amount of money in yuan: 3000, ３０００, 3,000, 三千五, 壹仟, 3.5k, 1万2, 1w."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.parsing.errors import AmountRange, AmountTooLarge, MultipleAmounts, NotAnAmount
from bot.parsing.numerals import NUMERAL_CHARS, read_number
from bot.parsing.text import prepare

# Far beyond any monthly wage or subsidy: a bigger number is a typo (an extra 0, an ID number).
MAX_AMOUNT = Decimal(1_000_000)

_CENT = Decimal("0.01")

# Words people wrap around an amount ("月薪大概3000块钱左右"); they carry no value. Each is replaced
# by a space, so that "3000元4000元" still reads as two numbers.
_NOISE_WORDS = (
    "人民币", "块钱", "元/月", "元每月", "/月", "每个月", "一个月", "每月", "月薪", "月工资",
    "工资", "月收入", "收入", "月入", "大概", "大约", "差不多", "左右", "上下", "之间", "约",
    "元", "块", "圆", "整", "rmb", "cny", "yuan", "¥", "我的", "是", "有", "在",
    "吧", "啊", "呀", "呢", ":", "。", "!", "?",
)  # fmt: skip
_NOISE = re.compile(
    "|".join(re.escape(word) for word in sorted(_NOISE_WORDS, key=len, reverse=True))
)

# A comma between groups of three digits (3,000 and 3，000, which NFKC turns into a comma).
_THOUSANDS = re.compile(r"(?<=[0-9]),(?=[0-9]{3}(?:[^0-9]|$))")

_NUMBER = f"[{NUMERAL_CHARS}kw]+"
_RANGE = re.compile(rf"({_NUMBER})\s*(?:-|~|〜|—|–|→|到|至)\s*({_NUMBER})")
# 三四千, 五六百: two neighbouring digits before a unit is how people say "3000 to 4000".
_SPOKEN_RANGE = re.compile(r"(?:一二|二三|两三|三四|四五|五六|六七|七八|八九)[十百千万]")
_SEPARATORS = re.compile(r"[\s,;、/|和或]+")


def parse_amount(text: str) -> Decimal:
    """One amount in yuan, at most 1,000,000 with at most two decimals; raise NotAnAmount."""
    cleaned = _THOUSANDS.sub("", prepare(text))
    cleaned = _NOISE.sub(" ", cleaned).strip()
    if not cleaned:
        raise NotAnAmount(text)
    if _RANGE.fullmatch(cleaned) or _SPOKEN_RANGE.match(cleaned):
        raise AmountRange(text)
    pieces = [piece for piece in _SEPARATORS.split(cleaned) if piece]
    if len(pieces) > 1:
        if all(read_number(piece, letter_units=True) is not None for piece in pieces):
            raise MultipleAmounts(text)
        raise NotAnAmount(text)
    value = read_number(cleaned, letter_units=True)
    if value is None:
        raise NotAnAmount(text)
    if value > MAX_AMOUNT:
        raise AmountTooLarge(text)
    if value != value.quantize(_CENT):
        raise NotAnAmount(text)  # fractions of a fen are a typo
    return (
        value.quantize(Decimal(1)) if value == value.to_integral_value() else value.quantize(_CENT)
    )


def read_amount(text: str) -> Decimal:
    """One amount as people write it, also inside a sentence: 一个月四千左右, 4k多, 3500块.

    A range (三千到四千, 3000-4000, 三四千) raises AmbiguousAmount whose options are the amounts
    to offer as buttons; anything else unreadable raises NotAnAmount (or a subclass).
    """
    return parse_amount(text)
