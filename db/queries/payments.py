"""Payments: recording one claim paid, and matching the bank's result file to the rosters sent."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.crypto import blind_index
from db.enums import ApplicationStatus, Program
from db.errors import DbError, InvalidValueError
from db.models import Application, Person, RosterBatch, RosterStatus
from db.pii import mask_account, mask_id, normalize_account
from db.queries.audit import Actor, change_status, record_audit
from db.types import utcnow


class PaymentError(DbError):
    """Base class of the payment errors."""


class NotPayable(PaymentError):
    """Raised when a claim is recorded as paid while it is not waiting for payment (its roster
    was not sent to finance, or it is paid already)."""


class UnreadableBankFile(PaymentError):
    """Raised when the bank's result file is not csv/xlsx, or no row of its first 20 holds the
    columns 身份证号 or 银行卡号, 金额 and 状态/结果."""


def record_payment(
    session: Session,
    application: Application,
    actor: Actor,
    *,
    payment_ref: str,
    paid_at: datetime | None = None,
) -> Application:
    """Mark a claim of a roster sent to finance as paid; its batch is paid once all its are."""
    if application.status != ApplicationStatus.ROSTER_SENT:
        raise NotPayable(f"application {application.id} is {application.status.value}")
    application.paid_at = paid_at or utcnow()
    application.payment_ref = payment_ref[:64]
    change_status(
        session,
        application,
        ApplicationStatus.PAID,
        actor,
        reason="paid by finance",
        data={"payment_ref": application.payment_ref, "batch": application.roster_batch_id},
    )
    if application.roster_batch_id is not None:
        settle_batch(session, application.roster_batch_id, actor)
    return application


def settle_batch(session: Session, batch_id: int, actor: Actor) -> bool:
    """Mark a sent batch paid when none of its claims is still waiting; True when it is paid."""
    batch = session.get(RosterBatch, batch_id, with_for_update=True)
    if batch is None or batch.status != RosterStatus.SENT:
        return batch is not None and batch.status == RosterStatus.PAID
    session.flush()
    waiting = session.scalar(
        sa.select(sa.func.count())
        .select_from(Application)
        .where(
            Application.roster_batch_id == batch_id,
            Application.status != ApplicationStatus.PAID,
        )
    )
    if waiting:
        return False
    batch.status = RosterStatus.PAID
    record_audit(session, actor, "roster_paid", data={"batch": batch.id})
    return True


# -- the bank's result file ----------------------------------------------------------------

COLUMNS = {
    "id": ("身份证号", "身份证号码", "证件号码", "身份证"),
    "account": ("银行卡号", "卡号", "账号", "银行账号", "收款账号"),
    "amount": ("金额", "金额(元)", "发放金额", "实发金额", "交易金额", "转账金额"),
    "status": ("状态", "结果", "处理结果", "交易状态", "发放状态", "转账结果"),
    "ref": ("流水号", "交易流水号", "参考号", "凭证号", "业务编号"),
}
# A failure word wins over a success word: 不成功 contains 成功.
FAILED_WORDS = (
    "失败",
    "不成功",
    "未成功",
    "退回",
    "退票",
    "不符",
    "冻结",
    "销户",
    "fail",
    "reject",
)
SUCCEEDED_WORDS = ("成功", "已到账", "到账", "已发放", "已支付", "正常", "success", "ok", "paid")
HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True)
class BankRow:
    """One transfer of the bank's file; ``line`` is the row number the clerk sees."""

    line: int
    id_number: str | None
    account: str | None
    amount_fen: int | None
    status: str
    ref: str | None

    @property
    def who(self) -> str:
        """The person of the row, masked, for listing the row."""
        try:
            if self.id_number:
                return mask_id(self.id_number)
            return mask_account(self.account or "")
        except InvalidValueError:
            return "?"


@dataclass(frozen=True)
class Problem:
    """A row that was not recorded as paid: ``code`` says why, ``values`` give the numbers."""

    row: BankRow
    # failed | unknown_status | not_found | account_mismatch | amount_mismatch | unreadable
    code: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class BankResult:
    paid: list[Application] = field(default_factory=list)
    already_paid: list[Application] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _header(value: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split())


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()


