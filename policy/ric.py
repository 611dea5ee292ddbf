"""Resident ID numbers (GB 11643-1999): normalise, validate, read birth date and region, mask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul

from policy import places
from policy.errors import InvalidIdNumber

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_DIGIT_ZERO_WEIGHT = ord("0") * sum(_WEIGHTS)
# Full-width digits and X come from Chinese input methods; map them before any check.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


@dataclass(frozen=True)
class IdRecord:
    """What an ID number says about its holder.

    `region_status` is "current", "retired" or "unknown": a note for the reviewer, never a
    reason to refuse, because people keep the number issued under a region code that was later
    renamed or merged (e.g. 140421 长治县, now 上党区).
    """

    number: str
    region: str
    birth_date: date
    sex: str
    region_status: str
    region_name: str | None


def normalize(text: str) -> str:
    """Strip all whitespace, map full-width digits to ASCII and x to X."""
    if text.isascii() and text.isalnum():  # the usual case: nothing to map or strip
        return text.replace("x", "X")
    return "".join(text.translate(_FULL_WIDTH).split()).replace("x", "X")


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    if len(first17) != len(_WEIGHTS) or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"not 17 digits: {first17!r}")
    # An ASCII digit's code is its value plus 48 (imports check a million numbers this way).
    total = sum(map(mul, first17.encode(), _WEIGHTS)) - _DIGIT_ZERO_WEIGHT
    return _CHECK_CHARS[total % 11]


def parse(text: str, today: date | None = None) -> IdRecord:
    """Validate an ID number and return what it encodes; raise InvalidIdNumber if it is wrong.

    Checked: 18 characters, 17 digits then a digit or X, a real birth date not after `today`,
    and the check character. The region code is looked up but never decides validity: stdnum's
    own validate() rejects real numbers by comparing the region's years with the birth date.
    """
    number = normalize(text)
    if len(number) != 18:
        raise InvalidIdNumber(f"ID number must have 18 characters, got {len(number)}", "length")
    if not (number.isascii() and number[:17].isdigit()) or not (
        number[17].isdigit() or number[17] == "X"
    ):
        raise InvalidIdNumber("ID number must be 17 digits followed by a digit or X", "characters")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            f"ID number has no real birth date: {number[6:14]}", "birth_date"
        ) from None
    if birth.year < 1880 or birth > (today or date.today()):
        raise InvalidIdNumber(f"ID number has an impossible birth date: {birth}", "birth_date")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise InvalidIdNumber(
            f"ID number check character is {number[17]}, expected {expected}", "checksum"
        )
    region = number[:6]
    status, name = _region(region)
    return IdRecord(
        number=number,
        region=region,
        birth_date=birth,
        sex="male" if int(number[16]) % 2 else "female",
        region_status=status,
        region_name=name,
    )


@lru_cache(maxsize=4096)
def _region(code: str) -> tuple[str, str | None]:
    """A region code's status and name (an import reads the same few on 100,000 IDs)."""
    status = places.status(code)
    return status, places.place_name(code) if status != "unknown" else None


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on ``day``: 16 on the sixteenth birthday, not the day before."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_valid(text: str) -> bool:
    """True when parse() accepts the number."""
    try:
        parse(text)
    except InvalidIdNumber:
        return False
    return True


def mask_id(text: str) -> str:
    """Keep the first 4 and last 4 characters for messages, logs and notices: 1405**********1232."""
    number = normalize(text)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
