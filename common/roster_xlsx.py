"""The roster (花名册) as a county files it with the finance bureau: an XLSX of two sheets, the
claims (花名册) and the totals per township and program (汇总), each with its title, submitting
unit and date, a signature block, and a print setup for A4 landscape.

Written row by row (openpyxl write-only): widths, print titles, merged title cells and frozen
panes all work on a streamed sheet, so 10,000 claims never sit in memory as cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook

from common.findings import finding_text
from common.i18n import translate
from common.texts import PROGRAM_NAMES
from db.enums import Capacity, Severity, Sex
from db.models import RosterBatch
from db.pii import mask_account, mask_id, mask_phone
from db.queries.notices import local_date
from db.queries.persons import sex_and_birth
from db.queries.roster import RosterEntry
from db.xlsx import add_styles, cell, cells, fit_height, merge, page_a4
from policy import Month, Parameters, age_on, load_parameters, months_in_year, place_name
from policy.divisions import divisions
from policy.errors import PolicyError

# The roster is an official document in Chinese, whatever language the clerk chats in.
ROSTER_LANGUAGE = "zh_CN"
# (header, width in characters, named style of its cells)
LAYOUT = (
    ("序号", 5, "wg_int"), ("乡镇", 8, "wg_text"), ("村", 8, "wg_text"),
    ("姓名", 8, "wg_text"), ("性别", 4.5, "wg_text"), ("年龄", 4.5, "wg_int"),
    ("身份证号", 20.5, "wg_text"), ("户类型", 10, "wg_text"), ("务工地点", 12, "wg_text"),
    ("务工单位", 14, "wg_text"), ("起止时间", 11, "wg_text"), ("月数", 4.5, "wg_int"),
    ("月均收入", 8, "wg_wage"), ("补贴类型", 12, "wg_text"), ("金额", 10, "wg_money"),
    ("开户行", 12, "wg_text"), ("银行卡号", 21.5, "wg_text"), ("代办人及关系", 10, "wg_text"),
    ("核验结果", 16, "wg_text_left"), ("备注", 12, "wg_text_left"),
)  # fmt: skip
COLUMNS = tuple(header for header, _, _ in LAYOUT)
SUMMARY_LAYOUT = (("乡镇", 16, "wg_text"), ("补贴类型", 26, "wg_text"),
                  ("人数", 10, "wg_int"), ("金额（元）", 16, "wg_money"))  # fmt: skip
# The programs as budget documents name them (高平市 2026年度单位预算), for the titles.
TITLES = {
    "transport": "脱贫劳动力外出务工一次性交通补贴",
    "stable_employment": "脱贫劳动力外出务工就业稳岗补助",
    "workshop_employment": "帮扶车间务工就业稳岗补助",
}
HOUSEHOLD_TYPES = {"poverty_alleviated": "脱贫户", "monitored": "监测户", "none": "一般户"}
CAPACITIES = {
    Capacity.RELATIVE: "亲属",
    Capacity.VILLAGE_CADRE: "村干部",
    Capacity.RESIDENT_CADRE: "驻村帮扶干部",
    Capacity.LABOUR_AGENCY: "劳务机构",
}
SEXES = {Sex.MALE: "男", Sex.FEMALE: "女"}
PASSED = "通过"
SIGNATURES = ("经办人：", "审核人：", "负责人：", "日期：")
FOOTER = "第 &P 页，共 &N 页"


def _zh(message: str, **values: Any) -> str:
    return translate(ROSTER_LANGUAGE, message, **values)


def _yuan(fen: int | None) -> Decimal:
    """Fen as yuan, exactly (openpyxl writes a Decimal as the number it is)."""
    return Decimal(fen or 0) / 100


def _number(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def _place(code: Any) -> str:
    if not code:
        return ""
    try:
        return place_name(str(code))
    except PolicyError:
        return str(code)


def _work(entry: RosterEntry) -> tuple[Month | None, str, int | None]:
    """The first month of work, the period as 2025年03月至2025年11月, and the months in the year."""
    facts = entry.application.facts
    try:
        start = Month.parse(str(facts["work_from"]))
        end = Month.parse(str(facts["work_to"])) if facts.get("work_to") else None
    except (KeyError, PolicyError):
        return None, "", None
    submitted = entry.application.submitted_at
    last = end or min(Month(entry.application.year, 12), Month.of(submitted or date.today()))
    text = f"{start.year}年{start.month:02d}月至" + (
        f"{end.year}年{end.month:02d}月" if end else "今"
    )
    return start, text, months_in_year(start, last, entry.application.year)


def check_result(entry: RosterEntry) -> str:
    """通过, or the warnings and errors of the cross-check in words."""
    serious = [f for f in entry.findings if f.severity in (Severity.WARNING, Severity.ERROR)]
    if not serious:
        return PASSED
    return "；".join(finding_text(_zh, f.code, f.registry_values) for f in serious)


def roster_row(number: int, entry: RosterEntry, *, finance_copy: bool) -> list[Any]:
    """One line of the sheet as values; ID and card in full only in the finance bureau's copy.

    The age is the person's on the first day of the work (the day the policy's minimum age is
    checked on), so the same claim shows the same age whenever the roster is printed.
    """
    application, person = entry.application, entry.person
    facts = application.facts
    household = HOUSEHOLD_TYPES.get(str(facts.get("household_type")), "")
    category = person.household.monitoring_category if person.household else None
    if household == "监测户" and category:
        household = f"{household}（{category}）"
    account = application.bank_account_snapshot
    start, period, months = _work(entry)
    sex, born = sex_and_birth(person)
    first_day = start.first_day() if start else date(application.year, 1, 1)
    delegate = ""
    if application.capacity != Capacity.SELF:
        delegate = f"{entry.delegate_name or ''}（{CAPACITIES.get(application.capacity, '')}）"
        if entry.delegate_phone:
            phone = entry.delegate_phone
            delegate += f" {phone if finance_copy else mask_phone(phone)}"
    return [
        number,
        entry.township_name,
        entry.village_name,
        person.name,
        SEXES.get(sex, "") if sex else "",
        age_on(born, first_day) if born else None,
        person.id_number if finance_copy else mask_id(person.id_number),
        household,
        _place(facts.get("work_place")),
        entry.employer or "",
        period,
        months,
        _number(facts.get("monthly_wage")),
        _zh(PROGRAM_NAMES[application.program.value]),
        _yuan(application.amount_fen),
        application.bank_name or "",
        "" if not account else account if finance_copy else mask_account(account),
        delegate,
        check_result(entry),
        application.roster_note or "",
    ]


@dataclass(frozen=True)
class SummaryLine:
    township: str
    program: str
    persons: int
    amount_fen: int


def summary(entries: Sequence[RosterEntry]) -> list[SummaryLine]:
    """Totals per township and program, in roster order."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for entry in entries:
        key = (entry.township_name, _zh(PROGRAM_NAMES[entry.application.program.value]))
        totals[key][0] += 1
        totals[key][1] += entry.application.amount_fen or 0
    return [SummaryLine(t, p, n, fen) for (t, p), (n, fen) in totals.items()]


