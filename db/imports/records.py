"""One export row -> one staging record, or the problems that keep it out (row by row).

Records hold text only (None for empty): dates in ISO form, booleans as 't'/'f', amounts in fen
as digits. That is what PostgreSQL's COPY reads without further work; the SQLite path converts.

This module holds the record's columns (``STAGE_COLUMNS``) and what converting any row needs
(``Converter``); ``work_rows.WorkRows`` converts the work-record table's rows and
``person_rows.PersonRows`` those of the person/household workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from db.crypto import Keyring
from db.imports import values
from db.imports.cells import cached, optional
from db.imports.columns import Header, Table
from db.imports.people import People
from db.imports.problems import PlaceWarning, Problem
from db.imports.regions import Regions
from db.imports.values import BadValue

# The staging table's columns, in record order, with their SQL types. They are grouped as a
# work row's cells are parsed (see work_rows.WorkRows); person and household columns come last and
# are filled on a person's first work row only, not repeated a million times.
STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("row_no", "integer"),
    ("id_index", "text"),
    # terms
    ("household_type", "text"),
    ("monitoring_category", "text"),
    ("start_month", "date"),
    ("end_month", "date"),
    ("is_working", "boolean"),
    ("point_to_point", "boolean"),
    # money
    ("monthly_income_fen", "bigint"),
    ("transport_subsidy_fen", "bigint"),
    # job
    ("channel", "text"),
    ("employer_name", "text"),
    ("industry", "text"),
    ("work_county_code", "text"),
    ("work_place", "text"),
    # person and household
    ("household_number", "text"),
    ("region_code", "text"),
    ("risk_eliminated", "boolean"),
    ("identified_month", "date"),
    ("risk_eliminated_month", "date"),
    ("id_number", "text"),
    ("name", "text"),
    ("sex", "text"),
    ("birth_date", "date"),
    ("relation_to_head", "text"),
    ("phone", "text"),
    ("phone_index", "text"),
    ("labour_skill", "text"),
    ("id_tail_index", "text"),
)
Record = tuple[str | None, ...]

# The work columns of a record (after row_no and id_index), in record order: what a work row
# copied straight into monitoring_employment carries (db/imports/stage.py, columnar.py).
WORK_COLUMNS = (
    "household_type",
    "monitoring_category",
    "start_month",
    "end_month",
    "is_working",
    "point_to_point",
    "monthly_income_fen",
    "transport_subsidy_fen",
    "channel",
    "employer_name",
    "industry",
    "work_county_code",
    "work_place",
)


class Converter:
    """Turns the rows of one file into staging records; remembers what it saw for duplicates.

    The shared part: a subclass converts the rows of its table (``_row``).
    """

    def __init__(self, header: Header, keys: Keyring, regions: Regions, today: date) -> None:
        self.header = header
        self.keys = keys
        self.regions = regions
        self.today = today
        self.width = max(header.columns.values()) + 1
        # A field the file lacks reads the None appended after the last column.
        self.index = {field: header.columns.get(field, self.width) for field in _FIELDS}
        self.month = optional(values.month)
        self.yes_no = optional(values.yes_no)
        self.texts = {size: optional(values.text, size) for size in (32, 64, 100, 200)}
        self.kinds = cached(self._kind)
        # Rows imported with a place the register did not confirm; the caller takes them out.
        self.warnings: list[PlaceWarning] = []
        self.people = People(keys, today)

    def convert(self, row_number: int, cells: Sequence[Any]) -> Record | list[Problem] | None:
        """The record of a row, its problems, or None for a blank row (trailing, spacer)."""
        if not any(cells):
            return None  # blank (a spacer or trailing row); a row of zeros is no record either
        cells = [*cells, *([None] * (self.width + 1 - len(cells)))]
        problems: list[Problem] = []
        record = self._row(row_number, cells, problems)
        return problems if problems or record is None else record

    def _row(self, row: int, cells: list[Any], problems: list[Problem]) -> Record | None:
        """The record of a row of this table, or None with its ``problems`` added."""
        raise NotImplementedError

    def _problem(self, row: int, field: str, cells: Sequence[Any], code: str) -> Problem:
        value = values.text(cells[self.index[field]])
        return Problem(row, self.header.names.get(field, field), value, code)

    def _parse(
        self, parse: Callable[[Any], Any], raw: Any, field: str, problems: list[tuple[str, str]]
    ) -> Any:
        try:
            return parse(raw)
        except BadValue as bad:
            problems.append((field, bad.code))
            return None

    def _kind(self, pair: tuple[Any, Any]) -> str | None:
        raw, category = pair
        if not values.text(raw) and not category and self.header.table is Table.WORK:
            return None  # the work table may leave it out; the person workbook may not
        return values.household_type(raw, category or "").value

    def _region(self, row: int, cells: list[Any]) -> str | None:
        code, note = self.regions.resolve(
            values.text(cells[self.index["county"]]),
            values.text(cells[self.index["township"]]),
            values.text(cells[self.index["village"]]),
        )
        if note is not None:
            column = self.header.names.get(note.field, note.field)
            self.warnings.append(
                PlaceWarning(row, column, note.value, note.code, note.imported_at, note.suggestions)
            )
        return code


_FIELDS = (
    "county",
    "township",
    "village",
    "household_number",
    "name",
    "id_number",
    "relation",
    "sex",
    "birth_date",
    "household_type",
    "monitoring_category",
    "risk_eliminated",
    "identified_month",
    "eliminated_month",
    "labour_skill",
    "work_area",
    "phone",
    "work_county",
    "start",
    "end",
    "is_working",
    "channel",
    "employer",
    "industry",
    "point_to_point",
    "income",
    "transport",
)
