"""Reading one amount of money in yuan: 3000, ３０００, 3,000, 三千五, 壹仟, 3.5k, 1万2, 1w."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.parsing.errors import (
    AmbiguousAmount,
    AmountRange,
    AmountTooLarge,
    MultipleAmounts,
    NotAnAmount,
    NotMonthlyAmount,
)
from bot.parsing.numerals import DIGITS, LARGE_UNITS, NUMERAL_CHARS, SMALL_UNITS, read_number
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
    return _yuan(value, text)


def _yuan(value: Decimal, text: str) -> Decimal:
    """`value` as the bot keeps amounts: whole yuan without decimals, else fen; or an error."""
    if value > MAX_AMOUNT:
        raise AmountTooLarge(text)
    if value != value.quantize(_CENT):
        raise NotAnAmount(text)  # fractions of a fen are a typo
    return (
        value.quantize(Decimal(1)) if value == value.to_integral_value() else value.quantize(_CENT)
    )


# --- Reading an amount inside what people say ------------------------------------------------

# Words that say what time an amount is earned in. Each is replaced by its code in upper case (the
# text is lower-cased, so no other upper-case letter is left), before numbers are looked for: the
# 一 of 一个月 or 一天 is then not read as part of a number (5万一年 is not 51000).
_PER_MONTH, _LESS = "M", "L"
_TIME_WORDS: dict[str, tuple[str, ...]] = {
    _PER_MONTH: (
        "一个月", "每个月", "每月", "一月", "按月", "月薪", "月工资", "月收入", "月入", "月均",
        "/月", "per month", "a month", "monthly", "/month",
    ),
    "D": (
        "一天", "每天", "天天", "一日", "每日", "按天", "日薪", "日工资", "天工资", "/天",
        "per day", "a day", "daily", "/day",
    ),
    "H": (
        "一小时", "一个小时", "每小时", "每个小时", "一个钟", "每个钟", "时薪", "/小时",
        "per hour", "an hour", "hourly", "/hour",
    ),
    "W": (
        "一周", "每周", "一星期", "一个星期", "每星期", "每个星期", "一礼拜", "一个礼拜", "周薪",
        "per week", "a week", "weekly",
    ),
    "Y": (
        "一年", "每年", "全年", "年薪", "年工资", "年收入", "/年", "per year", "a year",
        "yearly", "annual",
    ),
    # An upper bound is not the amount: 不到三千 may be 2000, and the wage decides who is eligible.
    _LESS: (
        "不到", "没到", "不足", "不够", "不超过", "没有", "低于", "以下", "最多", "less than",
        "under", "below",
    ),
}  # fmt: skip
_CODE_OF = {word: code for code, words in _TIME_WORDS.items() for word in words}
_MARKERS = re.compile("|".join(re.escape(word) for word in sorted(_CODE_OF, key=len, reverse=True)))
_CODES = re.compile(f"[{''.join(code for code in _TIME_WORDS if code != _LESS)}]")
# Currency words in Latin letters, which would otherwise make a number look like a typo (3000rmb).
_LATIN_CURRENCY = re.compile(r"rmb|cny|yuan|kuai")
# 千把块, 万把块 (about a thousand), 过万, 上万 (over ten thousand): one unit, said as the number.
_ABOUT_ONE = re.compile(r"(?<![0-9.一二两三四五六七八九十百千万])([千万])把|(?<=[过上破])([千万])")
# 4 0 0 0: digits spaced out one by one are one number.
_SPACED_DIGITS = re.compile(r"(?<![0-9])[0-9](?: [0-9]){2,}(?![0-9])")
# 五 千, 3 k: a space before a unit does not split the number.
_SPACED_UNIT = re.compile(r"(?<=[0-9一二两三四五六七八九十百千万])\s+(?=[十百千万kw](?![a-z]))")
# 五千 不对 是五千五: what comes after a correction replaces what came before.
_CORRECTED = re.compile(r".*(?:不对|说错了|打错了|写错了|错了|更正一下|更正)")
# 三点五千, 3点5k: a spoken decimal point.
_SPOKEN_POINT = re.compile(r"([0-9一二两三四五六七八九])点([0-9一二两三四五六七八九])")

_CHINESE_DIGITS = "".join(DIGITS)
_CHINESE_UNITS = "".join([*SMALL_UNITS, *LARGE_UNITS])
# A number as written: digits (with decimals) and Chinese numerals, then perhaps k or w (and one
# digit after it: 3k5, 1w2).
_RUN = re.compile(
    rf"(?:[0-9]+(?:\.[0-9]+)*|[{_CHINESE_DIGITS}{_CHINESE_UNITS}])+"
    r"(?:[kw](?:[0-9](?![0-9]))?(?![a-z]))?"
)
# What a number counts when followed by one of these: months, years, people, days (3个月, 2025年,
# 45岁, 3月), not yuan.
_COUNTED = re.compile(
    r"\s*(?:个|岁|年|月|天|日|号|次|家|口|点|小时|钟|%|周|星期|倍|层|楼|斤|公里|里|分|秒|人|位|"
    r"遍|趟|份|期|届|亩|项|种|条|张|本|辆|间|套|台|只|名|组|批|级|度|多?平)"
)
# 三四千, 两三千, 一两万, 三千四五, 一万二三: two digits in a row are a spoken range.
_NONZERO = "".join(char for char, value in DIGITS.items() if value)
_NEIGHBOUR_DIGITS = re.compile(
    rf"(?P<head>.*[{_CHINESE_UNITS}])?(?P<low>[{_NONZERO}])(?P<high>[{_NONZERO}])"
    rf"(?P<unit>[{_CHINESE_UNITS}]?)"
)
# What may stand between the two ends of a range: 3000-4000, 三千多到四千, 3000元至4000元.
_RANGE_GAP = re.compile(
    rf"\s*(?:(?:元|块钱?|多|来|左右)?\s*(?:-|~|〜|—|–|－|到|至)|多|多?\s*{_LESS})\s*"
)  # 六千多不到七千 is a range too
_UNIT_SUFFIX = re.compile(rf"[{_CHINESE_UNITS}kw]+$")
# The widest range still read as one (两三千 is 2000..3000, 一两千 1000..2000).
_RANGE_RATIO = 3
# A minus sign or 负 before a number that is not the end of a range.
_NEGATIVE = re.compile(
    rf"(?:^|[^0-9{_CHINESE_DIGITS}{_CHINESE_UNITS}kw元块钱多来右\s])\s*[-−]\s*$|负$"
)
_CLAUSE_BREAK = re.compile(r"[,.。;!?、\n]")


@dataclass
class _Money:
    """A number read as money, or a range of them, and where it stands in the text."""

    low: Decimal
    high: Decimal
    start: int
    end: int
    run: str = ""
    period: str | None = None
    # A Chinese numeral without a unit (三, 一直's 一): only the low end of a range (三到五千).
    bare: bool = False


def _marked(text: str) -> str:
    """The text prepared for reading: time words replaced by their codes, spoken forms written
    out, thousands separators dropped."""
    cleaned = _SPACED_UNIT.sub("", _THOUSANDS.sub("", prepare(text)))
    cleaned = _SPACED_DIGITS.sub(lambda m: m.group().replace(" ", ""), cleaned)
    cleaned = _LATIN_CURRENCY.sub(" ", cleaned)
    corrected = _CORRECTED.sub("", cleaned, count=1)
    if _RUN.search(corrected):
        cleaned = corrected
    cleaned = _ABOUT_ONE.sub(lambda m: "一" + (m[1] or m[2]), cleaned)
    cleaned = _SPOKEN_POINT.sub(
        lambda m: f"{DIGITS.get(m[1], m[1])}.{DIGITS.get(m[2], m[2])}", cleaned
    )
    return _MARKERS.sub(lambda m: f" {_CODE_OF[m.group()]} ", cleaned)


def _spoken_range(run: str) -> tuple[Decimal, Decimal] | None:
    match = _NEIGHBOUR_DIGITS.fullmatch(run)
    if match is None or not (match["head"] or match["unit"]):
        return None
    head, unit = match["head"] or "", match["unit"]
    low = read_number(head + match["low"] + unit)
    high = read_number(head + match["high"] + unit)
    if low is None or high is None or low >= high:
        return None
    return low, high


def _counts_something(marked: str, match: re.Match[str]) -> bool:
    """Whether a number counts months, people or days (3个月, 2025年, 第3), not yuan."""
    return bool(_COUNTED.match(marked, match.end())) or marked[: match.start()].endswith("第")


def _money(marked: str, match: re.Match[str], text: str) -> _Money | None:
    """The money a number says, None when it counts something else; NotAnAmount for a typo."""
    start, end = match.span()
    if marked[start - 1 : start].isascii() and marked[start - 1 : start].isalpha():
        raise NotAnAmount(text)  # letters glued to a number: 3000abc, 1e5, a5000
    if marked[end : end + 1].isascii() and marked[end : end + 1].isalpha():
        raise NotAnAmount(text)
    if _counts_something(marked, match):
        return None
    if _NEGATIVE.search(marked[:start]):
        raise NotAnAmount(text)
    run = match.group()
    spoken = _spoken_range(run)
    if spoken is not None:
        return _Money(*spoken, start, end)
    value = read_number(run, letter_units=True)
    chinese = not any(char.isascii() for char in run)
    if chinese and (value is None or value < 100 or not set(run) & set(_CHINESE_UNITS)):
        # 一般, 三五个, 十五: no wage; kept only to be the low end of a range (三到五千).
        return None if value is None else _Money(value, value, start, end, run, bare=True)
    if value is None:
        raise NotAnAmount(text)
    return _Money(value, value, start, end, run)


def _joined(low: _Money, high: _Money, text: str) -> _Money:
    """The range from `low` to `high`. A unit said once counts for both ends: 3到4千, 三到四千,
    三千到四."""
    first, last = low.low, high.low
    low_unit, high_unit = _UNIT_SUFFIX.search(low.run), _UNIT_SUFFIX.search(high.run)
    if high_unit and not low_unit and first * 10 <= last:
        first = read_number(low.run + high_unit.group(), letter_units=True) or first
    elif low_unit and not high_unit and high.bare:
        last = read_number(high.run + low_unit.group(), letter_units=True) or last
    bottom, top = sorted((first, last))
    if top > bottom * _RANGE_RATIO:
        raise NotAnAmount(text)  # 3到4000, 三千五到四, a date (2026-03): not a range of wages
    return _Money(bottom, top, low.start, high.end)


def _ranges_joined(marked: str, moneys: list[_Money], text: str) -> list[_Money]:
    """The amounts with the two ends of each range joined; bare numerals not in a range
    dropped."""
    joined: list[_Money] = []
    for money in moneys:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.run
            and money.run
            and not (previous.bare and money.bare)
            and (not previous.bare or _UNIT_SUFFIX.search(money.run))
            and _RANGE_GAP.fullmatch(marked, previous.end, money.start)
        ):
            joined[-1] = _joined(previous, money, text)
        else:
            joined.append(money)
    return [money for money in joined if not money.bare]


def _set_periods(marked: str, moneys: list[_Money]) -> None:
    """Each amount takes the time word of its clause nearest before it, else nearest after it,
    with no other amount in between (一天150一个月4500: 150 a day, 4500 a month)."""
    for index, money in enumerate(moneys):
        since = moneys[index - 1].end if index else 0
        until = moneys[index + 1].start if index + 1 < len(moneys) else len(marked)
        before = marked[since : money.start]
        after = marked[money.end : until]
        before = _CLAUSE_BREAK.split(before)[-1]
        after = _CLAUSE_BREAK.split(after)[0]
        codes_before = _CODES.findall(before)
        codes_after = _CODES.findall(after)
        if codes_before:
            money.period = codes_before[-1]
        elif codes_after:
            money.period = codes_after[0]


def _options(low: Decimal, high: Decimal, text: str) -> tuple[str, ...]:
    """The buttons for a range: its ends and the whole yuan midway (3000, 3500, 4000)."""
    low, high = _yuan(low, text), _yuan(high, text)  # too large or fractional before dividing
    middle = ((low + high) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return tuple(dict.fromkeys(str(amount) for amount in (low, _yuan(middle, text), high)))


def read_amount(text: str) -> Decimal:
    """One amount as people write it, also inside a sentence: 一个月四千左右, 4k多, 3500块.

    A range (三千到四千, 3000-4000, 三四千) raises AmbiguousAmount whose options are the amounts
    to offer as buttons; anything else unreadable raises NotAnAmount (or a subclass): several
    amounts (MultipleAmounts), an amount per day or year only (NotMonthlyAmount, never
    multiplied), an upper bound (不到三千).
    """
    marked = _marked(text)
    found = [_money(marked, match, text) for match in _RUN.finditer(marked)]
    moneys = _ranges_joined(marked, [money for money in found if money is not None], text)
    for bound in re.finditer(_LESS, marked):
        if not any(money.start < bound.start() < money.end for money in moneys):
            raise NotAnAmount(text)  # 不到三千: a bound, not the amount
    _set_periods(marked, moneys)
    monthly = {(m.low, m.high) for m in moneys if m.period in (None, _PER_MONTH)}
    if not monthly:
        raise NotMonthlyAmount(text) if moneys else NotAnAmount(text)
    if len(monthly) > 1:
        raise MultipleAmounts(text)
    low, high = monthly.pop()
    if low != high:
        raise AmbiguousAmount(text, _options(low, high, text))
    return _yuan(low, text)
