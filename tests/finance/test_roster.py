"""The roster to finance: XLSX read back, marking it sent, payments per person and by bank file."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from bot.notify import STATUS_MESSAGES, notify_status_change
from db.enums import ApplicationStatus
from db.models import Application, AuditEvent, Notification, RosterBatch, RosterStatus
from db.queries import Actor
from db.queries.payments import NotPayable, import_bank_results, record_payment
from db.queries.roster import NothingToSend, mark_sent, open_draft, roster_entries
from tests.finance.county import (
    COUNTY,
    LI_CARD,
    LI_ID,
    YEAR,
    ZHANG_CARD,
    ZHANG_ID,
    ZHAO_ID,
)
from wugong.exports import COLUMNS, write_roster
from wugong.i18n import translate

CLERK = Actor.system("test")


def export(session, path: Path, *, finance_copy: bool = False) -> RosterBatch:
    batch = open_draft(session, county_code=COUNTY, year=YEAR, program="transport", actor=CLERK)
    write_roster(roster_entries(session, batch), path, finance_copy=finance_copy)
    return batch


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return [
        list(row) for row in load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True)
    ]


def send(session, today: date = date(2025, 9, 29)):
    sent = mark_sent(session, county_code=COUNTY, year=YEAR, program="transport", actor=CLERK,
                     today=today, working_days=7)  # fmt: skip
    for application in sent.moved:
        notify_status_change(session, application)
    return sent


def test_the_roster_has_the_columns_in_order_and_masks_unless_for_finance(
    county, session, tmp_path
):
    # Given three approved transport claims in 高平, When the roster is exported twice
    masked, full = tmp_path / "roster.xlsx", tmp_path / "finance.xlsx"
    export(session, masked)
    export(session, full, finance_copy=True)
    # Then both have exactly the 花名册 columns, and only the finance copy shows numbers in full
    rows = sheet_rows(masked, "花名册")
    assert tuple(rows[0]) == COLUMNS
    assert rows[0][:5] == ["序号", "乡镇", "村", "姓名", "身份证号"]
    by_name = {row[3]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"张三", "李四", "赵六"}  # not the pending one, nor the other county
    zhang, li = by_name["张三"], by_name["李四"]
    assert zhang["身份证号"] == "1405**********1232"
    assert zhang["银行卡号"] == "6217***********0305"
    assert (zhang["乡镇"], zhang["村"]) == ("寺庄镇", "东村")
    assert li["村"] == "140581100300"  # no name in the region table: the code
    assert zhang["户类型"] == "脱贫户" and li["户类型"] == "监测户（边缘易致贫户）"
    assert zhang["务工地点"] == "江苏省" and li["务工地点"] == "山西省太原市小店区"
    assert (zhang["起止时间"], zhang["月数"]) == ("2025年03月至2025年11月", 9)
    assert li["起止时间"] == "2025年05月至今"
    assert zhang["补贴类型"] == "外出务工一次性交通补贴" or "交通" in zhang["补贴类型"]
    assert (zhang["金额"], li["金额"], zhang["开户行"]) == (1500, 600, "高平农商银行")
    assert zhang["核验结果"] == "通过"
    assert "2500" in li["核验结果"] and "1200" in li["核验结果"]
    assert li["代办人及关系"] == "李小（亲属）" and zhang["代办人及关系"] in ("", None)
    assert [row[0] for row in rows[1:]] == [1, 2, 3]
    finance = {row[3]: row for row in sheet_rows(full, "花名册")[1:]}
    assert finance["张三"][4] == ZHANG_ID and finance["张三"][14] == ZHANG_CARD
    assert finance["李四"][4] == LI_ID and finance["李四"][14] == LI_CARD


def test_the_summary_sheet_totals_per_township_and_program(county, session, tmp_path):
    path = tmp_path / "roster.xlsx"
    export(session, path)
    rows = sheet_rows(path, "汇总")
    assert rows[0] == ["乡镇", "补贴类型", "人数", "金额（元）"]
    totals = {(row[0], row[2], row[3]) for row in rows[1:]}
    assert ("寺庄镇", 2, 2100) in totals
    assert ("马村镇", 1, 1500) in totals
    assert ("合计", 3, 3600) in totals


def test_marking_sent_moves_the_claims_sets_the_due_date_and_tells_each_in_their_language(
    county, session, tmp_path
):
    with pytest.raises(NothingToSend):
        send(session)  # nothing exported yet
    batch = export(session, tmp_path / "roster.xlsx")
    # When the roster exported on Monday 2025-09-29 is marked sent (国庆 follows)
    sent = send(session)
    # Then payment is due 7 working days later on the Chinese calendar
    assert sent.batch.id == batch.id and sent.batch.status == RosterStatus.SENT
    assert sent.batch.due_date == date(2025, 10, 15)
    statuses = {a.id: a.status for a in session.scalars(sa.select(Application))}
    for claim in (county.zhang, county.li, county.zhao):
        assert statuses[claim] == ApplicationStatus.ROSTER_SENT
    assert statuses[county.pending] == ApplicationStatus.COUNTY_REVIEW
    assert statuses[county.zhang_stable] == ApplicationStatus.APPROVED
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.application_id == county.li)
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (ApplicationStatus.APPROVED, ApplicationStatus.ROSTER_SENT)
    ]
    notes = {n.chat_identity_id: n.text for n in session.scalars(sa.select(Notification))}
    message = STATUS_MESSAGES[ApplicationStatus.ROSTER_SENT]
    # The date told is the one of the roster actually sent, not a promise made before.
    due = {"date": sent.batch.due_date.isoformat(), "days": 7}
    assert notes[county.li_chat].endswith(translate("en", message, **due))  # 李四: English
    assert "2025-10-15" in notes[county.li_chat]
    assert "transport subsidy" in notes[county.li_chat]
    assert notes[county.zhang_chat].endswith(translate("zh_CN", message, **due))
    assert "交通补贴" in notes[county.zhang_chat]
    assert county.relative_chat in notes  # the delegate is told too
    # And a second send finds nothing left to send
    with pytest.raises(NothingToSend):
        send(session)


def test_recording_one_payment_and_the_batch_becomes_paid_with_the_last(county, session, tmp_path):
    export(session, tmp_path / "roster.xlsx")
    sent = send(session)
    first, *rest = sent.moved
    record_payment(session, first, CLERK, payment_ref="B-1")
    assert first.status == ApplicationStatus.PAID and first.paid_at is not None
    assert sent.batch.status == RosterStatus.SENT
    with pytest.raises(NotPayable):
        record_payment(session, first, CLERK, payment_ref="B-1")
    for application in rest:
        record_payment(session, application, CLERK, payment_ref="B-2")
    assert sent.batch.status == RosterStatus.PAID


def write_bank_file(path: Path, rows: list[list]) -> Path:
    header = ["序号", "姓名", "身份证号", "银行卡号", "金额", "状态", "交易流水号"]
    if path.suffix == ".csv":
        with path.open("w", encoding="gb18030", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["高平农商银行代发结果"])
            writer.writerows([header, *rows])
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["高平农商银行代发结果"])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_bank_file_pays_matches_and_lists_a_mismatch_and_a_failure(
    county, session, tmp_path, suffix
):
    export(session, tmp_path / "roster.xlsx")
    send(session)
    # Given the bank's file: 张三 paid by ID, 李四 by card only but 500 instead of 600,
    # 赵六's transfer failed, and a stranger
    path = write_bank_file(tmp_path / f"result{suffix}", [
        [1, "张三", ZHANG_ID, "", "1500.00", "成功", "TX001"],
        [2, "李四", "", LI_CARD, "500", "成功", "TX002"],
        [3, "赵六", ZHAO_ID, "", "1500", "失败：户名不符", "TX003"],
        [4, "某人", "110101199003070011", "", "100", "成功", "TX004"],
    ])  # fmt: skip
    result = import_bank_results(session, path, county_code=COUNTY, actor=CLERK)
    # Then only 张三 is paid, with the bank's reference; the rest are listed and unchanged
    assert [a.id for a in result.paid] == [county.zhang]
    zhang = session.get(Application, county.zhang)
    assert (zhang.status, zhang.payment_ref) == (ApplicationStatus.PAID, "TX001")
    problems = {p.row.line: p for p in result.problems}
    assert problems[4].code == "amount_mismatch"
    assert problems[4].values == {"file": "500.00", "roster": "600.00"}
    assert problems[4].row.who == "6228***********4567"
    assert problems[5].code == "failed" and problems[6].code == "not_found"
    for claim in (county.li, county.zhao):
        assert session.get(Application, claim).status == ApplicationStatus.ROSTER_SENT
    # When the same file is imported again, Then nobody is paid twice
    again = import_bank_results(session, path, county_code=COUNTY, actor=CLERK)
    assert again.paid == [] and [a.id for a in again.already_paid] == [county.zhang]
