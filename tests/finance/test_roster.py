"""The roster to finance: marking it sent, payments per person and by the bank's file."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from common.i18n import translate
from common.notify import STATUS_MESSAGES, notify_status_change
from common.roster_xlsx import roster_date, write_roster
from db.enums import ApplicationStatus
from db.models import Application, AuditEvent, Notification, RosterBatch, RosterStatus
from db.queries import Actor
from db.queries.payments import NotPayable, import_bank_results, record_payment
from db.queries.roster import NothingToSend, mark_sent, open_draft, roster_entries
from tests.finance.county import COUNTY, LI_CARD, YEAR, ZHANG_ID, ZHAO_ID

CLERK = Actor.system("test")


ROSTER_DAY = date(2025, 12, 1)


def export(
    session, path: Path, *, finance_copy: bool = False, on: date = ROSTER_DAY
) -> RosterBatch:
    batch = open_draft(session, county_code=COUNTY, year=YEAR, program="transport", actor=CLERK)
    entries = roster_entries(session, batch)
    write_roster(batch, entries, path, on=roster_date(batch, on), finance_copy=finance_copy)
    return batch


def send(session, today: date = date(2025, 9, 29)):
    sent = mark_sent(session, county_code=COUNTY, year=YEAR, program="transport", actor=CLERK,
                     today=today, working_days=7)  # fmt: skip
    for application in sent.moved:
        notify_status_change(session, application)
    return sent


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
