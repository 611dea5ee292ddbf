"""The roster (花名册) as a finance clerk opens and prints it: title, submitting unit and date,
the columns, numbers as numbers, masking, totals, the signature block and the print setup."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook

from common.roster_xlsx import COLUMNS, heading, roster_date, write_roster
from db.enums import Program
from db.models import Application, MonitoringEmployment, Person, RosterBatch
from db.queries.roster import roster_entries
from policy import load_parameters
from tests.finance.county import LI_CARD, LI_ID, ZHANG_CARD, ZHANG_ID
from tests.finance.test_roster import export, send

NUMBERS = ("序号", "年龄", "月数", "月均收入", "金额")


def rows_of(path: Path, sheet: str) -> list[list]:
    workbook = load_workbook(path)
    return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]


def claims(rows: list[list]) -> dict[str, dict]:
    """The claim lines (those with a 序号) by name."""
    return {row[3]: dict(zip(COLUMNS, row, strict=True)) for row in rows if isinstance(row[0], int)}


def test_the_roster_reads_as_a_county_files_it(county, session, tmp_path):
    # Given three approved transport claims in 高平, 李四's work record naming her employer,
    # a reviewer's words to 张三 and a roster note for 李四
    li = session.get(Application, county.li)
    session.add(MonitoringEmployment(person_id=li.person_id, start_month=date(2025, 5, 1),
                                     employer_name="太原某物流公司"))  # fmt: skip
    session.get(Application, county.zhang).review_note = "请补充务工证明"  # said to the applicant
    session.get(Application, county.li).roster_note = "本人在外，由其女代领"
    session.flush()
    # When the roster is exported on 1 December 2025
    path = tmp_path / "roster.xlsx"
    export(session, path)
    rows = rows_of(path, "花名册")
    # Then the title, the submitting unit (高平's office) with the date, and the unit come first
    assert rows[0][0] == "高平市2025年脱贫劳动力外出务工一次性交通补贴花名册"
    assert rows[1][0] == "填报单位：高平市乡村振兴中心（盖章）"
    assert "填报日期：2025年12月1日" in rows[1] and "单位：元" in rows[1]
    # And the column headers are on row 3, the claims below in roster order
    assert tuple(rows[2]) == COLUMNS
    by_name = claims(rows)
    assert list(by_name) == ["张三", "李四", "赵六"]  # not the pending one, nor the other county
    zhang, li, zhao = by_name["张三"], by_name["李四"], by_name["赵六"]
    assert (zhang["性别"], zhang["年龄"], li["性别"], li["年龄"]) == ("男", 34, "女", 57)
    assert zhao["年龄"] == 62  # born 1962-08-15, 62 when the work started in March 2025
    assert zhang["身份证号"] == "1405**********1232" and zhang["银行卡号"] == "6217***********0305"
    assert (zhang["乡镇"], zhang["村"], li["村"]) == ("寺庄镇", "东村", "140581100300")
    assert zhang["户类型"] == "脱贫户" and li["户类型"] == "监测户（边缘易致贫户）"
    assert zhang["务工地点"] == "江苏省" and li["务工地点"] == "山西省太原市小店区"
    assert li["务工单位"] == "太原某物流公司" and zhang["务工单位"] is None
    assert (zhang["起止时间"], zhang["月数"], li["起止时间"]) == ("2025年03月至2025年11月", 9,
                                                                  "2025年05月至今")  # fmt: skip
    assert (zhang["月均收入"], zhang["补贴类型"]) == (4000, "一次性交通补贴")
    assert (zhang["金额"], li["金额"], zhang["开户行"]) == (1500, 600, "高平农商银行")
    assert zhang["核验结果"] == "通过" and "2500" in li["核验结果"]
    assert li["代办人及关系"] == "李小（亲属）" and zhang["代办人及关系"] is None
    # And 备注 shows only what a reviewer put there for finance, never the words to the applicant
    assert (li["备注"], zhang["备注"]) == ("本人在外，由其女代领", None)
    # And the numbers are numbers a clerk can add up, not text
    sheet = load_workbook(path)["花名册"]
    for header in NUMBERS:
        column = COLUMNS.index(header) + 1
        assert sheet.cell(4, column).data_type == "n", header
    # And the total line and the signature block follow the last claim
    assert rows[6][0] == "合计：3人" and rows[6][COLUMNS.index("金额")] == 3600
    assert rows[7] == [None] * len(COLUMNS)
    assert [value for value in rows[8] if value][:3] == [
        "经办人：",
        "审核人：",
        "负责人：",
    ]
    assert rows[8][15].startswith("日期：") and len(rows) == 9


def test_the_roster_prints_on_a4_landscape_one_page_wide_with_its_headers_on_every_page(
    county, session, tmp_path
):
    path = tmp_path / "roster.xlsx"
    export(session, path)
    for name, orientation, titles in (
        ("花名册", "landscape", "$1:$3"),
        ("汇总", "portrait", "$1:$4"),
    ):
        sheet = load_workbook(path)[name]
        setup = sheet.page_setup
        assert (setup.orientation, int(setup.paperSize)) == (orientation, 9)  # 9: A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # one page wide, any height
        assert sheet.print_title_rows == titles
        assert sheet.freeze_panes == f"A{int(titles[-1]) + 1}"
        assert sheet.page_margins.left <= 0.3 and sheet.page_margins.right <= 0.3
        assert "&P" in sheet.oddFooter.center.text
    widths = load_workbook(path)["花名册"].column_dimensions
    by_header = {header: widths[chr(ord("A") + i)].width for i, header in enumerate(COLUMNS)}
    assert by_header["身份证号"] >= 20 and by_header["银行卡号"] >= 20
    assert 8 <= by_header["姓名"] <= 10


def test_the_finance_copy_shows_id_and_card_in_full(county, session, tmp_path):
    path = tmp_path / "finance.xlsx"
    export(session, path, finance_copy=True)
    by_name = claims(rows_of(path, "花名册"))
    assert (by_name["张三"]["身份证号"], by_name["张三"]["银行卡号"]) == (ZHANG_ID, ZHANG_CARD)
    assert (by_name["李四"]["身份证号"], by_name["李四"]["银行卡号"]) == (LI_ID, LI_CARD)


def test_the_summary_sheet_totals_per_township_and_program(county, session, tmp_path):
    path = tmp_path / "roster.xlsx"
    export(session, path)
    rows = rows_of(path, "汇总")
    assert rows[0][0] == "高平市2025年脱贫劳动力外出务工一次性交通补贴汇总表"
    assert rows[1][0] == "填报单位：高平市乡村振兴中心（盖章）"
    assert rows[2][0] == "填报日期：2025年12月1日" and rows[2][3] == "单位：元"
    assert rows[3] == ["乡镇", "补贴类型", "人数", "金额（元）"]
    assert rows[4:7] == [
        ["寺庄镇", "一次性交通补贴", 2, 2100],
        ["马村镇", "一次性交通补贴", 1, 1500],
        ["合计", None, 3, 3600],
    ]
    assert rows[8] == ["经办人：", "审核人：", "负责人：", "日期："]


def test_a_name_that_looks_like_a_formula_stays_text(county, session, tmp_path):
    # Given a name typed as a formula (a spreadsheet would otherwise run it)
    application = session.get(Application, county.zhang)
    session.get(Person, application.person_id).name = '=HYPERLINK("http://x","张三")'
    session.get(Application, county.li).roster_note = "@SUM(1+1)"
    session.flush()
    path = tmp_path / "roster.xlsx"
    export(session, path)
    # Then the cells hold the text as typed, quote-prefixed, and the file has no formula at all
    sheet = load_workbook(path)["花名册"]
    name = sheet.cell(4, COLUMNS.index("姓名") + 1)
    assert (name.value, name.data_type, name.quotePrefix) == ('=HYPERLINK("http://x","张三")', "s",
                                                              True)  # fmt: skip
    assert sheet.cell(5, COLUMNS.index("备注") + 1).value == "@SUM(1+1)"
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_a_copy_of_a_sent_roster_is_dated_the_day_it_was_sent(county, session, tmp_path):
    export(session, tmp_path / "first.xlsx")
    batch = send(session).batch
    batch.sent_at = datetime(2025, 12, 2, 17, 0, tzinfo=UTC)  # 3 December in 高平
    session.flush()
    copy = tmp_path / "copy.xlsx"
    on = roster_date(batch, date(2026, 1, 20))  # printed again in January
    write_roster(batch, roster_entries(session, batch), copy, on=on)
    assert "填报日期：2025年12月3日" in rows_of(copy, "花名册")[1]


def test_a_county_without_an_office_parameter_files_under_its_own_name():
    batch = RosterBatch(county_code="140427", year=2025, program=Program.STABLE_EMPLOYMENT)
    top = heading(batch, date(2025, 12, 1), load_parameters())
    assert (top.unit, top.title("花名册")) == (
        "壶关县",
        "壶关县2025年脱贫劳动力外出务工就业稳岗补助花名册",
    )


def test_a_cadre_delegate_is_named_with_their_phone(county, session, tmp_path):
    """Given 赵六's claim submitted by a village cadre who gave a phone, the 代办人 column
    names the cadre, the relation and the phone: masked on the roster, in full for finance."""
    from db.enums import Capacity, StaffRole
    from db.models import Staff

    cadre = Staff(name="王建军", role=StaffRole.CADRE, region_code="140581200100")
    cadre.phone = "13912345678"
    session.add(cadre)
    session.flush()
    zhao = session.get(Application, county.zhao)
    zhao.capacity, zhao.submitted_by_staff_id = Capacity.VILLAGE_CADRE, cadre.id
    session.flush()
    masked, full = tmp_path / "roster.xlsx", tmp_path / "finance.xlsx"
    export(session, masked)
    export(session, full, finance_copy=True)
    assert (
        claims(rows_of(masked, "花名册"))["赵六"]["代办人及关系"] == "王建军（村干部） 139****5678"
    )
    assert claims(rows_of(full, "花名册"))["赵六"]["代办人及关系"] == "王建军（村干部） 13912345678"
