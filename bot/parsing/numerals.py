"""Reading numbers written in digits, Chinese numerals (三千五, 壹仟) or both (3千5, 1万2, 3.5k)."""

from __future__ import annotations

import re
from decimal import Decimal

DIGITS: dict[str, int] = {
    "〇": 0, "零": 0,
    "一": 1, "壹": 1,
    "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "俩": 2, "倆": 2,
    "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4,
    "五": 5, "伍": 5,
    "六": 6, "陆": 6, "陸": 6,
    "七": 7, "柒": 7,
    "八": 8, "捌": 8,
    "九": 9, "玖": 9,
}  # fmt: skip
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
LARGE_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
# Chat shorthand for wages: 3k, 1w (w for 万, wan); only amounts accept it.
LETTER_UNITS: dict[str, int] = {"k": 1000, "w": 10**4}

# Every character that can be part of a number, for the regular expressions of the parsers.
NUMERAL_CHARS = "0-9." + "".join([*DIGITS, *SMALL_UNITS, *LARGE_UNITS])

_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?|.", re.DOTALL)

_Token = tuple[str, Decimal, bool]  # kind ("num", "zero", "unit"), value, written as one digit


def _tokenize(text: str, letter_units: bool) -> list[_Token] | None:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        part = match.group()
        if part[0].isascii() and part[0].isdigit():
            tokens.append(("num", Decimal(part), len(part) == 1))
        elif part in DIGITS:
            value = DIGITS[part]
            tokens.append(
                ("zero", Decimal(0), True) if value == 0 else ("num", Decimal(value), True)
            )
        elif part in SMALL_UNITS or part in LARGE_UNITS:
            tokens.append(("unit", Decimal(SMALL_UNITS.get(part) or LARGE_UNITS[part]), False))
        elif letter_units and part in LETTER_UNITS:
            tokens.append(("unit", Decimal(LETTER_UNITS[part]), False))
        else:
            return None
    return tokens


class _NotANumber(Exception):
    pass


class _Reader:
    """Reads tokens left to right, keeping the finished 万/亿 groups, the group being read, a
    number waiting for its unit, and the floors the next units must stay below."""

    def __init__(self) -> None:
        self.total = Decimal(0)  # the finished 万 and 亿 groups
        self.section = Decimal(0)  # the group below the next 万 or 亿
        self.pending: Decimal | None = None  # a number waiting for its unit
        self.pending_single = False
        self.last_unit: Decimal | None = None  # unit just before the pending number, no 零 between
        self.section_floor: Decimal | None = None  # the next 十/百/千 must be below this
        self.large_floor: Decimal | None = None  # the next 万/亿 must be below this

    def zero(self) -> None:
        if self.pending is not None:
            raise _NotANumber
        self.last_unit = None

    def number(self, value: Decimal, single: bool) -> None:
        if self.pending is not None:
            raise _NotANumber  # two numbers in a row: 三四 is a range, 3五 a typo
        self.pending, self.pending_single = value, single

    def small_unit(self, value: Decimal) -> None:
        if self.pending is None:
            if value != 10:
                raise _NotANumber
            self.pending = Decimal(1)  # 十五 and 三百十五 leave out the 一 before 十
        amount = self.pending * value
        floor = self.section_floor
        if floor is not None and (value >= floor or amount >= floor):
            raise _NotANumber
        if self.large_floor is not None and amount >= self.large_floor:
            raise _NotANumber
        self.section += amount
        self.section_floor = self.last_unit = value
        self.pending = None

    def large_unit(self, value: Decimal) -> None:
        if self.pending is not None:
            self.section += self.pending
            self.pending = None
        too_big = self.large_floor is not None and self.section * value >= self.large_floor
        if self.section == 0 or too_big:
            raise _NotANumber
        self.total += self.section * value
        self.section, self.section_floor = Decimal(0), None
        self.large_floor = self.last_unit = value

    def value(self) -> Decimal:
        pending = self.pending
        if pending is not None:
            if self.last_unit is not None and self.pending_single:
                pending = pending * self.last_unit / 10
            floor = self.section_floor or self.large_floor
            if floor is not None and pending >= floor:
                raise _NotANumber
            self.section += pending
        return self.total + self.section


def _has_misplaced_decimal(tokens: list[_Token]) -> bool:
    """A decimal only makes sense alone or scaled by one unit (2500.5, 3.5千); 3.5千5 is a typo."""
    if not any(kind == "num" and value != value.to_integral_value() for kind, value, _ in tokens):
        return False
    return [kind for kind, _, _ in tokens] not in (["num"], ["num", "unit"])


def read_number(text: str, *, letter_units: bool = False) -> Decimal | None:
    """The value of a number such as 3500, 三千五, 3千5, 1万2, 3.5k; None if it is not one.

    A digit right after a unit counts one unit lower, as people say it: 三千五 is 3500, 一万二 is
    12000, 一百五 is 150. Units must fall from left to right (五千零五十, not 五十千); a 零 in
    between keeps the next digit at its face value (一百零五 is 105).
    """
    tokens = _tokenize(text, letter_units)
    if not tokens or _has_misplaced_decimal(tokens):
        return None
    if all(kind == "zero" for kind, _, _ in tokens):
        return Decimal(0)
    reader = _Reader()
    try:
        for kind, value, single in tokens:
            if kind == "zero":
                reader.zero()
            elif kind == "num":
                reader.number(value, single)
            elif value < 10**4:
                reader.small_unit(value)
            else:
                reader.large_unit(value)
        return reader.value()
    except _NotANumber:
        return None


def read_digits(text: str) -> int | None:
    """A number written digit by digit, as years are (二〇二五, 2025); None if it is not one."""
    if text.isascii() and text.isdigit():
        return int(text)
    if text and all(char in DIGITS for char in text):
        return int("".join(str(DIGITS[char]) for char in text))
    return None
