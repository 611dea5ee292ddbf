"""The error file (xlsx): rows left out, one line per problem (行号, 列, 值, 问题), and on a sheet
of their own the rows imported with a warning, with where they went and the closest names
(the first rows of each name, then one line counting its other rows)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.imports.problems import PlaceWarning, Problem
from db.xlsx import cells

HEADERS = ("行号", "列", "值", "问题")
WARNING_HEADERS = (*HEADERS, "导入到", "区划登记册中相近的名称")
# The sheets' titles are translated like problems: ``describe`` is given these codes.
LEFT_OUT_SHEET = "sheet_left_out"
WARNINGS_SHEET = "sheet_warnings"
# The file is read by people: past this many lines a clerk fixes the export, not the lines.
MAX_LINES = 100_000
# A name the register lacks is fixed once for all its rows: its first rows are listed, then one
# line counts the others (a county missing from the register would otherwise fill the sheet).
ROWS_PER_NAME = 50
MORE_ROWS = "place_more_rows"  # the text of that line: ``describe`` fills in {count}
_NOT_IN_TITLES = re.compile(r"[\\/?*\[\]:]")  # Excel refuses these in sheet names


class ErrorFile:
    """Written as problems come (openpyxl write-only), created only when there is one.

    The sheet of rows left out always comes first, so readers of the first sheet find only
    those; the warnings' sheet follows when there is a warning.
    """

    def __init__(self, path: Path, describe: Callable[[str], str]) -> None:
        self.path = path
        self.describe = describe
        self.lines = 0
        self.warnings = 0
        self._workbook: Any = None
        self._sheet: Any = None
        self._warning_sheet: Any = None
        # (column, name, imported at) -> [rows warned, the first warning]
        self._names: dict[tuple[str, str, str], list[Any]] = {}

    def _open(self) -> None:
        if self._workbook is None:
            from openpyxl import Workbook

            self._workbook = Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet(self._title(LEFT_OUT_SHEET))
            self._sheet.append(list(HEADERS))

    def _title(self, code: str) -> str:
        return _NOT_IN_TITLES.sub(" ", self.describe(code))[:31]

    def add(self, problem: Problem) -> None:
        self._open()
        if self.lines < MAX_LINES:
            values = [
                problem.row_number,
                problem.column,
                problem.value,
                self.describe(problem.code),
            ]
            self._sheet.append(cells(self._sheet, values))  # a cell "=…" of the file stays text
        self.lines += 1

    def warn(self, warning: PlaceWarning) -> None:
        self.warnings += 1
        key = (warning.column, warning.value, warning.imported_at)
        seen = self._names.setdefault(key, [0, warning])
        seen[0] += 1
        if seen[0] <= ROWS_PER_NAME and self.warnings <= MAX_LINES:
            self._warn_line(warning.row_number, warning, self.describe(warning.code))

    def _warn_line(self, row: int | None, warning: PlaceWarning, problem: str) -> None:
        self._open()
        if self._warning_sheet is None:
            self._warning_sheet = self._workbook.create_sheet(self._title(WARNINGS_SHEET))
            self._warning_sheet.append(list(WARNING_HEADERS))
        values = [
            row,
            warning.column,
            warning.value,
            problem,
            warning.imported_at,
            "、".join(warning.suggestions),
        ]
        self._warning_sheet.append(cells(self._warning_sheet, values))

    def _count_the_rest(self) -> None:
        for seen, first in self._names.values():
            if seen > ROWS_PER_NAME:
                more = self.describe(MORE_ROWS).replace("{count}", f"{seen - ROWS_PER_NAME:,}")
                self._warn_line(None, first, more)

    def close(self) -> Path | None:
        """Save the file; its path, or None when there was nothing to report."""
        if self._workbook is None:
            return None
        self._count_the_rest()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._workbook.save(self.path)
        self._workbook = None
        return self.path
