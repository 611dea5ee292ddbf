"""Writing XLSX the way every wugong workbook needs it (error files, notices, rosters): streamed
cells whose text never turns into a formula, a few named styles, and an A4 page that prints."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

# Text a spreadsheet could read as a formula when it is typed or pasted again (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@")
FONT = "宋体"  # SimSun: what a Chinese office prints with; other systems substitute a CJK serif
THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MIDDLE = {"vertical": "center", "wrap_text": True}
LINE_HEIGHT = 13.5  # points per line of 10-point text


def _style(name: str, *, size: float = 10, bold: bool = False, grid: bool = False,
           horizontal: str = "center", number_format: str = "General") -> NamedStyle:  # fmt: skip
    return NamedStyle(
        name=name,
        font=Font(name=FONT, size=size, bold=bold),
        alignment=Alignment(horizontal=horizontal, **MIDDLE),
        border=GRID if grid else Border(),
        number_format=number_format,
    )


STYLES = (
    _style("wg_title", size=16, bold=True),
    _style("wg_caption", size=11, horizontal="left"),
    _style("wg_caption_right", size=11, horizontal="right"),
    _style("wg_header", bold=True, grid=True),
    _style("wg_text", grid=True),
    _style("wg_text_left", grid=True, horizontal="left"),
    _style("wg_int", grid=True, number_format="0"),
    _style("wg_wage", grid=True, horizontal="right", number_format="#,##0"),
    _style("wg_money", grid=True, horizontal="right", number_format="#,##0.00"),
    _style("wg_total", bold=True, grid=True),
    _style("wg_total_money", bold=True, grid=True, horizontal="right", number_format="#,##0.00"),
    _style("wg_signature", size=11, horizontal="left"),
)


def add_styles(workbook: Workbook) -> None:
    """Register the named styles (wg_title, wg_text, wg_money, …) that ``cell`` refers to."""
    for style in STYLES:
        workbook.add_named_style(style)


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def cell(sheet: Any, value: Any, style: str | None = None) -> Any:
    """A cell for ``sheet.append``: with the named style, and text like "=1+1" or "@name" kept
    as text, quote-prefixed as Excel marks text typed with a leading apostrophe (shown as typed,
    never evaluated)."""
    if style is None and not is_formula_like(value):
        return value
    written = WriteOnlyCell(sheet, value)
    if style is not None:
        written.style = style  # first: a named style replaces the cell's whole format
    if is_formula_like(value):
        written.data_type = "s"
        written.quotePrefix = True
    return written


def cells(sheet: Any, values: Iterable[Any], style: str | None = None) -> list[Any]:
    """``cell`` for each value, all in one style."""
    return [cell(sheet, value, style) for value in values]


def page_a4(
    sheet: Any,
    widths: Sequence[float],
    *,
    landscape: bool,
    footer: str,
    title_rows: str | None = None,
    freeze: str | None = None,
) -> None:
    """Column widths and the print setup, before the first row is written: A4, one page wide
    (as many pages high as needed), narrow margins, centred, ``footer`` (&P page, &N pages)
    under every page, ``title_rows`` ("1:3") repeated on every page, panes frozen at ``freeze``.
    """
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_margins = PageMargins(left=0.3, right=0.3, top=0.5, bottom=0.5, header=0.2,
                                     footer=0.25)  # fmt: skip
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = footer
    sheet.oddFooter.center.size = 9
    if title_rows is not None:
        sheet.print_title_rows = title_rows
    if freeze is not None:
        sheet.freeze_panes = freeze


def text_width(text: str) -> int:
    """Columns of width ``text`` takes: a Chinese character as wide as two digits."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def fit_height(sheet: Any, row: int, values: Sequence[Any], widths: Sequence[float]) -> None:
    """Give ``row`` (not yet written) the height its wrapped text needs. Spreadsheets do not
    measure rows of a file they open, so without it long text would overlap the next line."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and value:
            usable = max(int(width) - 1, 1)
            needed = sum(math.ceil(text_width(part) / usable) or 1 for part in value.split("\n"))
            lines = max(lines, needed)
    if lines > 1:
        sheet.row_dimensions[row].height = LINE_HEIGHT * lines + 2


def merge(sheet: Any, row: int, first: int, last: int) -> None:
    """Merge columns ``first``..``last`` (1-based) of ``row``; write-only sheets accept it any
    time before they are saved."""
    sheet.merged_cells.add(f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}")
