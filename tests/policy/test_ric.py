"""Resident ID numbers: the GB 11643-1999 checks, normalisation, regions as notes, masking."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy import Facts, InvalidIdNumber, mask_id, normalize_id, parse_id
from policy.ric import check_char, is_valid


@pytest.mark.parametrize(
    ("number", "birth", "sex", "region"),
    [
        ("140581199003151232", date(1990, 3, 15), "male", "140581"),
        ("140427196801012467", date(1968, 1, 1), "female", "140427"),
        ("140524196208150136", date(1962, 8, 15), "male", "140524"),
        ("140581201006010320", date(2010, 6, 1), "female", "140581"),
        ("140421198511200516", date(1985, 11, 20), "male", "140421"),
    ],
)
def test_valid_numbers_from_the_domain_cases_are_accepted(
    number: str, birth: date, sex: str, region: str
) -> None:
    record = parse_id(number)
    assert (record.birth_date, record.sex, record.region) == (birth, sex, region)


def test_a_retired_region_code_is_a_note_not_a_refusal() -> None:
    # Given 140421 (长治县, retired in 2018), When parsed, Then valid with the status noted
    record = parse_id("140421198511200516")
    assert record.region_status == "retired"
    assert record.region_name == "山西省长治市长治县"


def test_numbers_stdnum_would_reject_for_region_years_are_valid() -> None:
    # 高平市 exists since 1993, the holder was born 1990: still a real, valid number.
    assert parse_id("140581199003151232").region_status == "current"


def test_an_unknown_region_is_accepted_with_status_unknown() -> None:
    first17 = "83000019900315123"
    record = parse_id(first17 + check_char(first17))
    assert record.region_status == "unknown"
    assert record.region_name is None


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("140581199003151233", "checksum"),
        ("14058119900315123", "length"),
        ("1405811990031512321", "length"),
        ("14058119900315123A", "characters"),
        ("1405811990A3151232", "characters"),
        ("140581199002301231", "birth_date"),
        ("140581187001011236", "birth_date"),
    ],
)
def test_invalid_numbers_are_refused_with_the_failed_check(number: str, code: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id(number)
    assert caught.value.code == code


def test_a_birth_date_in_the_future_is_refused() -> None:
    first17 = "14058120300101123"
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id(first17 + check_char(first17), today=date(2025, 1, 1))
    assert caught.value.code == "birth_date"


def test_a_lower_case_x_is_read_as_x() -> None:
    first17 = "11010519491231002"
    assert check_char(first17) == "X"
    assert parse_id(first17 + "x").number == first17 + "X"


def test_full_width_digits_and_spaces_are_normalised() -> None:
    assert normalize_id(" １４０５８１ 19900315 1232\u3000") == "140581199003151232"
    assert parse_id("１４０５８１１９９００３１５１２３２").number == "140581199003151232"


def test_mask_keeps_four_and_four() -> None:
    assert mask_id("140581199003151232") == "1405**********1232"
    assert mask_id("1405 8119 9003 1512 32") == "1405**********1232"
    assert mask_id("1234") == "****"


def test_facts_from_an_id_take_birth_date_and_home_county() -> None:
    facts = Facts.from_id_number("140421198511200516", year=2025, household_type="none")
    assert facts.birth_date == date(1985, 11, 20)
    assert facts.home_county == "140421"


@given(
    region=st.sampled_from(["140581", "140421", "110105", "320106"]),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_any_number_with_its_check_char_is_valid_and_any_other_char_is_not(
    region: str, birth: date, sequence: int
) -> None:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    good = first17 + check_char(first17)
    assert parse_id(good).birth_date == birth
    assert parse_id(good).sex == ("male" if sequence % 2 else "female")
    for other in "0123456789X":
        if other != good[-1]:
            assert not is_valid(first17 + other)


@given(
    number=st.text(alphabet="0123456789", min_size=17, max_size=17),
    position=st.integers(min_value=0, max_value=16),
    delta=st.integers(min_value=1, max_value=9),
)
def test_changing_one_digit_changes_the_check_char(number: str, position: int, delta: int) -> None:
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert check_char(changed) != check_char(number)