@dataclass(frozen=True)
class Heading:
    """What the top of both sheets says: whose roster, of which program and year, filed when."""

    county_name: str
    unit: str
    year: int
    program: str
    on: date

    def title(self, kind: str) -> str:
        """高平市2025年脱贫劳动力外出务工一次性交通补贴花名册 (kind 花名册 or 汇总表)."""
        return f"{self.county_name}{self.year}年{TITLES[self.program]}{kind}"


def county_name(code: str) -> str:
    """The county's own name (高平市), without its province and city."""
    division = divisions().get(code)
    return code if division is None else division.name


def heading(batch: RosterBatch, on: date, parameters: Parameters | None = None) -> Heading:
    """The heading of a batch's roster; the submitting unit is the county's office
    (process.county_office) when its parameters name one, else the county."""
    office = (parameters or load_parameters()).get("process.county_office", on, batch.county_code)
    name = county_name(batch.county_code)
    return Heading(name, office or name, batch.year, batch.program.value, on)


def roster_date(batch: RosterBatch, today: date) -> date:
    """The date a roster is filed on: the day it was sent to finance, for a copy of a sent
    batch (so it matches the paper finance holds), else ``today``."""
    return local_date(batch.sent_at) if batch.sent_at is not None else today


def _captions(top: Heading, width: int) -> list[list[tuple[int, int, str, str]]]:
    """The lines under the title as (first column, last column, text, style): 填报单位, 填报日期
    and 单位：元 on one line of a wide sheet, on two lines of a narrow one."""
    unit = f"填报单位：{top.unit}（盖章）"
    filed = f"填报日期：{top.on.year}年{top.on.month}月{top.on.day}日"
    if width < 8:
        return [
            [(1, width, unit, "wg_caption")],
            [(1, width - 1, filed, "wg_caption"), (width, width, "单位：元", "wg_caption_right")],
        ]
    third = width // 3
    return [
        [
            (1, third, unit, "wg_caption"),
            (third + 1, width - 2, filed, "wg_caption"),
            (width - 1, width, "单位：元", "wg_caption_right"),
        ]
    ]


