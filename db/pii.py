"""Normalising and masking personal numbers: resident IDs, bank accounts and phone numbers."""

from __future__ import annotations

import re
import unicodedata

from db.errors import InvalidValueError

# 17 digits and a check character; a longer digit run is left to the digit-run rule below.
_ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
# Bank cards have 16-19 digits, other accounts (passbooks, 一卡通) from 10; a longer run may be a
# number glued to other digits, so it is masked as well: over-masking a log line costs
# nothing, a leaked account does.
_LONG_DIGIT_RUN = re.compile(r"(?<!\d)\d{10,}(?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# 10-19 digits (and an ID's X) written in groups with single spaces or dashes, as people type
# them: "1405 2119 9001 0153 14", "140521-19900101-5314", "138-0013-8000". A date or time
# ("2026-12-07 14:45") has groups of two digits inside, and is left alone.
_GROUPED = re.compile(r"(?<![\w-])\d{3,}(?:[ -]\d{3,})*[ -]\d+[Xx]?(?![\w-])")
_SHORTEST_ACCOUNT, _LONGEST_ACCOUNT = 10, 19
_NOT_DIGIT = re.compile(r"\D")


def _ascii(value: str) -> str:
    # NFKC turns full-width digits and letters (１４０５…ｘ) and U+3000 into their ASCII forms.
    return "".join(unicodedata.normalize("NFKC", value).split())


def normalize_id(value: str) -> str:
    """The canonical form of a resident ID: no spaces, ASCII, an upper-case X.

    Only the form is changed; whether the number is valid (length, date, check character) is
    the business of the code that takes it in.
    """
    normalized = _ascii(value).upper()
    if not normalized:
        raise InvalidValueError("empty ID number")
    return normalized


ID_TAIL_LENGTH = 4
"""How many last characters of an ID number the console searches by: those a masked ID shows
(1405**********1232), so a clerk can look up the claimant of a notice or of a phone call."""


def normalize_id_tail(value: str) -> str:
    """The last ``ID_TAIL_LENGTH`` characters of a resident ID (or of what a clerk typed of
    its end): '140581199003151232' -> '1232', ' 123x' -> '123X'."""
    normalized = normalize_id(value)
    if len(normalized) < ID_TAIL_LENGTH:
        raise InvalidValueError(f"an ID number's tail has {ID_TAIL_LENGTH} characters")
    return normalized[-ID_TAIL_LENGTH:]


def normalize_account(value: str) -> str:
    """A bank account as its digits only (spaces, dashes and full-width digits are dropped)."""
    digits = _NOT_DIGIT.sub("", _ascii(value))
    if not digits:
        raise InvalidValueError("bank account without digits")
    return digits


def normalize_phone(value: str) -> str:
    """A phone number as its digits, without the +86 / 0086 country prefix of a mobile number."""
    digits = _NOT_DIGIT.sub("", _ascii(value))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
    if not digits:
        raise InvalidValueError("phone number without digits")
    return digits


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_id(value: str) -> str:
    """'140581199003151232' -> '1405**********1232'."""
    return _mask(normalize_id(value), 4, 4)


def mask_account(value: str) -> str:
    """'6217000010001234567' -> '6217***********4567' (first 4 and last 4 digits)."""
    return _mask(normalize_account(value), 4, 4)


def mask_phone(value: str) -> str:
    """'13812345678' -> '138****5678'."""
    return _mask(normalize_phone(value), 3, 4)


def mask_name(value: str) -> str:
    """'李建国' -> '李*国', '张三' -> '张*', '欧阳小明' -> '欧**明': the first character and,
    from three on, the last."""
    name = value.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _mask_grouped(match: re.Match[str]) -> str:
    written = match.group()
    compact = re.sub(r"[ -]", "", written).upper()
    digits = compact.rstrip("X")
    if not _SHORTEST_ACCOUNT <= len(digits) <= _LONGEST_ACCOUNT:
        return written
    if _MOBILE.fullmatch(compact):
        return _mask(compact, 3, 4)
    return _mask(compact, 4, 4)


def redact(text: str) -> str:
    """Mask every ID-number-like token, account number (10 digits or more), and mobile number
    in free text, also written in groups with spaces or dashes (masked without them)."""
    text = _GROUPED.sub(_mask_grouped, text)
    text = _ID_LIKE.sub(lambda match: _mask(match.group().upper(), 4, 4), text)
    text = _MOBILE.sub(lambda match: _mask(match.group(), 3, 4), text)
    return _LONG_DIGIT_RUN.sub(lambda match: _mask(match.group(), 4, 4), text)
