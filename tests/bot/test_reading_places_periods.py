"""Reading places and periods inside sentences: the rules behind the corpus, one by one."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing.errors import (
    MonthOutOfRange,
    NotAMonth,
    NotAMonthRange,
    ParseError,
    RangeReversed,
)
from bot.parsing.months import Period, read_birth, read_end, read_period
from bot.parsing.places import read_place
from policy.errors import AmbiguousPlace, UnknownPlace
from policy.months import Month
from policy.places import find_place_names

TODAY = date(2026, 12, 7)
YEAR = 2026
START = Month(2026, 3)


def period(text: str, today: date = TODAY, default_year: int = YEAR) -> Period:
    return read_period(text, default_year=default_year, today=today)


def end(text: str, start: Month = START) -> Period:
    return read_end(text, start=start, today=TODAY)


def candidates(text: str) -> set[str]:
    with pytest.raises(AmbiguousPlace) as caught:
        read_place(text)
    return {candidate.code for candidate in caught.value.candidates}


# --- Places -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("在浙江宁波打工", "3302"),
        ("在宁波一个厂里", "3302"),
        ("我在浙江省宁波市打工呢", "3302"),
        ("浙江 宁波", "3302"),
        ("浙江.宁波", "3302"),
        ("浙江　宁波", "3302"),
        ("在外省 浙江", "33"),
        ("太原小店区", "140105"),
        ("北京朝阳", "110105"),
        ("在广东东莞电子厂", "4419"),
    ],
)
def test_a_place_is_read_inside_a_sentence(text: str, code: str) -> None:
    assert read_place(text) == code


def test_a_province_and_one_of_its_cities_with_words_between_are_the_city() -> None:
    assert read_place("我在浙江那边宁波市一个厂里上班") == "3302"
    assert read_place("宁波，浙江的") == "3302"  # the city first
    assert read_place("在辽宁那个朝阳") == "2113"  # the province settles a shared name


def test_codes_and_plain_names_read_as_before() -> None:
    assert read_place("330200") == "3302"
    assert read_place("１４０５８１") == "140581"
    assert read_place("宁波") == "3302"
    assert read_place("浙江") == "33"


@pytest.mark.parametrize(("text", "code"), [("西安", "6101"), ("长沙", "4301"), ("大同", "1402")])
def test_a_city_wins_over_county_level_namesakes(text: str, code: str) -> None:
    assert read_place(text) == code


def test_a_name_shared_with_a_district_of_beijing_is_asked() -> None:
    assert candidates("朝阳") == {"110105", "2113"}
    assert candidates("在朝阳打工") == {"110105", "2113"}


def test_two_unrelated_places_are_asked() -> None:
    assert candidates("宁波和苏州") == {"3205", "3302"}
    assert candidates("北京天津都干过") == {"11", "12"}


def test_ambiguous_names_still_offer_every_place() -> None:
    assert candidates("城区") == {"140302", "140502", "441502"}


@pytest.mark.parametrize(
    "text", ["在大城市打工", "在一个小店打工", "天天上街跑外卖", "在公安局旁边", "在合作社干活"]
)
def test_ordinary_words_that_are_also_short_place_names_are_not_read(text: str) -> None:
    with pytest.raises(UnknownPlace):
        read_place(text)


def test_ordinary_words_count_where_a_place_beside_them_confirms_them() -> None:
    assert read_place("太原 小店") == "140105"
    assert read_place("小店") == "140105"  # the whole message is the name


def test_a_town_named_like_a_county_is_not_that_county() -> None:
    assert read_place("在广东省东莞市长安镇") == "4419"
    assert read_place("东莞长安") == "4419"


@pytest.mark.parametrize(
    ("text", "code"),
    [("苏洲", "3205"), ("株洲", "4302"), ("内蒙鄂尔多斯", "1506"), ("上海浦东", "310115")],
)
def test_typos_and_spoken_names(text: str, code: str) -> None:
    assert read_place(text) == code


def test_short_forms_of_districts_are_the_spoken_ones() -> None:
    assert read_place("万柏林") == "140109"  # not 万柏, as if 万柏林区 were a 林区
    assert read_place("浦东") == "310115"


@pytest.mark.parametrize("text", ["不知道", "外地", "南方", "火星", "", "   ", "在外面打工"])
def test_no_place_is_guessed(text: str) -> None:
    with pytest.raises(UnknownPlace):
        read_place(text)


def test_a_very_long_message_is_no_place() -> None:
    with pytest.raises(UnknownPlace):
        read_place("浙江宁波" * 200)


def test_the_scan_finds_the_longest_names_left_to_right() -> None:
    assert find_place_names("我在浙江省宁波市打工") == [(2, "浙江省宁波市")]
    assert find_place_names("浙江和江苏") == [(0, "浙江"), (3, "江苏")]


@given(text=st.text(max_size=120))
def test_any_text_is_a_place_or_refused(text: str) -> None:
    with contextlib.suppress(AmbiguousPlace, UnknownPlace):
        read_place(text)


# --- Periods ------------------------------------------------------------------------------------


def test_lunar_months_are_read_as_the_solar_month_after() -> None:
    assert period("去年正月到七月") == Period(Month(2025, 2), Month(2025, 8), lunar=True)
    assert period("农历二月到八月") == Period(Month(2026, 3), Month(2026, 9), lunar=True)
    assert period("去年冬月到今年三月") == Period(Month(2025, 12), Month(2026, 4), lunar=True)


def test_la_yue_falls_in_january_of_the_next_year() -> None:
    assert period("去年正月到腊月") == Period(Month(2025, 2), Month(2026, 1), lunar=True)
    assert period("去年腊月到今年五月") == Period(Month(2026, 1), Month(2026, 6), lunar=True)
    # 腊月 without a year: the last one, since this year's is still to come
    assert period("腊月出来的") == Period(Month(2026, 1), None, lunar=True)


def test_plain_months_are_solar_and_not_flagged() -> None:
    assert period("二月到八月") == Period(Month(2026, 2), Month(2026, 8))
    assert period("十一月") == Period(Month(2026, 11), None)


def test_after_the_spring_festival_is_february() -> None:
    assert period("过完年到现在") == Period(Month(2026, 2), None, ongoing=True)
    assert period("年后到八月") == Period(Month(2026, 2), Month(2026, 8))
    assert period("去年过完年出去的 到十月回来") == Period(Month(2025, 2), Month(2025, 10))
    assert period("正月十五以后出去的，现在还在") == Period(
        Month(2026, 2), None, ongoing=True, lunar=True
    )


def test_ongoing_and_first_month_only_differ() -> None:
    assert period("3月份到现在") == Period(Month(2026, 3), None, ongoing=True)
    assert period("8月份去的，还没回来") == Period(Month(2026, 8), None, ongoing=True)
    assert period("从三月份开始干的") == Period(Month(2026, 3), None, ongoing=False)
    assert period("3月到现在不干了") == Period(Month(2026, 3), None, ongoing=False)


@pytest.mark.parametrize(
    "text",
    [
        "今年三月份出去的一直干到十一月份",
        "3月5号到11月20号",
        "三月五号到十一月二十号",
        "3-11月",
        "2026.3-2026.11",
        "三月份来的 十一月份回的",
        "march to november",
    ],
)
def test_whole_periods_are_read(text: str) -> None:
    assert period(text) == Period(Month(2026, 3), Month(2026, 11))


def test_a_period_crossing_new_year() -> None:
    assert period("去年十月到今年五月") == Period(Month(2025, 10), Month(2026, 5))
    assert period("去年十月到五月") == Period(Month(2025, 10), Month(2026, 5))
    assert period("十一月到今年三月") == Period(Month(2025, 11), Month(2026, 3))


def test_two_digit_years_are_of_this_century_for_work() -> None:
    assert period("25年10月到26年3月") == Period(Month(2025, 10), Month(2026, 3))


def test_a_number_of_months_worked_ends_the_period() -> None:
    assert period("3月份开始干了8个月") == Period(Month(2026, 3), Month(2026, 10))
    assert period("3月份开始干了8个多月") == Period(Month(2026, 3), None)


def test_months_without_a_year_are_in_the_claim_year() -> None:
    assert period("3月到11月", today=date(2027, 2, 10), default_year=2026) == Period(
        Month(2026, 3), Month(2026, 11)
    )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("明年三月", MonthOutOfRange),
        ("明年3月到5月", MonthOutOfRange),
        ("2027年3月", MonthOutOfRange),
        ("1999年3月到现在", MonthOutOfRange),
        ("11月到3月", RangeReversed),
        ("2026年11月到2026年3月", RangeReversed),
        ("3月和11月", NotAMonthRange),
        ("到11月", NotAMonthRange),
        ("3月到5月，7月到11月", NotAMonthRange),
        ("十三月到十一月", NotAMonthRange),
        ("3", NotAMonthRange),
        ("3-11", NotAMonthRange),
        ("好几个月", NotAMonthRange),
        ("干了八个月", NotAMonthRange),
        ("一直在干", NotAMonthRange),
    ],
)
def test_what_is_no_period_is_refused(text: str, error: type[ParseError]) -> None:
    with pytest.raises(error):
        period(text)


def test_next_month_is_refused_for_work() -> None:
    with pytest.raises(MonthOutOfRange):
        period("下个月")
    assert period("这个月") == Period(Month(2026, 12), None)


# --- Ends of periods ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["到今年十一月", "干到十一月", "一直干到11月底", "11月份回来的", "3月到11月", "until november"],
)
def test_the_end_of_a_period_is_read(text: str) -> None:
    assert end(text) == Period(START, Month(2026, 11))


@pytest.mark.parametrize("text", ["到现在", "现在还在干", "还没回来", "3月到现在", "still working"])
def test_work_going_on_has_no_end(text: str) -> None:
    assert end(text) == Period(START, None, ongoing=True)


def test_an_end_without_a_year_is_the_first_one_after_the_start() -> None:
    assert end("三月", start=Month(2025, 11)) == Period(Month(2025, 11), Month(2026, 3))


def test_a_lunar_end_is_flagged() -> None:
    assert end("冬月") == Period(START, Month(2026, 12), lunar=True)


def test_a_number_of_months_worked_is_an_end() -> None:
    assert end("干了三个月") == Period(START, Month(2026, 5))
    with pytest.raises(NotAMonth):
        end("回来了两个月了")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("去年十一月", RangeReversed),
        ("腊月", MonthOutOfRange),  # January 2027 is still to come
        ("二月", MonthOutOfRange),  # after March 2026, February is 2027
        ("11", NotAMonth),
        ("回来了", NotAMonth),
        ("现在不干了", NotAMonth),
    ],
)
def test_what_is_no_end_is_refused(text: str, error: type[ParseError]) -> None:
    with pytest.raises(error):
        end(text)


# --- Birth months -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["85年6月", "八五年六月", "1985.6", "85.6", "19850615", "一九八五年六月十五", "June 1985"],
)
def test_a_birth_month_is_read(text: str) -> None:
    assert read_birth(text, today=TODAY) == Month(1985, 6)


@pytest.mark.parametrize(
    ("text", "year"), [("02年5月", 2002), ("10年5月", 2010), ("20年5月", 1920)]
)
def test_two_digit_birth_years_make_a_person_of_working_age(text: str, year: int) -> None:
    assert read_birth(text, today=TODAY) == Month(year, 5)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("85年", NotAMonth),
        ("六月", NotAMonth),
        ("今年3月", NotAMonth),
        ("九零年腊月", NotAMonth),
        ("农历八五年六月", NotAMonth),
        ("2027年3月", MonthOutOfRange),
        ("1885年3月", MonthOutOfRange),
    ],
)
def test_what_is_no_birth_month_is_refused(text: str, error: type[ParseError]) -> None:
    with pytest.raises(error):
        read_birth(text, today=TODAY)


ALPHABET = (
    "0123456789０３.,，-~ 到至今年月份号日前去明正腊冬农历过完后现在还干回来不个多十一二三五九"
)


@given(text=st.one_of(st.text(max_size=120), st.text(alphabet=ALPHABET, max_size=40)))
def test_any_text_is_a_period_or_a_parse_error(text: str) -> None:
    for read in (period, end, lambda t: read_birth(t, today=TODAY)):
        with contextlib.suppress(ParseError):
            read(text)