def _line(sheet: Any, row: int, width: int, parts: Sequence[tuple[int, int, str, str]]) -> None:
    values: list[Any] = [""] * width
    for first, last, text, style in parts:
        values[first - 1] = cell(sheet, text, style)
        if last > first:
            merge(sheet, row, first, last)
    sheet.append(values)


def _top(sheet: Any, top: Heading, kind: str, layout: Sequence[tuple[str, float, str]]) -> int:
    """The title, the captions and the column headers, with the print setup; the header row."""
    width = len(layout)
    captions = _captions(top, width)
    header_row = 2 + len(captions)
    page_a4(sheet, [w for _, w, _ in layout], landscape=width >= 8, footer=FOOTER,
            title_rows=f"1:{header_row}", freeze=f"A{header_row + 1}")  # fmt: skip
    sheet.row_dimensions[1].height = 32
    _line(sheet, 1, width, [(1, width, top.title(kind), "wg_title")])
    for row, parts in enumerate(captions, start=2):
        sheet.row_dimensions[row].height = 20
        _line(sheet, row, width, parts)
    sheet.append(cells(sheet, [header for header, _, _ in layout], "wg_header"))
    return header_row


def _total(sheet: Any, row: int, layout: Sequence[tuple[str, float, str]], label: str,
           amount_fen: int, persons: int | None = None) -> None:  # fmt: skip
    """The 合计 line under the table: the label, the persons (in 人数 when the table has it)
    and the amount in 金额, as numbers."""
    headers = [header for header, _, _ in layout]
    money = next(i for i, h in enumerate(headers) if h.startswith("金额"))
    count = headers.index("人数") if "人数" in headers else None
    values = cells(sheet, [""] * len(headers), "wg_total")
    values[0] = cell(sheet, label, "wg_total")
    merge(sheet, row, 1, count if count is not None else money)
    if count is not None:
        values[count] = cell(sheet, persons, "wg_total")
    values[money] = cell(sheet, _yuan(amount_fen), "wg_total_money")
    sheet.append(values)


def _bottom(sheet: Any, row: int, width: int) -> None:
    """A blank line, then 经办人 / 审核人 / 负责人 / 日期 spread over the width of the table."""
    sheet.append([])
    span = max(width // len(SIGNATURES), 1)
    parts = []
    for index, words in enumerate(SIGNATURES):
        first = min(index * span + 1, width)
        last = width if index == len(SIGNATURES) - 1 else first + span - 1
        parts.append((first, last, words, "wg_signature"))
    sheet.row_dimensions[row + 1].height = 30
    _line(sheet, row + 1, width, parts)


def write_roster(
    batch: RosterBatch,
    entries: Sequence[RosterEntry],
    out: Path | IO[bytes],
    *,
    on: date,
    finance_copy: bool = False,
    parameters: Parameters | None = None,
) -> None:
    """Write the 花名册 sheet and the 汇总 sheet (totals per township and program), filed ``on``."""
    top = heading(batch, on, parameters)
    workbook = Workbook(write_only=True)
    add_styles(workbook)
    sheet = workbook.create_sheet("花名册")
    row = _top(sheet, top, "花名册", LAYOUT)
    styles = [style for _, _, style in LAYOUT]
    widths = [width for _, width, _ in LAYOUT]
    for number, entry in enumerate(entries, start=1):
        values = roster_row(number, entry, finance_copy=finance_copy)
        fit_height(sheet, row + number, values, widths)
        sheet.append([cell(sheet, v, s) for v, s in zip(values, styles, strict=True)])
    row += len(entries) + 1
    total = sum(entry.application.amount_fen or 0 for entry in entries)
    _total(sheet, row, LAYOUT, f"合计：{len(entries)}人", total)
    _bottom(sheet, row + 1, len(LAYOUT))

    totals = workbook.create_sheet("汇总")
    row = _top(totals, top, "汇总表", SUMMARY_LAYOUT)
    lines = summary(entries)
    for line in lines:
        values = [line.township, line.program, line.persons, _yuan(line.amount_fen)]
        totals.append(
            [cell(totals, v, s) for v, (_, _, s) in zip(values, SUMMARY_LAYOUT, strict=True)]
        )
    row += len(lines) + 1
    persons = sum(line.persons for line in lines)
    _total(totals, row, SUMMARY_LAYOUT, "合计", sum(x.amount_fen for x in lines), persons)
    _bottom(totals, row + 1, len(SUMMARY_LAYOUT))
    workbook.save(out)