def _raw_rows(path: Path) -> Iterator[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")  # banks' own exports are often GBK
        yield from csv.reader(text.splitlines())
    elif suffix in (".xlsx", ".xls", ".xlsm"):
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        yield from workbook.get_sheet_by_index(0).iter_rows()
    else:
        raise UnreadableBankFile(f"{path.name}: expected a .csv or .xlsx file")


def read_bank_file(path: Path) -> Iterator[BankRow]:
    """The transfers of a bank result file (csv in UTF-8 or GBK, or xlsx), header found itself."""
    columns: dict[str, int] | None = None
    for number, values in enumerate(_raw_rows(path), start=1):
        if columns is None:
            names = [_header(value) for value in values]
            found = {
                key: names.index(name)
                for key, candidates in COLUMNS.items()
                for name in candidates
                if name in names
            }
            if "amount" in found and "status" in found and ({"id", "account"} & found.keys()):
                columns = found
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        cells = [_cell(value) for value in values]
        if not any(cells):
            continue

        def get(
            key: str, cells: list[str] = cells, columns: dict[str, int] = columns
        ) -> str | None:
            index = columns.get(key)
            return cells[index] or None if index is not None and index < len(cells) else None

        try:
            amount = Decimal((get("amount") or "").replace(",", "").replace("元", ""))
            amount_fen: int | None = int((amount * 100).to_integral_value())
        except InvalidOperation:
            amount_fen = None
        yield BankRow(
            number, get("id"), get("account"), amount_fen, get("status") or "", get("ref")
        )
    if columns is None:
        raise UnreadableBankFile(
            f"{path.name}: no header row with 身份证号 or 银行卡号, 金额 and 状态 (or 结果)"
        )


def _succeeded(status: str) -> bool | None:
    lowered = status.lower()
    if any(word in lowered for word in FAILED_WORDS):
        return False
    if any(word in lowered for word in SUCCEEDED_WORDS):
        return True
    return None


def _candidates(
    session: Session, row: BankRow, county_code: str, program: Program | None, year: int | None
) -> list[Application]:
    try:
        if row.id_number:
            person_match = Person.id_index == blind_index("id", row.id_number)
        else:
            person_match = Person.account_index == blind_index("account", row.account or "")
    except InvalidValueError:
        return []
    statement = (
        sa.select(Application)
        .join(Person, Person.id == Application.person_id)
        .where(
            person_match,
            Application.region_code.startswith(county_code, autoescape=True),
            Application.status.in_((ApplicationStatus.ROSTER_SENT, ApplicationStatus.PAID)),
        )
        .order_by(Application.id)
        .with_for_update(of=Application)
    )
    if program is not None:
        statement = statement.where(Application.program == program)
    if year is not None:
        statement = statement.where(Application.year == year)
    return list(session.scalars(statement))


def _paid_into(application: Application, account: str | None) -> bool:
    # The roster carried the account copied at submission: that is where the money went.
    if not account or application.bank_account_snapshot is None:
        return True
    try:
        return normalize_account(application.bank_account_snapshot) == normalize_account(account)
    except InvalidValueError:
        return False


def import_bank_results(
    session: Session,
    path: Path,
    *,
    county_code: str,
    actor: Actor,
    program: Program | str | None = None,
    year: int | None = None,
) -> BankResult:
    """Record as paid every successful transfer of the file that matches a claim sent to finance
    (by the blind index of the ID number or bank account, and the exact amount).

    Failed transfers, amounts that differ from the roster and rows matching no claim are listed
    in ``problems`` and change nothing; importing the same file again pays nobody twice.
    """
    chosen_program = Program(program) if program is not None else None
    result = BankResult()
    for row in read_bank_file(path):
        if row.amount_fen is None or not (row.id_number or row.account):
            result.problems.append(Problem(row, "unreadable"))
            continue
        succeeded = _succeeded(row.status)
        if succeeded is not True:
            code = "failed" if succeeded is False else "unknown_status"
            result.problems.append(Problem(row, code, {"status": row.status}))
            continue
        candidates = _candidates(session, row, county_code, chosen_program, year)
        if not candidates:
            result.problems.append(Problem(row, "not_found"))
            continue
        candidates = [a for a in candidates if _paid_into(a, row.account)]
        if not candidates:
            result.problems.append(Problem(row, "account_mismatch"))
            continue
        exact = [a for a in candidates if a.amount_fen == row.amount_fen]
        if not exact:
            expected = ", ".join(f"{(a.amount_fen or 0) / 100:.2f}" for a in candidates)
            values = {"file": f"{row.amount_fen / 100:.2f}", "roster": expected}
            result.problems.append(Problem(row, "amount_mismatch", values))
            continue
        waiting = [a for a in exact if a.status == ApplicationStatus.ROSTER_SENT]
        if not waiting:
            result.already_paid.append(exact[0])
            continue
        ref = row.ref or f"{path.name}#{row.line}"
        result.paid.append(record_payment(session, waiting[0], actor, payment_ref=ref))
    record_audit(
        session,
        actor,
        "bank_results_imported",
        data={
            "file": path.name,
            "county": county_code,
            "paid": len(result.paid),
            "already_paid": len(result.already_paid),
            "problems": len(result.problems),
        },
    )
    return result
