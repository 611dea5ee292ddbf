"""Normalising, masking and redacting personal numbers."""

from __future__ import annotations

import io
import logging

import pytest

from db.errors import InvalidValueError
from db.logging_filter import RedactingFilter
from db.pii import (
    mask_account,
    mask_id,
    mask_name,
    mask_phone,
    normalize_account,
    normalize_id,
    normalize_phone,
    redact,
)

ID = "140581199003151232"
ID_X = "11010519491231002X"
ACCOUNT = "6217000010001234567"


@pytest.mark.parametrize(
    "spelling",
    [
        ID,
        f" {ID} ",
        "140581 19900315 1232",
        "１４０５８１１９９００３１５１２３２",
        "140581\u30001990031512 32",
    ],
)
def test_an_id_in_any_spelling_normalises_to_ascii_digits(spelling: str) -> None:
    assert normalize_id(spelling) == ID


def test_a_lower_case_x_becomes_upper_case() -> None:
    assert normalize_id("11010519491231002x") == ID_X
    assert normalize_id("11010519491231002ｘ") == ID_X


def test_accounts_and_phones_keep_their_digits_only() -> None:
    assert normalize_account("6217 0000-1000 1234 567") == ACCOUNT
    assert normalize_phone("+86 138-1234-5678") == "13812345678"
    assert normalize_phone("0086 13812345678") == "13812345678"


def test_empty_values_are_refused() -> None:
    with pytest.raises(InvalidValueError):
        normalize_id("  ")
    with pytest.raises(InvalidValueError):
        normalize_account("no digits")


def test_masks_keep_only_the_edges() -> None:
    assert mask_id(ID) == "1405**********1232"
    assert mask_id(ID_X.lower()) == "1101**********002X"
    assert mask_account(ACCOUNT) == "6217***********4567"
    assert mask_phone("13812345678") == "138****5678"


def test_mask_name_keeps_the_first_and_last_character() -> None:
    assert mask_name("李建国") == "李*国"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_name("王") == "王"


def test_redact_masks_ids_accounts_and_mobiles_in_free_text() -> None:
    text = f"申请人身份证{ID}，银行卡{ACCOUNT}，电话13812345678，另一证件{ID_X.lower()}。"
    assert redact(text) == (
        "申请人身份证1405**********1232，银行卡6217***********4567，电话138****5678，"
        "另一证件1101**********002X。"
    )


def test_redact_masks_sqlalchemy_parameter_tuples() -> None:
    assert redact(f"[generated in 0.0001s] ('{ID}', {ACCOUNT}, 7)") == (
        "[generated in 0.0001s] ('1405**********1232', 6217***********4567, 7)"
    )


def test_redact_leaves_short_numbers_alone() -> None:
    text = "application 12345 for 2025, 1500 CNY, household 140581001, update 987654321"
    assert redact(text) == text


def test_the_filter_redacts_message_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.db.redacting")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("parameters %r", (ID, ACCOUNT))
        try:
            raise ValueError(f"bad account {ACCOUNT}")
        except ValueError:
            logger.exception("failed for %s", ID)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert ID not in output and ACCOUNT not in output
    assert "1405**********1232" in output
    assert "ValueError: bad account 6217***********4567" in output
