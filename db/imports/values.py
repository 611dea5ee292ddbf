"""Cell values as exports write them: months (2025年03月, 202503), dates, 是/否, yuan amounts."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from db.enums import HouseholdType, Sex


class BadValue(ValueError):
    """Raised when a cell cannot be read; ``code`` names the problem (said in words by
    common/import_texts.py)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def text(value: object) -> str:
    """A cell as one line of trimmed text; whole numbers (202503.0) lose their '.0'.

    Tabs, line breaks and NULs become single spaces or vanish: stored text stays on one line.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    cleaned = str(value).strip()
    if not cleaned.isprintable():
        cleaned = " ".join(cleaned.replace("\x00", "").split())
    return cleaned


_MONTH = re.compile(
    r"^(\d{4})\s*(?:年|-|/|\.)?\s*(\d{1,2})\s*(?:月|-|/|\.)?(?:\s*(\d{1,2})\s*日?)?$"
)


def month(value: object) -> date:
    """The month of 2025年03月, 2025年3月, 202503, 2025-03, 2025/3 or 2025-03-15 (its 1st day)."""
    if isinstance(value, datetime | date):
        return date(value.year, value.month, 1)
    cleaned = unicodedata.normalize("NFKC", text(value))
    match = _MONTH.match(cleaned)
    if match is None:
        raise BadValue("month_invalid")
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 12 or not 1900 <= year <= 2100:
        raise BadValue("month_invalid")
    return date(year, number, 1)


_DATE = re.compile(r"^(\d{4})\s*(?:年|-|/|\.)?\s*(\d{1,2})\s*(?:月|-|/|\.)?\s*(\d{1,2})\s*日?$")


def day(value: object) -> date:
    """A calendar date: 1980-04-12, 19800412, 1980/4/12, 1980年04月12日, or a spreadsheet date."""
    if isinstance(value, datetime | date):
        return date(value.year, value.month, value.day)
    cleaned = unicodedata.normalize("NFKC", text(value))
    match = _DATE.match(cleaned)
    if match is None:
        raise BadValue("date_invalid")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise BadValue("date_invalid") from None


_YES = {"是", "y", "yes", "true", "1", "t"}
_NO = {"否", "n", "no", "false", "0", "f"}


def yes_no(value: object) -> bool:
    """是/否 (also Y/N, 1/0, true/false)."""
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise BadValue("yes_no_invalid")


def fen(value: object) -> int:
    """A yuan amount (4200, 4,200.00, ４２００元) as whole fen, exactly (Decimal, no float)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value * 100
    cleaned = unicodedata.normalize("NFKC", text(value)).replace(",", "").removesuffix("元")
    try:
        amount = Decimal(cleaned) * 100
    except InvalidOperation:
        raise BadValue("amount_invalid") from None
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise BadValue("amount_invalid")
    return int(amount)


# 户类型 as exports and people write it. 监测对象 of every kind are "monitored"; since 2026 the
# target group is called 防止返贫致贫对象 (docs/domain.md §2.9).
_HOUSEHOLD_TYPES: dict[str, HouseholdType] = {
    **dict.fromkeys(
        ("脱贫户", "已脱贫户", "脱贫人口", "建档立卡户", "建档立卡脱贫户"),
        HouseholdType.POVERTY_ALLEVIATED,
    ),
    **dict.fromkeys(
        (
            "监测户",
            "监测对象",
            "防止返贫监测对象",
            "防止返贫致贫对象",
            "防返贫监测对象",
            "脱贫不稳定户",
            "边缘易致贫户",
            "边缘户",
            "突发严重困难户",
        ),
        HouseholdType.MONITORED,
    ),
    **dict.fromkeys(("一般户", "一般农户", "普通农户", "非贫困户"), HouseholdType.NONE),
}


def household_type(value: object, monitoring_category: str) -> HouseholdType:
    """户类型; an empty one with a 监测对象类别 is a monitored household."""
    word = "".join(text(value).split())
    if not word:
        if monitoring_category:
            return HouseholdType.MONITORED
        raise BadValue("household_type_unknown")
    found = _HOUSEHOLD_TYPES.get(word)
    if found is None:
        raise BadValue("household_type_unknown")
    return found


def sex(value: object) -> Sex | None:
    """男/女 (also male/female); empty or anything else is None, the ID number then decides."""
    word = text(value).lower()
    if word in ("男", "male", "m"):
        return Sex.MALE
    if word in ("女", "female", "f"):
        return Sex.FEMALE
    return None
