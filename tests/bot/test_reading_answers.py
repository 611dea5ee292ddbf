"""Reading answers in people's own words: amounts in a sentence, ranges offered as buttons, daily
wages refused, households with negation, yes/no in dialect, and requests read with precision."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import ParseError, parse_yes_no
from bot.parsing.amounts import read_amount
from bot.parsing.answers import read_employer, read_household
from bot.parsing.errors import (
    Ambiguous,
    AmbiguousAmount,
    AmountTooLarge,
    MultipleAmounts,
    NotAChoice,
    NotAnAmount,
    NotAnAnswer,
    NotMonthlyAmount,
)
from bot.parsing.intents import Intent, read_intent
from tests.bot.test_parsing import WRITERS

# --- Amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("一个月四千左右", "4000"),
        ("4k多", "4000"),
        ("月薪5千", "5000"),
        ("五千来块", "5000"),
        ("工资3500一个月", "3500"),
        ("4000多点", "4000"),
        ("大概两千五", "2500"),
        ("2千5", "2500"),
        ("两千五百块钱", "2500"),
        ("４０００", "4000"),
        ("4,500", "4500"),
        ("一个月大概能挣个四千块钱吧", "4000"),
        ("3k", "3000"),
        ("3.5k", "3500"),
        ("1w", "10000"),
        ("捌仟", "8000"),
        ("三点五千", "3500"),
        ("月入过万", "10000"),
        ("五 千 块", "5000"),
        ("五千块 不对 是五千五", "5500"),
        ("一天150一个月4500", "4500"),  # the monthly one of the two
        ("干了8个月一个月4200", "4200"),  # 8个月 counts months
        ("2025年一个月四千", "4000"),  # 2025年 is a year
    ],
)
def test_one_amount_is_read_inside_a_sentence(text, amount):
    assert read_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("三千到四千", ("3000", "3500", "4000")),
        ("三四千", ("3000", "3500", "4000")),
        ("3000-4000", ("3000", "3500", "4000")),
        ("3到4千", ("3000", "3500", "4000")),
        ("三到五千", ("3000", "4000", "5000")),
        ("三千到四", ("3000", "3500", "4000")),
        ("三千五六", ("3500", "3550", "3600")),
        ("两千五到三千", ("2500", "2750", "3000")),
        ("六千多不到七千", ("6000", "6500", "7000")),
        ("4000到3000", ("3000", "3500", "4000")),
    ],
)
def test_a_range_offers_its_ends_and_middle(text, options):
    with pytest.raises(AmbiguousAmount) as raised:
        read_amount(text)
    assert raised.value.options == options


@pytest.mark.parametrize(
    "text", ["一天150", "150一天", "日薪180", "一天两百", "年薪5万", "一年五六万", "一小时20块"]
)
def test_a_wage_per_day_hour_or_year_is_refused_never_multiplied(text):
    with pytest.raises(NotMonthlyAmount):
        read_amount(text)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("3000和4000", MultipleAmounts),
        ("旺季五千淡季三千", MultipleAmounts),
        ("不到三千", NotAnAmount),  # a bound, not the amount
        ("几千块", NotAnAmount),
        ("3000abc", NotAnAmount),
        ("-500", NotAnAmount),
        ("三千五到四", NotAnAmount),
        ("2026-03", NotAnAmount),
        ("3月到11月", NotAnAmount),
        ("140502199001011234", AmountTooLarge),
        ("1" * 40 + "-" + "2" * 40, AmountTooLarge),
    ],
)
def test_what_is_not_one_monthly_amount_is_refused(text, error):
    with pytest.raises(error):
        read_amount(text)


@pytest.mark.parametrize("writer", list(WRITERS), ids=list(WRITERS))
@given(number=st.integers(min_value=100, max_value=99_999))
def test_every_amount_from_100_reads_back_however_it_is_written(writer, number):
    assert read_amount(WRITERS[writer](number)) == number


# --- Employer and household ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("一直在一家", "one"),
        ("没换过", "one"),
        ("就一个老板", "one"),
        ("换过两次", "several"),
        ("不止一家", "several"),  # not "one" although it says 一家
        ("不是同一个老板", "several"),
        ("都是打零工 没固定的", "several"),
        ("在村里的帮扶车间", "workshop"),
        ("同一家单位", "one"),  # the buttons' labels, as translated
        ("换过几家单位", "several"),
    ],
)
def test_the_employer_is_read_from_words(text, choice):
    assert read_employer(text) == choice


def test_denying_the_workshop_asks_one_or_several():
    with pytest.raises(Ambiguous) as raised:
        read_employer("不是帮扶车间")
    assert raised.value.options == ("one", "several")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("不是脱贫户", "none"),
        ("不是监测户", "none"),
        ("不是脱贫户也不是监测户", "none"),
        ("不是脱贫户是监测户", "monitored"),
        ("不是监测户，是脱贫户", "poverty_alleviated"),
        ("已经不是贫困户了脱贫了", "poverty_alleviated"),
        ("没有评上贫困户", "none"),
        ("脱贫不稳定户", "monitored"),  # a monitored kind, though it says 脱贫
        ("问问村里", "unknown"),
    ],
)
def test_negation_flips_the_household_kind(text, kind):
    assert read_household(text) == kind


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("不知道是不是脱贫户", ("poverty_alleviated", "unknown")),
        ("好像是监测户", ("monitored", "unknown")),
        ("脱贫户也是监测户", ("poverty_alleviated", "monitored")),
    ],
)
def test_a_hedged_or_double_household_is_asked(text, options):
    with pytest.raises(Ambiguous) as raised:
        read_household(text)
    assert raised.value.options == options


@pytest.mark.parametrize("text", ["是", "好的", "低保户", "3000", ""])
def test_a_household_answer_without_a_kind_is_refused(text):
    with pytest.raises(NotAChoice):
        read_household(text)


# --- Yes and no ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("是的呢", True),
        ("嗯嗯好", True),
        ("得行", True),
        ("要得", True),
        ("没错", True),
        ("yes please", True),
        ("算了不要了", False),
        ("木有", False),
        ("莫得", False),
        ("不得行", False),  # not 得行
        ("嗯 不是", False),  # 嗯 before words is a pause
    ],
)
def test_yes_and_no_are_read_in_dialect_and_with_particles(text, answer):
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize("text", ["是不是", "好的不用了", "不确定", "可能吧", "嗯哼哼哈嘿"])
def test_a_mixed_or_unsure_answer_is_refused(text):
    with pytest.raises(NotAnAnswer):
        parse_yes_no(text)


# --- Intents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("查一下我能领多少", Intent("check")),
        ("咋申请", Intent("apply")),
        ("申请到哪了", Intent("status")),
        ("我不想申请了", Intent("withdraw")),
        ("English please", Intent("language", "en")),
        ("换成中文", Intent("language", "zh_CN")),
        ("切换语言", Intent("language")),
        ("？", Intent("help")),
        ("我要找村里的人", Intent("human")),
        ("回到开始", Intent("menu")),
    ],
)
def test_a_request_is_read_from_any_step(text, intent):
    assert read_intent(text) == intent


# Answers to the bot's questions: none may be taken for a request.
STEP_ANSWERS = [
    "浙江宁波", "晋城市高平市", "3月到11月", "2025-03到2025-11", "一直干到现在", "4000",
    "一个月四千", "三千到四千", "一天150", "是", "不是", "好的", "不要", "算了", "中", "有",
    "有人", "一直在一家", "换过两次", "在村里的帮扶车间", "不是脱贫户", "监测户", "不清楚",
    "问问村里", "得问问村里", "交通补贴", "稳岗补贴", "补贴", "农商银行", "邮政储蓄", "李建国",
    "140502199001011234", "123456", "13812345678", "你好", "谢谢", "申请人是我妈",
    "帮我妈申请", "申请过了", "人工费一天200", "中文名李建国", "英语老师", "我要找工作",
]  # fmt: skip


@pytest.mark.parametrize("text", STEP_ANSWERS)
def test_an_answer_to_a_step_is_never_a_request(text):
    assert read_intent(text) is None


def test_a_long_message_is_no_request():
    assert read_intent("我今年在浙江宁波的厂里打工干了八个月想问问能不能申请交通补贴") is None
    assert read_intent("帮助" * 300) is None


# --- Robustness ---------------------------------------------------------------------------

ALPHABET = "0123456789-到至千万百十一二两三四五六七八九kw个月天年 不是没有脱贫监测户车间换家申请查?"


def _read_everything(text: str) -> None:
    for read in (read_amount, read_employer, read_household, parse_yes_no):
        with contextlib.suppress(ParseError):
            read(text)
    assert read_intent(text) is None or isinstance(read_intent(text), Intent)


@given(text=st.text())
def test_arbitrary_text_gets_a_parse_error_at_worst(text):
    _read_everything(text)


@given(text=st.text(alphabet=ALPHABET, max_size=40))
def test_answer_soup_gets_a_parse_error_at_worst(text):
    _read_everything(text)


def test_the_daily_wage_error_says_what_to_send_and_keeps_the_text_out_of_logs():
    error = NotMonthlyAmount("一天150")
    assert isinstance(error, NotAnAmount)
    assert (NotMonthlyAmount.__doc__ or "").startswith("Raised when")
    assert error.message_key.endswith(".") and len(error.message_key) <= 80
    assert error.message_key != NotAnAmount.message_key
    assert str(error) == error.message_key and error.text == "一天150"
