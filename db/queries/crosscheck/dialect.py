"""How the cross-check's SQL is spelled: where PostgreSQL and SQLite differ, and the text helpers.

Statements are rendered as text because the same join runs as a benchmark baseline and must read
the same on both databases; only integers (months, years, ids) and the fixed words of this
package (statuses, check codes, channels) are ever put into the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Dialect:
    """The few spellings where PostgreSQL and SQLite differ."""

    name: str

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    def fact(self, key: str) -> str:
        """A fact of the application's JSON ``facts`` as text (NULL when absent or null)."""
        if self.postgres:
            return f"(a.facts ->> '{key}')"
        return f"json_extract(a.facts, '$.{key}')"

    def number(self, expression: str) -> str:
        return f"CAST({expression} AS {'NUMERIC' if self.postgres else 'REAL'})"

    def month_of_date(self, column: str) -> str:
        """Months since year 0 of a DATE column: 2025-03-01 -> 2025 * 12 + 2."""
        if self.postgres:
            return (
                f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12"
                f" + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"
            )
        return month_of_text(column)

    def iso_month(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM')" if self.postgres else f"substr({column}, 1, 7)"

    def iso_date(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')" if self.postgres else column

    def greatest(self, *items: str) -> str:
        return f"{'GREATEST' if self.postgres else 'MAX'}({', '.join(items)})"

    def least(self, *items: str) -> str:
        return f"{'LEAST' if self.postgres else 'MIN'}({', '.join(items)})"

    def json(self, pairs: Iterable[tuple[str, str]]) -> str:
        # json, not jsonb: written once and shown as written (see the Finding model).
        function = "json_build_object" if self.postgres else "json_object"
        arguments = ", ".join(f"'{key}', {value}" for key, value in pairs)
        return f"{function}({arguments})"

    def json_differs(self, left: str, right: str) -> str:
        # JSON is kept as text: compare the parsed (PostgreSQL) or minified (SQLite) forms.
        if self.postgres:
            return f"CAST({left} AS jsonb) <> CAST({right} AS jsonb)"
        return f"json({left}) <> json({right})"

    def temp(self, name: str) -> str:
        return f"pg_temp.{name}" if self.postgres else f"temp.{name}"

    def create_temp_as(self, name: str, select: str) -> str:
        drop = " ON COMMIT DROP" if self.postgres else ""
        return f"CREATE TEMP TABLE {name}{drop} AS {select}"


def month_of_text(expression: str) -> str:
    """Months since year 0 of 'YYYY-MM' or 'YYYY-MM-DD' text."""
    return (
        f"(CAST(substr({expression}, 1, 4) AS INTEGER) * 12"
        f" + CAST(substr({expression}, 6, 2) AS INTEGER) - 1)"
    )


def quoted(values: Iterable[str]) -> str:
    """A list of fixed words as SQL string literals: 'a', 'b'."""
    return ", ".join(f"'{value}'" for value in values)


def month_index(day: date) -> int:
    """The month index the SQL counts in, of a day: 2025-03-xx -> 2025 * 12 + 2."""
    return day.year * 12 + day.month - 1
