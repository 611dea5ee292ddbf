"""Finding the months a sentence speaks of: 今年三月份出去的一直干到十一月份, 去年正月到七月,
过完年到现在, 3月5号到11月20号, 85年6月, since March.

The text is not matched as a whole: it is scanned for what tells a month (a month, a year before
it, a lunar-calendar mark, a festival, 上个月), what joins two months (到, 至, -), what says the
work goes on (至今, 还在干) or ended (回来了, 不干了) and numbers of months (8个月); every other
word is filler. months.py reads periods, ends and birth months out of what is found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.parsing.numerals import read_digits, read_number
from policy.months import Month

_CN_DIGIT = "〇零一二三四五六七八九"
_CN_NUMBER = _CN_DIGIT + "十两"
_EN_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_EN_MONTH = (
    r"\b(?P<en>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b(?:\s*,?\s*(?P<eny>\d{4})\b)?"
)
_RELATIVE_YEARS = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}
_RELATIVE_MONTHS = {
    "上个月": -1, "上月": -1, "这个月": 0, "这月": 0, "本月": 0, "当月": 0, "下个月": 1, "下月": 1,
}  # fmt: skip
# Lunar months with names of their own; any other is lunar only after 农历 or 阴历.
_LUNAR_NAMES = {"正": 1, "冬": 11, "腊": 12}
# A day after a month, which a period does not need: 5号, 二十日, 初八, 正月十五, 十月一.
_DAY = (
    rf"(?:(?:\d{{1,2}}|[一二三四五六七八九十廿]{{1,3}}|初[一二三四五六七八九十]{{1,2}})"
    rf"(?:[日号]|(?![0-9{_CN_NUMBER}个月年])))"
)
_SEPARATORS = r"一直到|直到|到|至|~|～|〜|-|—|–|→|\bto\b|\btill\b|\buntil\b|\bthrough\b"

_TOKEN = re.compile(
    rf"""
    (?P<count>(?P<work>(?:干|做|打工|上班|干活|工作)了?(?:有|快|近|整整)?)?
        (?P<n>\d+|[{_CN_NUMBER}几半]+)个(?P<more>多)?月)
    | (?P<festival>过完年|过了年|过完春节|过了春节|过年后|过了年后|春节后|春节以后|春节过后|年后
        |过完十五|过了十五)
    | (?P<national>国庆)
    | (?P<labour>五一|劳动节|(?<![\d.])5\.1(?![\d.]))
    | (?P<lunarday>端午|中秋|龙抬头|二月二(?![0-9十日号]))
    | (?<!\d)(?P<dy>\d{{4}})[-/.](?P<dm>\d{{1,2}})(?!\d)(?:[-/.]\d{{1,2}}(?!\d)[日号]?)?
    | (?<!\d)(?P<cy>\d{{4}})(?P<cm>\d{{2}})(?:\d{{2}})?(?!\d)
    | (?<!\d)(?P<sy>\d{{2}})\.(?P<sm>\d{{1,2}})(?:\.\d{{1,2}})?(?![\d.])
    | (?P<year>\d{{4}}|\d{{2}}|[{_CN_DIGIT}]{{4}}|[{_CN_DIGIT}]{{2}})年(?![后前初])(?P<yend>底|末)?
    | (?P<rel>{"|".join(_RELATIVE_YEARS)})(?![后前初])(?P<rend>底|末)?
    | (?P<lunar>农历|阴历|旧历|老历)
    | (?P<relm>{"|".join(sorted(_RELATIVE_MONTHS, key=len, reverse=True))})
    | (?<![0-9{_CN_NUMBER}])(?P<month>\d{{1,2}}|[{_CN_NUMBER}]{{1,3}}|正|腊|冬|元)月份?{_DAY}?
    | (?P<yearend>年底|年末)
    | {_EN_MONTH}
    | (?P<bare>(?<!\d)\d{{1,2}}|(?<![{_CN_NUMBER}])[一二三四五六七八九十]{{1,2}})
        (?=(?:{_SEPARATORS})(?:\d{{1,2}}|[一二三四五六七八九十]{{1,3}})月)
    | (?P<now>至今|现在|目前|如今|当前|眼下|今天|还在|仍在|仍然|依然|一直在|在干|在做|在上班
        |在打工|干着|做着|还没回|没回来|没有回来|\bnow\b|\bpresent\b|\bstill\b|\bcurrently\b
        |\bongoing\b|\btoday\b)
    | (?P<sep>{_SEPARATORS})
    | (?P<stop>不干|不做|没干|没做|不在|没在|已经不|辞职|离职|结束|停了|回来|回家|回的|回了
        |\bleft\b|\bquit\b|\bstopped\b|\bended\b)
    | (?P<other>\d+)
    """,
    re.VERBOSE,
)
# Spaces carry nothing between Chinese characters and digits (3月 到 11月) but part English
# words (march 2026, till now).
_SPACE = re.compile(r"(?<![a-z])\s+(?![a-z])")


@dataclass(frozen=True)
class Side:
    """One month as written. ``year`` is the year stated (the lunar year for a lunar month) or
    None. ``lunar`` is True for a lunar month (正月, 农历三月, also the festival), False for one
    that is only solar (2026-03, March, 上个月, 年底), None for a plain 三月 or 3月, which is lunar
    when the other side of its period is. ``marked`` says the text itself names a lunar month."""

    month: int
    year: int | None
    lunar: bool | None = None
    marked: bool = False

    def solar(self, year: int, lunar_range: bool) -> Month:
        """The solar month meant, in `year` (the stated one or one inferred)."""
        if self.lunar or (self.lunar is None and lunar_range):
            # A lunar month mostly falls in the next solar one; 腊月 in January of the next year.
            return Month(year, 1) + self.month
        return Month(year, self.month)


@dataclass
class Found:
    """What a text says about months, in the order written (`order` holds the kinds)."""

    sides: list[Side] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    counts: list[int | None] = field(default_factory=list)
    invalid: bool = False  # a month that is none (13月, 2026-00)

    def has(self, kind: str, after: int = -1) -> bool:
        """Whether a `kind` was found after the `after`-th month (-1: anywhere)."""
        return kind in self._after(after)

    def between(self, kind: str) -> bool:
        """Whether a `kind` was found between the first and the second month."""
        positions = [i for i, k in enumerate(self.order) if k == "side"]
        return kind in self.order[positions[0] : positions[1]]

    def before_first(self, kind: str) -> bool:
        """Whether a `kind` was found before the first month."""
        return kind in self.order[: self.order.index("side")]

    @property
    def ongoing(self) -> bool:
        """The work goes on: 至今, 还在干, and no 不干了 or 回来了."""
        return "now" in self.order and "stop" not in self.order

    def _after(self, side: int) -> list[str]:
        if side < 0:
            return self.order
        positions = [i for i, k in enumerate(self.order) if k == "side"]
        return self.order[positions[side] + 1 :]


@dataclass(frozen=True)
class Years:
    """How years are read: the year of 今年, and what a two-digit year means (25年 is 2025 for
    a work period; for a birth month 85年 is 1985)."""

    this_year: int
    today: Month
    birth: bool = False

    def two_digits(self, number: int) -> int:
        if not self.birth:
            return 2000 + number
        # Nobody who claims a labour subsidy was born less than 16 years ago.
        return 2000 + number if 2000 + number <= self.this_year - 16 else 1900 + number


def _number(text: str) -> int | None:
    if text.isascii():
        return int(text) if text.isdigit() else None
    value = read_number(text)
    return int(value) if value is not None and value == value.to_integral_value() else None


def _year(text: str, years: Years) -> int | None:
    value = read_digits(text)
    if value is None:
        return None
    return years.two_digits(value) if len(text) == 2 else value


class _Scan:
    """Walks the tokens of a text and collects them into a Found."""

    def __init__(self, years: Years) -> None:
        self.years = years
        self.found = Found()
        self.year: int | None = None  # a year waiting for its month (去年 … 三月)
        self.lunar = False  # 农历 waiting for its month

    def side(self, month: int | None, year: int | None, lunar: bool | None, marked: bool) -> None:
        if month is None or not 1 <= month <= 12:
            self.found.invalid = True
            return
        year = self.year if year is None else year
        lunar = True if self.lunar else lunar
        self.found.sides.append(Side(month, year, lunar, marked or self.lunar))
        self.found.order.append("side")
        self.year, self.lunar = None, False

    def token(self, match: re.Match[str]) -> None:  # noqa: C901 - one branch per kind of token
        kind = match.lastgroup or ""
        group = match.group
        if group("count"):
            kind = "count"
            # Only a number of months worked measures the period (干了8个月); 回来两个月了 does not.
            if group("work"):
                self.found.counts.append(None if group("more") else _number(group("n")))
        elif group("festival"):
            self.side(1, None, True, False)  # after the Spring Festival: the first lunar month
        elif group("national"):
            self.side(10, None, False, False)  # 国庆: 1 October
        elif group("labour"):
            self.side(5, None, False, False)  # 五一: 1 May
        elif group("lunarday"):
            # Festivals of the lunar calendar name their lunar month: 端午 the fifth, 中秋 the
            # eighth, 二月二 (龙抬头) the second.
            lunar_month = {"端午": 5, "中秋": 8}.get(group("lunarday"), 2)
            self.side(lunar_month, None, True, True)
        elif group("dy") or group("cy"):
            self.side(
                int(group("dm") or group("cm")), int(group("dy") or group("cy")), False, False
            )
        elif group("sy"):
            if not self.years.birth:
                return  # 11.20 in a period is a day, not a year
            year = self.years.two_digits(int(group("sy")))
            self.side(int(group("sm")), year, False, False)
        elif group("rel") and self.years.birth:
            self.found.invalid = True  # nobody gives a birth month as 去年三月
        elif group("year") or group("rel"):
            self._year(match)
        elif group("lunar"):
            self.lunar = True
        elif group("relm"):
            month = self.years.today + _RELATIVE_MONTHS[group("relm")]
            self.side(month.month, month.year, False, False)
        elif group("month") or group("bare"):
            self._month(group("month") or group("bare"))
        elif group("yearend"):
            self.side(12, None, False, False)
        elif group("en"):
            number = next(i for i, name in enumerate(_EN_MONTHS, 1) if name.startswith(group("en")))
            self.side(number, int(group("eny")) if group("eny") else None, False, False)
        elif kind in ("sep", "now", "stop"):
            self.found.order.append(kind)

    def _year(self, match: re.Match[str]) -> None:
        if match.group("year"):
            self.year = _year(match.group("year"), self.years)
        else:
            self.year = self.years.this_year + _RELATIVE_YEARS[match.group("rel")]
        if match.group("yend") or match.group("rend"):
            self.side(12, None, False, False)  # 去年底: December

    def _month(self, text: str) -> None:
        if text in _LUNAR_NAMES:
            self.side(_LUNAR_NAMES[text], None, True, True)
        elif text == "元":
            self.side(1, None, False, False)  # 元月 is January
        else:
            self.side(_number(text), None, None, False)


def find_months(text: str, years: Years) -> Found:
    """What `text` (already prepared: normalised and lower-cased) says about months."""
    scan = _Scan(years)
    for match in _TOKEN.finditer(_SPACE.sub("", text)):
        scan.token(match)
    return scan.found
