"""The error file (xlsx): rows left out, one line per problem (行号, 列, 值, 问题), and on a sheet
of their own the rows imported with a warning, with where they went and the closest names."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.imports.records import PlaceWarning, Problem

HEADERS = ("行号", "列", "值", "问题")
WARNING_HEADERS = (*HEADERS, "导入到", "区划登记册中相近的名称")
# The sheets' titles are translated like problems: ``describe`` is given these codes.
LEFT_OUT_SHEET = "sheet_left_out"
WARNINGS_SHEET = "sheet_warnings"
# The file is read by people: past this many lines a clerk fixes the export, not the lines.
MAX_LINES = 100_000
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
            self._sheet.append(
                [problem.row_number, problem.column, problem.value, self.describe(problem.code)]
            )
        self.lines += 1

    def warn(self, warning: PlaceWarning) -> None:
        self._open()
        if self._warning_sheet is None:
            self._warning_sheet = self._workbook.create_sheet(self._title(WARNINGS_SHEET))
            self._warning_sheet.append(list(WARNING_HEADERS))
        if self.warnings < MAX_LINES:
            self._warning_sheet.append(
                [
                    warning.row_number,
                    warning.column,
                    warning.value,
                    self.describe(warning.code),
                    warning.imported_at,
                    "、".join(warning.suggestions),
                ]
            )
        self.warnings += 1

    def close(self) -> Path | None:
        """Save the file; its path, or None when there was nothing to report."""
        if self._workbook is None:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._workbook.save(self.path)
        self._workbook = None
        return self.path
