"""Column names of the national monitoring system's exports, and finding the header row.

The columns are described in docs/domain.md §3.1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# The header is searched for among the first rows: real exports have a title and a line about
# the exporting unit before it (the column names are on row 3).
HEADER_SEARCH_ROWS = 20
MIN_KNOWN_COLUMNS = 4


class Table(StrEnum):
    """Which export a file is: the person/household workbook or the work table."""

    PERSONS = "persons"  # （自定义）监测对象信息, （乡村建设）户信息
    WORK = "work"  # （务工月监测）已外出务工信息


# Field -> the names exports use for it, the docs/domain.md §3.1 name first. Names are compared
# after normalise(), so spacing, full-width brackets and a unit in brackets do not matter.
ALIASES: dict[str, tuple[str, ...]] = {
    "county": ("县", "县(市、区)", "县(市区)", "县区", "县名称"),
    "township": ("乡", "乡(镇)", "乡镇", "乡(镇、街道)", "乡镇(街道)"),
    "village": ("村", "村(社区)", "行政村", "村名称"),
    "household_number": ("户编号", "户码", "户编码"),
    "name": ("姓名", "成员姓名"),
    "id_type": ("证件类型",),
    "id_number": ("证件号码", "身份证号", "身份证号码", "证件号", "身份证件号码"),
    "relation": ("与户主关系",),
    "sex": ("性别",),
    "birth_date": ("出生日期",),
    "household_type": ("户类型", "户属性"),
    "monitoring_category": (
        "监测对象类别",
        "监测对象类型",
        "易返贫致贫户(监测对象)类型",
        "防止返贫致贫对象类别",
    ),
    "risk_eliminated": ("风险是否已消除", "风险是否消除"),
    "identified_month": ("识别监测时间", "风险识别时间"),
    "eliminated_month": ("消除监测时间", "风险消除时间"),
    "labour_skill": ("劳动技能",),
    "work_area": ("务工所在地", "务工地点"),
    "phone": ("家庭成员联系电话", "联系电话", "手机号码"),
    "work_county": ("务工所在县", "务工所在县(市、区)"),
    "start": ("开始时间", "务工开始时间"),
    "end": ("结束时间", "务工结束时间"),
    "is_working": ("是否已务工",),
    "channel": ("就业渠道",),
    "employer": ("务工企业名称", "务工单位", "务工单位名称"),
    "industry": ("所属行业",),
    "point_to_point": ("是否点对点输送",),
    "income": ("务工月收入", "月收入"),
    "transport": ("年度交通费补助", "交通费补助"),
}

# What each table cannot do without; a file lacking one of them is refused as a whole.
REQUIRED: dict[Table, tuple[str, ...]] = {
    Table.PERSONS: ("id_number", "name", "household_number", "household_type"),
    Table.WORK: ("id_number", "name", "start"),
}

_BRACKETED_SUFFIX = re.compile(r"\([^()]*\)$")


def normalise(name: object) -> str:
    """A header cell as compared: NFKC (full-width to ASCII), no whitespace, no '*' marks."""
    if name is None:
        return ""
    text = unicodedata.normalize("NFKC", str(name))
    return "".join(text.split()).strip("*")


_LOOKUP: dict[str, str] = {
    normalise(alias): field for field, aliases in ALIASES.items() for alias in aliases
}


def field_of(name: object) -> str | None:
    """The field a header cell names, or None; a unit in brackets (务工月收入(元)) is ignored."""
    text = normalise(name)
    field = _LOOKUP.get(text)
    if field is None and text.endswith(")"):
        field = _LOOKUP.get(_BRACKETED_SUFFIX.sub("", text))
    return field


@dataclass(frozen=True)
class Header:
    """The header row: its 1-based row number, the table it belongs to, field -> column index."""

    row_number: int
    table: Table
    columns: dict[str, int]
    names: dict[str, str]  # field -> the column name as the file spells it

    def has(self, field: str) -> bool:
        return field in self.columns


def read_header(row_number: int, cells: Sequence[object]) -> Header | None:
    """The header if this row is one (enough known names, the required ones of a table)."""
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, cell in enumerate(cells):
        field = field_of(cell)
        if field is not None and field not in columns:
            columns[field] = index
            names[field] = str(cell).strip()
    if len(columns) < MIN_KNOWN_COLUMNS:
        return None
    # The work table also carries 户类型 and names; its start month is what sets it apart.
    table = Table.WORK if "start" in columns else Table.PERSONS
    if any(field not in columns for field in REQUIRED[table]):
        return None
    return Header(row_number, table, columns, names)


def missing_columns_hint(rows_seen: Sequence[Sequence[object]]) -> str:
    """For the one-line error: the required names the best candidate row lacked."""
    best: dict[str, int] = {}
    for cells in rows_seen:
        found = {field_of(cell) for cell in cells} - {None}
        if len(found) > len(best):
            best = {str(field): 0 for field in found}
    table = Table.WORK if "start" in best else Table.PERSONS
    lacking = [ALIASES[field][0] for field in REQUIRED[table] if field not in best]
    return "、".join(lacking) if best else "、".join(ALIASES[f][0] for f in REQUIRED[table])
