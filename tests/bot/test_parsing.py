"""Parsing what people type: amounts, months, periods, yes/no, choices, counts and clean text."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bot.parsing as parsing
from bot.parsing import (
    AmountRange,
    AmountTooLarge,
    Month,
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
    is_reasonable_text,
    normalize_text,
    parse_amount,
    parse_choice,
    parse_integer,
    parse_month,
    parse_month_range,
    parse_still_working,
    parse_yes_no,
)

TODAY = date(2025, 11, 20)
YEAR = 2025

# --- A speller of Chinese numerals, written independently of the parser -----------------------

_LOWER_DIGITS = "零一二三四五六七八九"
_LOWER_UNITS = ("万", "千", "百", "十", "")
_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_UNITS = ("万", "仟", "佰", "拾", "")


def spell_chinese(number: int, *, liang: bool = False, capital: bool = False) -> str:
    """0..99999 the way a person writes it: 10 十, 15 十五, 105 一百零五, 2000 两千 (or 二千)."""
    if number == 0:
        return "零"
    digits = _CAPITAL_DIGITS if capital else _LOWER_DIGITS
    units = _CAPITAL_UNITS if capital else _LOWER_UNITS
    words: list[str] = []
    zero_pending = False
    for position, unit in enumerate(units):
        digit = number // 10 ** (4 - position) % 10
        if digit == 0:
            zero_pending = bool(words)
            continue
        if zero_pending:
            words.append(digits[0])
            zero_pending = False
        word = digits[digit]
        if liang and digit == 2 and position < 3:
            word = "两"  # 两 stands before 百, 千 and 万, never before 十 or alone
        if not words and digit == 1 and position == 3:
            word = ""  # 十五, not 一十五, at the start of a number
        words.append(word + unit)
    return "".join(words)


@pytest.mark.parametrize(
    ("number", "spelled"),
    [
        (0, "零"),
        (10, "十"),
        (15, "十五"),
        (20, "二十"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (2000, "二千"),
        (10010, "一万零一十"),
        (99999, "九万九千九百九十九"),
    ],
)
def test_the_speller_writes_chinese_numerals_as_people_do(number, spelled):
    assert spell_chinese(number) == spelled


def fullwidth(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


WRITERS: dict[str, Callable[[int], str]] = {
    "ascii": str,
    "fullwidth": lambda n: fullwidth(str(n)),
    "thousands": lambda n: f"{n:,}",
    "fullwidth thousands": lambda n: fullwidth(f"{n:,}"),
    "chinese": spell_chinese,
    "chinese with 两": lambda n: spell_chinese(n, liang=True),
    "capital": lambda n: spell_chinese(n, capital=True),
    "with noise": lambda n: f"月薪大概 {n} 块钱左右",
}


# --- Amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("3000", "3000"),
        ("３０００", "3000"),
        ("3,000", "3000"),
        ("3，000", "3000"),
        ("1,000,000", "1000000"),
        ("2500.5", "2500.5"),
        ("2500.50", "2500.5"),
        ("0", "0"),
        ("三千五", "3500"),
        ("两千", "2000"),
        ("俩千", "2000"),
        ("三千五百", "3500"),
        ("一万二", "12000"),
        ("两万五", "25000"),
        ("一百五", "150"),
        ("五千零五十", "5050"),
        ("一千", "1000"),
        ("十五", "15"),
        ("一百零五", "105"),
        ("壹仟", "1000"),
        ("壹仟贰佰", "1200"),
        ("叁仟伍佰元整", "3500"),
        ("3千", "3000"),
        ("3.5千", "3500"),
        ("1万2", "12000"),
        ("1万2000", "12000"),
        ("3千5", "3500"),
        ("3k", "3000"),
        ("3K", "3000"),
        ("3.5k", "3500"),
        ("1w", "10000"),
        ("1W", "10000"),
        ("1.2万", "12000"),
        ("3000元", "3000"),
        ("3000块", "3000"),
        ("3000块钱", "3000"),
        ("3000元/月", "3000"),
        ("每月3000", "3000"),
        ("月薪3000", "3000"),
        ("工资3000", "3000"),
        ("大概3000", "3000"),
        ("3000左右", "3000"),
        ("约3000", "3000"),
        ("  3000  ", "3000"),
        ("月薪大概三千五块钱左右", "3500"),
        ("￥3000", "3000"),
        ("3000\u200b", "3000"),
        ("月薪：3000。", "3000"),
        ("三千块吧", "3000"),
        ("3,000.50", "3000.5"),
    ],
)
def test_an_amount_is_read_from_what_people_type(text, amount):
    # Given what a worker types, When it is parsed, Then it is that many yuan.
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", NotAnAmount),
        ("   ", NotAnAmount),
        ("元", NotAnAmount),
        ("-500", NotAnAmount),
        ("负500", NotAnAmount),
        ("abc", NotAnAmount),
        ("3000abc", NotAnAmount),
        ("3000x", NotAnAmount),
        ("3m", NotAnAmount),
        ("k", NotAnAmount),
        ("万", NotAnAmount),
        ("3.333", NotAnAmount),
        ("3..5", NotAnAmount),
        ("1e5", NotAnAmount),
        ("3.5千5", NotAnAmount),
        ("五十千", NotAnAmount),
        ("3000-4000", AmountRange),
        ("3000 - 4000", AmountRange),
        ("3000~4000", AmountRange),
        ("3000到4000", AmountRange),
        ("三千到四千", AmountRange),
        ("3-4千", AmountRange),
        ("三四千", AmountRange),
        ("五六百块", AmountRange),
        ("3000 4000", MultipleAmounts),
        ("3000元4000元", MultipleAmounts),
        ("3000和4000", MultipleAmounts),
        ("3000,4000", MultipleAmounts),
        ("1000001", AmountTooLarge),
        ("200万", AmountTooLarge),
        ("140502199001011234", AmountTooLarge),
        ("3" * 150, TextTooLong),
    ],
)
def test_anything_but_one_amount_is_refused(text, error):
    with pytest.raises(error):
        parse_amount(text)


@pytest.mark.parametrize("writer", list(WRITERS), ids=list(WRITERS))
@given(number=st.integers(min_value=0, max_value=99_999))
def test_every_integer_up_to_99999_reads_back_however_it_is_written(writer, number):
    assert parse_amount(WRITERS[writer](number)) == number


@given(cents=st.integers(min_value=0, max_value=100_000_000))
def test_amounts_with_cents_read_back(cents):
    amount = Decimal(cents) / 100
    assert parse_amount(f"{amount:.2f}") == amount


# --- Months ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2025-03", "2025-03"),
        ("2025-3", "2025-03"),
        ("2025/03", "2025-03"),
        ("2025.3", "2025-03"),
        ("202503", "2025-03"),
        ("2025年3月", "2025-03"),
        ("2025年03月", "2025-03"),
        ("2025 年 3 月", "2025-03"),
        ("25年3月", "2025-03"),
        ("二〇二五年三月", "2025-03"),
        ("3月", "2025-03"),
        ("3月份", "2025-03"),
        ("三月", "2025-03"),
        ("十月", "2025-10"),
        ("十一月", "2025-11"),
        ("十二月", "2025-12"),
        ("２０２５－０３", "2025-03"),
        ("２０２５年３月", "2025-03"),
        ("今年3月", "2025-03"),
        ("去年十月", "2024-10"),
        ("前年5月", "2023-05"),
        ("明年3月", "2026-03"),
        ("上个月", "2025-10"),
        ("这个月", "2025-11"),
        ("从2025年3月开始", "2025-03"),
        ("2000-01", "2000-01"),
        ("2026-11", "2026-11"),
    ],
)
def test_a_month_is_read_from_what_people_type(text, month):
    assert str(parse_month(text, default_year=YEAR, today=TODAY)) == month


def test_a_month_without_a_year_is_in_the_default_year():
    assert parse_month("3月", default_year=2024, today=TODAY) == Month(2024, 3)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", NotAMonth),
        ("abc", NotAMonth),
        ("3", NotAMonth),
        ("2025", NotAMonth),
        ("2025年", NotAMonth),
        ("2025-00", NotAMonth),
        ("2025-13", NotAMonth),
        ("202513", NotAMonth),
        ("0月", NotAMonth),
        ("13月", NotAMonth),
        ("十三月", NotAMonth),
        ("2025-03-15", NotAMonth),
        ("3月到11月", NotAMonth),
        ("1999-12", MonthOutOfRange),
        ("99年3月", MonthOutOfRange),
        ("2026-12", MonthOutOfRange),
        ("2030年1月", MonthOutOfRange),
        ("9999-01", MonthOutOfRange),
        ("1" * 500, TextTooLong),
    ],
)
def test_anything_but_one_plausible_month_is_refused(text, error):
    with pytest.raises(error):
        parse_month(text, default_year=YEAR, today=TODAY)


@given(month=st.integers(min_value=2000 * 12, max_value=2026 * 12 + 10).map(Month.from_index))
def test_every_month_from_2000_to_a_year_ahead_reads_back(month):
    for text in (
        str(month),
        f"{month.year}-{month.month}",
        f"{month.year}{month.month:02d}",
        f"{month.year}年{month.month}月",
        f"{month.year}.{month.month}",
        fullwidth(f"{month.year}/{month.month:02d}"),
    ):
        assert parse_month(text, default_year=YEAR, today=TODAY) == month


@pytest.mark.parametrize("number", range(1, 13))
def test_every_month_reads_back_in_chinese(number):
    text = f"{spell_chinese(number)}月"
    assert parse_month(text, default_year=YEAR, today=TODAY) == Month(YEAR, number)


# --- Work periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025-03到2025-11", "2025-03", "2025-11"),
        ("3月到11月", "2025-03", "2025-11"),
        ("三月到十一月", "2025-03", "2025-11"),
        ("3月-11月", "2025-03", "2025-11"),
        ("3月至11月", "2025-03", "2025-11"),
        ("3月 到 11月", "2025-03", "2025-11"),
        ("3月份到11月份", "2025-03", "2025-11"),
        ("从3月份一直到11月份", "2025-03", "2025-11"),
        ("3到11月", "2025-03", "2025-11"),
        ("3-11月", "2025-03", "2025-11"),
        ("2025.3~2025.11", "2025-03", "2025-11"),
        ("2025.3～2025.11", "2025-03", "2025-11"),
        ("2025-03-2025-11", "2025-03", "2025-11"),
        ("202503-202511", "2025-03", "2025-11"),
        ("2025-03 to 2025-11", "2025-03", "2025-11"),
        ("2025年3月到11月", "2025-03", "2025-11"),
        ("2024年3月到11月", "2024-03", "2024-11"),
        ("3月到2024年11月", "2024-03", "2024-11"),
        ("去年10月到今年3月", "2024-10", "2025-03"),
        ("2024年10月到2025年3月", "2024-10", "2025-03"),
        ("3月到3月", "2025-03", "2025-03"),
        ("3月至今", "2025-03", None),
        ("2025年3月至今", "2025-03", None),
        ("2025年3月到现在", "2025-03", None),
        ("2025年3月，现在还在干", "2025-03", None),
        ("2025年3月现在还在干", "2025-03", None),
        ("3月到现在还在干", "2025-03", None),
        ("从2025年3月开始，目前还在上班", "2025-03", None),
        ("2025-03 to now", "2025-03", None),
        ("2025-03 - present", "2025-03", None),
        ("2025-03~今", "2025-03", None),
        ("3月, still working", "2025-03", None),
    ],
)
def test_a_work_period_is_read_from_what_people_type(text, first, last):
    start, end = parse_month_range(text, default_year=YEAR, today=TODAY)
    assert str(start) == first
    assert (end if end is None else str(end)) == last


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", NotAMonthRange),
        ("abc", NotAMonthRange),
        ("2025年3月", NotAMonthRange),
        ("3月开始", NotAMonthRange),
        ("3-11", NotAMonthRange),
        ("3月到11", NotAMonthRange),
        ("3到现在", NotAMonthRange),
        ("3月到13月", NotAMonthRange),
        ("3月和11月", NotAMonthRange),
        ("3月到11月到12月", NotAMonthRange),
        ("11月到3月", RangeReversed),
        ("2025-11到2025-03", RangeReversed),
        ("2024年10月到3月", RangeReversed),
        ("1999-01到2025-03", MonthOutOfRange),
        ("2025-03到2030-03", MonthOutOfRange),
        ("月" * 500, TextTooLong),
    ],
)
def test_anything_but_one_plausible_period_is_refused(text, error):
    with pytest.raises(error):
        parse_month_range(text, default_year=YEAR, today=TODAY)


@given(
    first=st.integers(min_value=2000 * 12, max_value=2026 * 12 + 10),
    length=st.integers(min_value=0, max_value=40),
    separator=st.sampled_from(["到", "至", "-", "~", " - ", " 到 "]),
)
def test_every_period_reads_back_and_reversed_is_refused(first, length, separator):
    start = Month.from_index(first)
    end = Month.from_index(min(first + length, 2026 * 12 + 10))
    text = f"{start}{separator}{end}"
    assert parse_month_range(text, default_year=YEAR, today=TODAY) == (start, end)
    if end != start:
        with pytest.raises(RangeReversed):
            parse_month_range(f"{end}{separator}{start}", default_year=YEAR, today=TODAY)


@pytest.mark.parametrize(
    "text",
    ["至今", "现在还在干", "还在", "仍在那里", "在干", "目前在做", "still", "Now", "present"],
)
def test_still_working_is_recognised(text):
    assert parse_still_working(text)


@pytest.mark.parametrize(
    "text",
    ["", "3月", "11月", "今年", "现在不干了", "没在干了", "已经不在那里了", "I know", "left", "no"],
)
def test_not_still_working_is_not_mistaken_for_it(text):
    assert not parse_still_working(text)


# --- Yes, no and choices -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "是", "是的", "对", "对的", "有", "好", "好的", "好的呀", "同意", "确认", "嗯", "嗯嗯",
        "可以", "行", "yes", "Yes", "YES!", "y", "Y", "ok", "OK", "okay", "👍", "👍🏽", "👍️",
        "好好好", "对对对", " 是 ", "是。", "ｏｋ",
    ],
)  # fmt: skip
def test_yes_is_recognised(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    ["否", "不是", "没有", "没", "不", "不同意", "不要", "no", "No.", "NO", "n", "N", "👎", "不不"],
)
def test_no_is_recognised(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", NotAnAnswer),
        ("   ", NotAnAnswer),
        ("是不是", NotAnAnswer),
        ("好不好", NotAnAnswer),
        ("maybe", NotAnAnswer),
        ("也许", NotAnAnswer),
        ("3000", NotAnAnswer),
        ("yes no", NotAnAnswer),
        ("是" * 500, TextTooLong),
    ],
)
def test_anything_but_yes_or_no_is_refused(text, error):
    with pytest.raises(error):
        parse_yes_no(text)


PROGRAMS = {
    "transport": ["交通补贴", "Transport subsidy"],
    "stable_employment": ["稳岗补助"],
    "cancel": ["❌ 取消", "Cancel"],
}


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("交通补贴", "transport"),
        (" 交通 补贴！", "transport"),
        ("transport subsidy", "transport"),
        ("TRANSPORT SUBSIDY", "transport"),
        ("ｔｒａｎｓｐｏｒｔ ｓｕｂｓｉｄｙ", "transport"),
        ("Transport-subsidy.", "transport"),
        ("transport", "transport"),
        ("稳岗补助", "stable_employment"),
        ("❌ 取消", "cancel"),
        ("❌取消", "cancel"),
        ("取消", "cancel"),
        ("cancel", "cancel"),
    ],
)
def test_typing_a_label_chooses_its_option(text, choice):
    assert parse_choice(text, PROGRAMS) == choice


@pytest.mark.parametrize("text", ["", "交通", "补贴", "x", "❌", "transport subsidy please"])
def test_a_text_matching_no_option_is_refused(text):
    with pytest.raises(NotAChoice):
        parse_choice(text, PROGRAMS)


def test_a_text_matching_two_options_is_refused_rather_than_guessed():
    with pytest.raises(NotAChoice):
        parse_choice("是", {"yes": ["是"], "also_yes": ["是的", "是"]})


def test_a_lone_string_of_synonyms_is_one_synonym():
    assert parse_choice("取消", {"cancel": "取消"}) == "cancel"
    with pytest.raises(NotAChoice):
        parse_choice("取", {"cancel": "取消"})


# --- Counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12", 12),
        ("１２", 12),
        ("0", 0),
        ("十二", 12),
        ("十二个月", 12),
        ("12个月", 12),
        ("6个", 6),
        ("半年", 6),
        ("一年", 12),
        ("1年", 12),
        ("一年半", 18),
        ("两年", 24),
        ("1.5年", 18),
        ("一年零三个月", 15),
        ("一年三个月", 15),
        ("合同签了大概12个月", 12),
        ("一共十二个月", 12),
    ],
)
def test_a_count_is_read_from_what_people_type(text, number):
    assert parse_integer(text) == number


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", NotANumber),
        ("abc", NotANumber),
        ("-1", NotANumber),
        ("1.5", NotANumber),
        ("半", NotANumber),
        ("一年十三个月", NotANumber),
        ("3k", NotANumber),
        ("1000", NumberOutOfRange),
        ("一百年", NumberOutOfRange),
    ],
)
def test_anything_but_a_count_is_refused(text, error):
    with pytest.raises(error):
        parse_integer(text)


def test_a_count_can_be_bounded():
    assert parse_integer("12", minimum=1, maximum=12) == 12
    with pytest.raises(NumberOutOfRange):
        parse_integer("0", minimum=1, maximum=12)


@given(number=st.integers(min_value=0, max_value=999))
def test_every_count_reads_back_in_digits_and_chinese(number):
    assert parse_integer(str(number)) == number
    assert parse_integer(f"{spell_chinese(number)}个月") == number


# --- Cleaning text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("  ３０００　元 ", "3000 元"),
        ("ａｂｃ，１２３", "abc,123"),
        ("a\u200bb\u200dc\ufeff", "abc"),
        ("a\x00b\x07c", "abc"),
        ("line\none\r\n\ttwo", "line one two"),
        ("a     b", "a b"),
        ("", ""),
        ("\u200b \u3000", ""),
    ],
)
def test_text_is_normalised(text, cleaned):
    assert normalize_text(text) == cleaned


@pytest.mark.parametrize(
    ("text", "reasonable"),
    [
        ("3000", True),
        ("好" * 200, True),
        ("好" * 201, False),
        ("x" * 4000, False),
        ("", False),
        (" \u200b ", False),
    ],
)
def test_huge_or_empty_messages_are_flagged(text, reasonable):
    assert is_reasonable_text(text) is reasonable


def test_the_length_limit_can_be_chosen():
    assert is_reasonable_text("x" * 500, max_len=500)
    assert not is_reasonable_text("x" * 11, max_len=10)


# --- Errors and robustness ---------------------------------------------------------------------

ERRORS = [
    obj
    for obj in vars(parsing).values()
    if inspect.isclass(obj) and issubclass(obj, ParseError) and obj is not ParseError
]


@pytest.mark.parametrize("error", ERRORS, ids=[error.__name__ for error in ERRORS])
def test_every_error_says_when_it_is_raised_and_what_to_send(error):
    assert (error.__doc__ or "").startswith("Raised when")
    assert error.message_key.endswith(".")
    assert len(error.message_key) <= 80
    raised = error("140502199001011234")
    assert isinstance(raised, ValueError)
    assert str(raised) == error.message_key  # the typed text stays out of logs
    assert raised.text == "140502199001011234"


def test_every_error_has_its_own_sentence():
    keys = [error.message_key for error in [ParseError, *ERRORS]]
    assert len(set(keys)) == len(keys)


def _call_every_parser(text: str) -> None:
    for parse in (
        parse_amount,
        parse_yes_no,
        parse_integer,
        lambda t: parse_month(t, default_year=YEAR, today=TODAY),
        lambda t: parse_month_range(t, default_year=YEAR, today=TODAY),
        lambda t: parse_choice(t, PROGRAMS),
    ):
        with contextlib.suppress(ParseError):
            parse(text)
    assert isinstance(parse_still_working(text), bool)
    assert isinstance(is_reasonable_text(text), bool)
    assert normalize_text(normalize_text(text)) == normalize_text(text)


HOSTILE = [
    "'; DROP TABLE applications; --",
    "1 OR 1=1",
    "<script>alert(1)</script>",
    "<b>3000</b>",
    "${jndi:ldap://x}",
    "%s%s%s%n",
    "😀🎉👨‍👩‍👧‍👦",
    "\u202e0003",
    "\x00\x01\x02",
    "9" * 4000,
    "三" * 4000,
    "1" * 5000,
    "3000" + " " * 4000,
    "\u200b" * 4000 + "3000",
    "1e999999",
    "NaN",
    "Infinity",
    "-0",
    "9" * 99,
    "九" * 99,
    "万" * 99,
    "2025-" * 20,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gets_a_parse_error_at_worst(text):
    _call_every_parser(text)


@given(text=st.text())
def test_arbitrary_text_gets_a_parse_error_at_worst(text):
    _call_every_parser(text)


# Characters that reach deep into the parsers, so random strings are not all refused at once.
PARSER_ALPHABET = (
    "0123456789０３.,，-~ kw到至今年月份元是不在还万千百十拾佰仟零〇一二两三四五六七八九"
)


@given(text=st.text(alphabet=PARSER_ALPHABET, max_size=30))
def test_numeral_soup_gets_a_parse_error_at_worst(text):
    _call_every_parser(text)


@given(text=st.text(min_size=3000, max_size=5000))
def test_long_text_is_refused_as_too_long(text):
    for parse in (
        parse_amount,
        parse_yes_no,
        parse_integer,
        lambda t: parse_month(t, default_year=YEAR, today=TODAY),
        lambda t: parse_month_range(t, default_year=YEAR, today=TODAY),
    ):
        with pytest.raises(TextTooLong):
            parse(text)
