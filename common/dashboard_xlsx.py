"""The console's dashboard as an XLSX: one sheet per chart, a header row, then numbers as numbers.

Money is in yuan (exact decimals of the stored fen), shares are fractions shown as percents, so
a clerk can total, chart or paste them into a report. A city's workbook has one row per county
(and program, township or week) on each sheet. Headers and names are translated into the
clerk's language at the call; county, township and region names are the register's.

It lives in common/ rather than next to the queries because its words go through gettext
(common.i18n), which db/ may not import.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from common.i18n import N_, translate
from common.texts import PROGRAM_NAMES
from db.enums import ApplicationStatus
from db.queries.console.dashboard import CHART_STATUSES, Dashboard
from db.xlsx import add_styles, cell, cells

Translate = Callable[[str], str]
PERCENT = "0.0%"

# The chain's statuses as the township chart's legend names them.
STATUS_NAMES = {
    ApplicationStatus.SUBMITTED: N_("Submitted"),
    ApplicationStatus.CHECKING: N_("Being checked"),
    ApplicationStatus.VILLAGE_REVIEW: N_("Village review"),
    ApplicationStatus.RETURNED: N_("Returned for correction"),
    ApplicationStatus.VILLAGE_NOTICE: N_("Village notice"),
    ApplicationStatus.TOWNSHIP_REVIEW: N_("Township review"),
    ApplicationStatus.TOWNSHIP_NOTICE: N_("Township notice"),
    ApplicationStatus.COUNTY_REVIEW: N_("County review"),
    ApplicationStatus.APPROVED: N_("Approved"),
    ApplicationStatus.ROSTER_SENT: N_("Roster sent to finance"),
    ApplicationStatus.PAID: N_("Paid"),
    ApplicationStatus.REJECTED: N_("Rejected"),
    ApplicationStatus.WITHDRAWN: N_("Withdrawn"),
    ApplicationStatus.ON_HOLD: N_("On hold"),
}
SHEETS = {
    "people": N_("People supported"),
    "budget": N_("Budget"),
    "townships": N_("Claims by township"),
    "weeks": N_("Submissions per week"),
    "payment": N_("Paid on time"),
    "satisfaction": N_("Satisfaction"),
}
COUNTY, PROGRAM = N_("County"), N_("Program")


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def _percent(sheet: Any, value: float | None) -> Any:
    """A share as a number shown as a percent (an empty cell when there is nothing to share)."""
    if value is None:
        return None
    written = WriteOnlyCell(sheet, value)
    written.style = "wg_int"
    written.number_format = PERCENT
    return written


class _Writer:
    def __init__(self, language: str) -> None:
        self.t: Translate = lambda message: translate(language, message)
        self.workbook = Workbook(write_only=True)
        add_styles(self.workbook)

    def sheet(self, key: str, headers: Iterable[str], widths: Sequence[float]) -> Any:
        sheet = self.workbook.create_sheet(self.t(SHEETS[key])[:31])
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append(cells(sheet, [self.t(header) for header in headers], "wg_header"))
        return sheet

    def program(self, program: str) -> str:
        return self.t(PROGRAM_NAMES.get(program, program))


def _people(write: _Writer, dashboard: Dashboard) -> None:
    sheet = write.sheet(
        "people",
        (COUNTY, PROGRAM, N_("People supported"), N_("Target"), N_("Share of the target")),
        (12, 28, 14, 10, 14),
    )
    for county in dashboard.counties:
        for line in county.people:
            sheet.append(
                [
                    cell(sheet, county.name, "wg_text"),
                    cell(sheet, write.program(line.program), "wg_text"),
                    cell(sheet, line.supported, "wg_int"),
                    cell(sheet, line.target, "wg_int"),
                    _percent(sheet, line.share),
                ]
            )


def _budget(write: _Writer, dashboard: Dashboard) -> None:
    headers = (COUNTY, PROGRAM, N_("Allocated (yuan)"), N_("Committed (yuan)"),
               N_("Paid (yuan)"), N_("Execution rate (paid / allocated)"))  # fmt: skip
    sheet = write.sheet("budget", headers, (12, 28, 16, 16, 16, 18))
    for county in dashboard.counties:
        for line in county.budget:
            sheet.append(
                [
                    cell(sheet, county.name, "wg_text"),
                    cell(sheet, write.program(line.program), "wg_text"),
                    cell(sheet, _yuan(line.allocated), "wg_money"),
                    cell(sheet, _yuan(line.committed), "wg_money"),
                    cell(sheet, _yuan(line.paid), "wg_money"),
                    _percent(sheet, line.execution_rate),
                ]
            )


def _townships(write: _Writer, dashboard: Dashboard) -> None:
    headers = (COUNTY, N_("Township"), *(STATUS_NAMES[s] for s in CHART_STATUSES), N_("Total"))
    sheet = write.sheet("townships", headers, (12, 14, *([10] * len(CHART_STATUSES)), 10))
    for county in dashboard.counties:
        for township in county.townships:
            counts = [township.counts[status] for status in CHART_STATUSES]
            sheet.append(
                [
                    cell(sheet, county.name, "wg_text"),
                    cell(sheet, township.name, "wg_text"),
                    *cells(sheet, [*counts, township.total], "wg_int"),
                ]
            )


def _weeks(write: _Writer, dashboard: Dashboard) -> None:
    year = dashboard.year
    sheet = write.sheet(
        "weeks", (COUNTY, N_("ISO week"), str(year), str(year - 1)), (12, 10, 10, 10)
    )
    for county in dashboard.counties:
        weeks = county.submissions
        for week, (this, last) in enumerate(zip(weeks.this_year, weeks.last_year, strict=True), 1):
            sheet.append(
                [cell(sheet, county.name, "wg_text"), *cells(sheet, [week, this, last], "wg_int")]
            )


def _payment(write: _Writer, dashboard: Dashboard) -> None:
    headers = (COUNTY, N_("Paid claims with a due date"),
               N_("Paid within 7 working days"), N_("Share paid on time"))  # fmt: skip
    sheet = write.sheet("payment", headers, (12, 18, 18, 14))
    for county in dashboard.counties:
        payment = county.payment
        sheet.append(
            [
                cell(sheet, county.name, "wg_text"),
                *cells(sheet, [payment.paid, payment.on_time], "wg_int"),
                _percent(sheet, payment.share),
            ]
        )


def _satisfaction(write: _Writer, dashboard: Dashboard) -> None:
    headers = (COUNTY, PROGRAM, N_("Satisfied"), N_("Basically satisfied"),
               N_("Not satisfied"), N_("Answers"), N_("Share satisfied or basically satisfied"),
               N_("Target"))  # fmt: skip
    sheet = write.sheet("satisfaction", headers, (12, 28, 10, 12, 10, 10, 16, 10))
    for county in dashboard.counties:
        for line in county.satisfaction:
            counts = [line.satisfied, line.basically_satisfied, line.dissatisfied, line.answers]
            sheet.append(
                [
                    cell(sheet, county.name, "wg_text"),
                    cell(sheet, write.program(line.program), "wg_text"),
                    *cells(sheet, counts, "wg_int"),
                    _percent(sheet, line.share),
                    _percent(sheet, line.target_permille / 1000),
                ]
            )


def dashboard_xlsx(dashboard: Dashboard, language: str = "zh_CN") -> bytes:
    """The dashboard's workbook, its words in ``language``: one sheet per chart."""
    write = _Writer(language)
    for sheet in (_people, _budget, _townships, _weeks, _payment, _satisfaction):
        sheet(write, dashboard)
    out = io.BytesIO()
    write.workbook.save(out)
    return out.getvalue()
