"""The error file: one line per problem of a left-out row (行号, 列, 值, 问题), as xlsx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from db.imports.records import Problem
from db.xlsx import cells

HEADERS = ("行号", "列", "值", "问题")
# The file is read by people: past this many lines a clerk fixes the export, not the lines.
MAX_LINES = 100_000


class ErrorFile:
    """Written as problems come (openpyxl write-only), created only when there is one."""

    def __init__(self, path: Path, describe: Callable[[str], str]) -> None:
        self.path = path
        self.describe = describe
        self.lines = 0
        self._workbook: Any = None
        self._sheet: Any = None

    def add(self, problem: Problem) -> None:
        if self._workbook is None:
            from openpyxl import Workbook

            self._workbook = Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet("导入错误")
            self._sheet.append(list(HEADERS))
        if self.lines < MAX_LINES:
            values = [
                problem.row_number,
                problem.column,
                problem.value,
                self.describe(problem.code),
            ]
            self._sheet.append(cells(self._sheet, values))  # a cell "=…" of the file stays text
        self.lines += 1

    def close(self) -> Path | None:
        """Save the file; its path, or None when there was nothing to report."""
        if self._workbook is None:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._workbook.save(self.path)
        self._workbook = None
        return self.path
