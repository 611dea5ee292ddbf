"""Reading months and work periods: 2025-03, 2025年3月, 三月, 去年十月, 3月到11月, 3月至今.

parse_month and parse_month_range read an answer that is nothing but a month or a period;
read_period, read_end and read_birth find them in a sentence too (今年三月份出去的一直干到十一月份,
去年正月到七月, 过完年到现在, 85年6月), through what month_words.find_months finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.parsing.errors import (
    MonthOutOfRange,
    NotAMonth,
    NotAMonthRange,
    ParseError,
    RangeReversed,
    TextTooLong,
)
from bot.parsing.month_words import Side, Years, find_months
from bot.parsing.numerals import read_digits, read_number
from bot.parsing.text import prepare
from policy.months import Month

# An earlier year is a typo (1925 for 2025): the subsidies this bot knows began in the 2020s.
FIRST_YEAR = 2000
# The range of years a birth month may have; policy.months.Month holds no others.
FIRST_BIRTH_YEAR = 1900
LAST_YEAR = 2998

_RELATIVE_YEARS = {"今年": 0, "本年": 0, "去年": -1, "前年": -2, "明年": 1}
_RELATIVE_MONTHS = {
    "这个月": 0,
    "本月": 0,
    "当月": 0,
    "上个月": -1,
    "上月": -1,
    "下个月": 1,
    "下月": 1,
}

# Words around a month that carry nothing ("从2025年3月份开始"), and punctuation between parts.
_NOISE = re.compile(r"\s+|份|从|自|开始|起|为止|的|[,，。、!！?？;；:：]")

_CN_YEAR = "[〇零一二三四五六七八九]"
_MONTH = re.compile(
    rf"""
    (?P<ny>[0-9]{{4}})(?:[-/.](?P<nm>[0-9]{{1,2}})|(?P<nm6>[0-9]{{2}}))
    | (?:(?P<year>[0-9]{{4}}|[0-9]{{2}}|{_CN_YEAR}{{4}}|{_CN_YEAR}{{2}})年
         | (?P<rel>{"|".join(_RELATIVE_YEARS)}))?
      (?P<month>[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}})(?P<unit>月)?
    | (?P<relm>{"|".join(sorted(_RELATIVE_MONTHS, key=len, reverse=True))})
    """,
    re.VERBOSE,
)
_SEPARATOR = re.compile(r"一直到|直到|到|至|~|〜|-|—|–|→|to|till|until")
# What may follow a first month to say the work goes on: 至今, 到现在, 现在还在干, now, present.
_ONGOING = re.compile(
    r"(?P<when>今|今天|现在|目前|如今|当前|now|present|today|ongoing|still)?"
    r"(?P<still>还在|仍在|仍然在|依然在|一直在|还|仍然|依然|一直|在)?"
    r"(?:干|做|上班|打工|工作|干活|working)?着?(?:呢|中)?"
)
# Words saying someone still works there; parse_still_working() looks for them anywhere.
_STILL_WORKING = re.compile(
    r"至今|现在|目前|如今|当前|还在|仍在|仍然|依然|一直在|在干|在做|在上班|在打工"
    r"|\b(?:still|now|present|ongoing|currently|current|to date)\b"
)
_STOPPED = re.compile(
    r"不干|不做|没干|没做|不在|没在|已经不|不上班|没上班|不打工|没打工|辞职了|离职了|已辞职|已离职"
    r"|结束|停了|回来了|回家|在家|\b(?:no longer|not any ?more|stopped|quit|left|finished|ended)\b"
)


@dataclass(frozen=True)
class _Parts:
    """A month as written: its year is None when the text gave none (3月)."""

    year: int | None
    month: int
    unit: bool  # written with 月 or with a year, not as a bare number (3)


def _clean(text: str) -> str:
    return _NOISE.sub("", prepare(text))


def _parts(match: re.Match[str], today: date) -> _Parts | None:
    if match.group("ny"):
        return _Parts(int(match.group("ny")), int(match.group("nm") or match.group("nm6")), True)
    if match.group("relm"):
        relative = Month.of(today) + _RELATIVE_MONTHS[match.group("relm")]
        return _Parts(relative.year, relative.month, True)
    month = read_number(match.group("month"))
    if month is None:
        return None
    year: int | None = None
    if match.group("year"):
        year = read_digits(match.group("year"))
        if year is not None and year < 100:
            year += 2000  # 25年 is 2025
    elif match.group("rel"):
        year = today.year + _RELATIVE_YEARS[match.group("rel")]
    return _Parts(year, int(month), match.group("unit") is not None or year is not None)


def _month(
    parts: _Parts,
    year: int,
    today: date,
    text: str,
    error: type[ParseError],
    first_year: int = FIRST_YEAR,
) -> Month:
    if not 1 <= parts.month <= 12:
        raise error(text)
    latest = Month.of(today) + 12
    if year < first_year or (year, parts.month) > (latest.year, latest.month):
        raise MonthOutOfRange(text)
    return Month(year, parts.month)


def _is_ongoing(text: str) -> bool:
    match = _ONGOING.fullmatch(text)
    return bool(text and match and (match.group("when") or match.group("still")))


def parse_month(
    text: str, *, default_year: int, today: date, first_year: int = FIRST_YEAR
) -> Month:
    """One month; without a year (3月, 三月) it is in default_year. Raise NotAMonth.

    Months before `first_year` (2000 unless given, e.g. 1900 for a birth month) are refused.
    """
    match = _MONTH.fullmatch(_clean(text))
    parts = _parts(match, today) if match else None
    if parts is None or not parts.unit:
        raise NotAMonth(text)  # a bare 3 could be March or a day or a count: ask again
    year = default_year if parts.year is None else parts.year
    return _month(parts, year, today, text, NotAMonth, first_year)


def parse_month_range(text: str, *, default_year: int, today: date) -> tuple[Month, Month | None]:
    """First and last month of a period; the last is None while the work goes on (3月至今).

    A side without a year takes the other side's year (2025年3月到11月), else default_year.
    Raise NotAMonthRange, RangeReversed when the last month is before the first, or
    MonthOutOfRange.
    """
    cleaned = _clean(text)
    start_match = _MONTH.match(cleaned)
    start = _parts(start_match, today) if start_match else None
    if start_match is None or start is None:
        raise NotAMonthRange(text)
    rest = cleaned[start_match.end() :]
    separator = _SEPARATOR.match(rest)
    if _is_ongoing(rest) or (separator and _is_ongoing(rest[separator.end() :])):
        if not start.unit:
            raise NotAMonthRange(text)
        year = default_year if start.year is None else start.year
        return _month(start, year, today, text, NotAMonthRange), None
    end_match = _MONTH.fullmatch(rest[separator.end() :]) if separator else None
    end = _parts(end_match, today) if end_match else None
    # 3到11月 is common, 3月到11 is not: a bare number is read as a month only before a 月.
    if end is None or not end.unit:
        raise NotAMonthRange(text)
    start_year = next(y for y in (start.year, end.year, default_year) if y is not None)
    end_year = next(y for y in (end.year, start.year, default_year) if y is not None)
    first = _month(start, start_year, today, text, NotAMonthRange)
    last = _month(end, end_year, today, text, NotAMonthRange)
    if last < first:
        raise RangeReversed(text)
    return first, last


def parse_still_working(text: str) -> bool:
    """Whether a message says the work goes on (至今, 现在还在干, still, now); never raises."""
    try:
        cleaned = prepare(text, max_len=200)
    except TextTooLong:
        return False
    if _STOPPED.search(cleaned):
        return False  # 现在不干了 names 现在 but says the opposite
    return _STILL_WORKING.search(cleaned) is not None


@dataclass(frozen=True)
class Period:
    """A work period as read from a message.

    ``last`` is None either while the work goes on (``ongoing``) or when the message gave only
    the first month (then the bot asks until when). ``lunar`` is True when a lunar month
    (正月, 腊月) was read as the solar month it mostly falls in, which the bot then says.
    """

    first: Month
    last: Month | None
    ongoing: bool = False
    lunar: bool = False


def _solar(side: Side, year: int, lunar: bool, text: str) -> Month:
    if not FIRST_BIRTH_YEAR <= year <= LAST_YEAR:
        raise MonthOutOfRange(text)
    return side.solar(year, lunar)


def _yearless(side: Side, default_year: int, lunar: bool, today: Month, text: str) -> Month:
    """A month written without a year, in `default_year`; a 腊月 that would still be to come
    (January of the next year) is the last one, in January of `default_year`."""
    month = _solar(side, default_year, lunar, text)
    if month.year > default_year and month > today:
        month = _solar(side, default_year - 1, lunar, text)
    return month


def _one(side: Side, default_year: int, lunar: bool, today: Month, text: str) -> Month:
    if side.year is not None:
        return _solar(side, side.year, lunar, text)
    return _yearless(side, default_year, lunar, today, text)


def _pair(sides: list[Side], default_year: int, today: Month, text: str) -> tuple[Month, Month]:
    """First and last month of two sides. A side without a year takes the other side's year,
    one more or one less where the period crosses New Year (去年十月到五月, 十一月到今年三月)."""
    start, end = sides
    lunar = start.marked or end.marked
    if start.year is not None and end.year is None:
        first = _solar(start, start.year, lunar, text)
        last = _solar(end, start.year, lunar, text)
        return first, last if last >= first else _solar(end, start.year + 1, lunar, text)
    if start.year is None and end.year is not None:
        last = _solar(end, end.year, lunar, text)
        first = _solar(start, end.year, lunar, text)
        return first if first <= last else _solar(start, end.year - 1, lunar, text), last
    first = _one(start, default_year, lunar, today, text)
    return first, _one(end, default_year, lunar, today, text)


def _check(months: list[Month], today: Month, text: str, first_year: int = FIRST_YEAR) -> None:
    """Refuse months before `first_year` or after this month, and a last month before the first.

    Work cannot have been done in a month still to come, so unlike parse_month this refuses
    even next month."""
    if any(month.year < first_year or month > today for month in months):
        raise MonthOutOfRange(text)
    if len(months) == 2 and months[1] < months[0]:
        raise RangeReversed(text)


def read_period(text: str, *, default_year: int, today: date) -> Period:
    """A work period as people write it, also inside a sentence: 3月到11月, 去年正月到七月,
    过完年到现在, 3月份到现在, 从三月份开始干的 (the first month only). Raise ParseError.

    Lunar months (正月, 腊月, 冬月, or written after 农历 or 阴历) are read as the solar month they
    mostly fall in, the month after (正月 is February, 腊月 January of the next year), and then
    the other side of the period is lunar too; the Spring Festival (过完年, 年后) is February.
    Months without a year are in `default_year`; 今年 and 去年 count from `today`.
    """
    now = Month.of(today)
    found = find_months(prepare(text), Years(today.year, now))
    if found.invalid or not 1 <= len(found.sides) <= 2:
        raise NotAMonthRange(text)
    lunar = any(side.marked for side in found.sides)
    if len(found.sides) == 2:
        # 3月和11月 is two months, not a period: it takes 到 between, or 回来 after the second.
        if not (found.between("sep") or found.has("stop", after=1)):
            raise NotAMonthRange(text)
        first, last = _pair(found.sides, default_year, now, text)
        _check([first, last], now, text)
        return Period(first, last, lunar=lunar)
    if found.before_first("sep") and not found.ongoing:
        raise NotAMonthRange(text)  # 到11月: the end of a period, not its beginning
    first = _one(found.sides[0], default_year, lunar, now, text)
    _check([first], now, text)
    if found.ongoing:
        return Period(first, None, ongoing=True, lunar=lunar)
    if len(found.counts) == 1 and found.counts[0]:
        # 3月份开始干了8个月: the eighth month from March is October.
        last = first + (found.counts[0] - 1)
        _check([first, last], now, text)
        return Period(first, last, lunar=lunar)
    return Period(first, None, lunar=lunar)


def read_end(text: str, *, start: Month, today: date) -> Period:
    """The end of a period whose first month is `start`: 11月, 到今年十一月, 11月份回来的,
    现在还在干 (ongoing), 干了三个月. Raise ParseError (RangeReversed when it is before `start`).

    A month without a year is the first one from `start` on (十月 after 2025-11 is 2026-10).
    """
    now = Month.of(today)
    found = find_months(prepare(text), Years(today.year, now))
    sides = found.sides
    if found.invalid:
        raise NotAMonth(text)
    if (not sides or found.has("now", after=0)) and found.ongoing:
        return Period(start, None, ongoing=True)  # 3月到现在: the first month again, and now
    if len(sides) >= 2:
        last = _pair(sides[-2:], start.year, now, text)[1]
    elif sides:
        last = _after(sides[0], start, text)
    elif len(found.counts) == 1 and found.counts[0]:
        last = start + (found.counts[0] - 1)  # 干了三个月
    else:
        raise NotAMonth(text)
    if last < start:
        raise RangeReversed(text)
    _check([last], now, text)
    return Period(start, last, lunar=any(side.marked for side in sides[-2:]))


def _after(side: Side, start: Month, text: str) -> Month:
    if side.year is not None:
        return _solar(side, side.year, side.marked, text)
    month = _solar(side, start.year, side.marked, text)
    return month if month >= start else _solar(side, start.year + 1, side.marked, text)


def read_birth(text: str, *, today: date) -> Month:
    """A month of birth: 1985-06, 85年6月, 八五年六月, 1985.6, 19850615. Raise ParseError.

    Two-digit years are of the 1900s unless that would make the person younger than 16 (02年 is
    2002). A lunar month (腊月, 农历六月) is refused: its solar month depends on the year and the
    day, so the bot asks for the date on the ID card.
    """
    now = Month.of(today)
    found = find_months(prepare(text), Years(today.year, now, birth=True))
    if found.invalid or len(found.sides) != 1:
        raise NotAMonth(text)
    side = found.sides[0]
    if side.year is None or side.marked or side.lunar:
        raise NotAMonth(text)
    month = _solar(side, side.year, False, text)
    _check([month], now, text, first_year=FIRST_BIRTH_YEAR)
    return month
