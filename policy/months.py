"""Calendar months (YYYY-MM), the unit in which work periods are counted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from policy.errors import InvalidMonth

# The national monitoring system writes 2025年03月 and 202503; people and the CLI write 2025-03.
_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
    re.compile(r"^(\d{4})(\d{2})$"),
)


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month; ordered, hashable, and printed as 2025-03."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 2999:
            raise InvalidMonth(f"{self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str, field: str = "month") -> Month:
        """Read "2025-03", "2025年3月" or "202503"; raise InvalidMonth otherwise."""
        cleaned = text.strip()
        for pattern in _PATTERNS:
            match = pattern.match(cleaned)
            if match:
                year, month = int(match.group(1)), int(match.group(2))
                if 1 <= month <= 12 and 1900 <= year <= 2999:
                    return cls(year, month)
                break
        raise InvalidMonth(text, field)

    @classmethod
    def of(cls, day: date) -> Month:
        """The month a day falls in."""
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0, so that differences are month counts."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __add__(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_between(start: Month, end: Month) -> int:
    """Whole months from start to end, both included; 0 when end is before start."""
    return max(0, end.index - start.index + 1)


def months_in_year(start: Month, end: Month, year: int) -> int:
    """Whole months of the period start..end (inclusive) that fall inside the calendar year.

    A job from 2024-10 to 2025-03 has 3 months in 2024 and 3 in 2025: the subsidies count work
    "当年" (in the year), so a period crossing 31 December is split, never carried over.
    """
    first = max(start, Month(year, 1))
    last = min(end, Month(year, 12))
    return months_between(first, last)
