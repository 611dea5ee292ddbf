"""What an import says about a row it left out, or imported less precisely than it reads.

Every import (monitoring exports, budget allocations, the division register) reports bad rows
as ``Problem``s, which the error file (``errorfile``) lists with the reason in words; a
monitoring row whose place names the register lacks is imported at a coarser region with a
``PlaceWarning``, listed on the error file's second sheet.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Why a row was left out: the row number, the column as the file names it, the value."""

    row_number: int
    column: str
    value: str
    code: str


@dataclass(frozen=True)
class PlaceWarning:
    """A row imported at a less precise region than its place names: the row, the column and
    name not found in the register, why (a problem code), where it went, the closest names."""

    row_number: int
    column: str
    value: str
    code: str
    imported_at: str
    suggestions: tuple[str, ...]
