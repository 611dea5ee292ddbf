"""The roster (花名册) as XLSX with its summary sheet, and one-time download links for it."""

from __future__ import annotations

import hashlib
import io
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.orm import Session

from bot.findings import finding_text
from bot.texts import PROGRAM_NAMES
from db.engine import lock_for_writing
from db.enums import ActorKind, Capacity, Severity
from db.models import AuditEvent, RosterBatch
from db.pii import mask_account, mask_id
from db.queries.audit import Actor, record_audit
from db.queries.roster import RosterEntry, find_batch, roster_entries
from policy import Month, months_in_year, place_name
from policy.errors import PolicyError
from wugong.i18n import translate
from wugong.settings import get_settings

# The roster is an official document in Chinese, whatever language the clerk chats in.
ROSTER_LANGUAGE = "zh_CN"
COLUMNS = (
    "序号", "乡镇", "村", "姓名", "身份证号", "户类型", "务工地点", "务工单位", "起止时间", "月数",
    "月均收入", "补贴类型", "金额", "开户行", "银行卡号", "代办人及关系", "核验结果", "备注",
)  # fmt: skip
SUMMARY_COLUMNS = ("乡镇", "补贴类型", "人数", "金额（元）")
HOUSEHOLD_TYPES = {"poverty_alleviated": "脱贫户", "monitored": "监测户", "none": "一般户"}
CAPACITIES = {
    Capacity.RELATIVE: "亲属",
    Capacity.VILLAGE_CADRE: "村干部",
    Capacity.RESIDENT_CADRE: "驻村帮扶干部",
    Capacity.LABOUR_AGENCY: "劳务机构",
}
PASSED = "通过"


def _zh(message: str, **values: Any) -> str:
    return translate(ROSTER_LANGUAGE, message, **values)


def _yuan(fen: int | None) -> float:
    return round((fen or 0) / 100, 2)


def _place(code: Any) -> str:
    if not code:
        return ""
    try:
        return place_name(str(code))
    except PolicyError:
        return str(code)


def _period(entry: RosterEntry) -> tuple[str, int | str]:
    facts = entry.application.facts
    try:
        start = Month.parse(str(facts["work_from"]))
        end = Month.parse(str(facts["work_to"])) if facts.get("work_to") else None
    except (KeyError, PolicyError):
        return "", ""
    submitted = entry.application.submitted_at
    last = end or min(Month(entry.application.year, 12), Month.of(submitted or date.today()))
    text = f"{start.year}年{start.month:02d}月至" + (
        f"{end.year}年{end.month:02d}月" if end else "今"
    )
    return text, months_in_year(start, last, entry.application.year)


def check_result(entry: RosterEntry) -> str:
    """通过, or the warnings and errors of the cross-check in words."""
    serious = [f for f in entry.findings if f.severity in (Severity.WARNING, Severity.ERROR)]
    if not serious:
        return PASSED
    return "；".join(finding_text(_zh, f.code, f.registry_values) for f in serious)


def roster_row(number: int, entry: RosterEntry, *, finance_copy: bool) -> list[Any]:
    """One line of the sheet; ID and card in full only in the finance bureau's copy."""
    application, person = entry.application, entry.person
    facts = application.facts
    household = HOUSEHOLD_TYPES.get(str(facts.get("household_type")), "")
    category = person.household.monitoring_category if person.household else None
    if household == "监测户" and category:
        household = f"{household}（{category}）"
    account = application.bank_account_snapshot
    period, months = _period(entry)
    delegate = ""
    if application.capacity != Capacity.SELF:
        delegate = f"{entry.delegate_name or ''}（{CAPACITIES.get(application.capacity, '')}）"
    return [
        number,
        entry.township_name,
        entry.village_name,
        person.name,
        person.id_number if finance_copy else mask_id(person.id_number),
        household,
        _place(facts.get("work_place")),
        entry.employer or "",
        period,
        months,
        facts.get("monthly_wage") or "",
        _zh(PROGRAM_NAMES[application.program.value]),
        _yuan(application.amount_fen),
        application.bank_name or "",
        "" if not account else account if finance_copy else mask_account(account),
        delegate,
        check_result(entry),
        application.review_note or "",
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


def write_roster(
    entries: Sequence[RosterEntry], out: Path | IO[bytes], *, finance_copy: bool = False
) -> None:
    """Write the 花名册 sheet and the 汇总 sheet (totals per township and program)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(list(COLUMNS))
    for number, entry in enumerate(entries, start=1):
        sheet.append(roster_row(number, entry, finance_copy=finance_copy))
    totals = workbook.create_sheet("汇总")
    totals.append(list(SUMMARY_COLUMNS))
    lines = summary(entries)
    for line in lines:
        totals.append([line.township, line.program, line.persons, _yuan(line.amount_fen)])
    totals.append(
        ["合计", "", sum(x.persons for x in lines), _yuan(sum(x.amount_fen for x in lines))]
    )
    workbook.save(out)


# -- one-time download links -------------------------------------------------------------

LINK_TTL = timedelta(hours=1)
ISSUED, USED = "roster_link", "roster_downloaded"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_url() -> str:
    """Where users reach the HTTP server (see Settings.public_url)."""
    return get_settings().public_url()


def issue_link(session: Session, actor: Actor, batch: RosterBatch, *, finance_copy: bool) -> str:
    """A download link valid once within LINK_TTL; only the token's SHA-256 is stored.

    The file is built when the link is opened, from the database, so any bot process behind a
    balancer can serve it and no roster with personal data lies on disk.
    """
    token = secrets.token_urlsafe(24)
    record_audit(
        session,
        actor,
        ISSUED,
        data={
            "token_sha256": _digest(token),
            "batch": batch.id,
            "finance_copy": finance_copy,
            "expires_at": (datetime.now(UTC) + LINK_TTL).isoformat(),
        },
    )
    return f"{public_url()}/exports/{token}.xlsx"


def _event(session: Session, action: str, digest: str, *, lock: bool = False) -> AuditEvent | None:
    statement = sa.select(AuditEvent).where(
        AuditEvent.action == action,
        # `at` is indexed: only links of the last TTL are looked at, not the whole history.
        AuditEvent.at >= datetime.now(UTC) - LINK_TTL - timedelta(minutes=5),
        AuditEvent.data["token_sha256"].as_string() == digest,
    )
    return session.scalars(statement.with_for_update() if lock else statement).first()


def redeem_link(session: Session, token: str) -> tuple[str, bytes] | None:
    """The file name and XLSX bytes of a valid, unused, unexpired link, or None; the use is
    recorded so the link never works twice. Call inside a transaction and commit after."""
    lock_for_writing(session)
    digest = _digest(token)
    issued = _event(session, ISSUED, digest, lock=True)
    if issued is None or _event(session, USED, digest) is not None:
        return None
    if datetime.fromisoformat(issued.data["expires_at"]) < datetime.now(UTC):
        return None
    batch = find_batch(session, int(issued.data["batch"]))
    finance_copy = bool(issued.data.get("finance_copy"))
    buffer = io.BytesIO()
    write_roster(roster_entries(session, batch), buffer, finance_copy=finance_copy)
    actor = Actor(ActorKind(issued.actor_kind), issued.actor_id, issued.role)
    record_audit(session, actor, USED, data={"token_sha256": digest, "batch": batch.id})
    return file_name(batch, finance_copy=finance_copy), buffer.getvalue()


def file_name(batch: RosterBatch, *, finance_copy: bool) -> str:
    """花名册-140581-2025-transport-12.xlsx (…-财政.xlsx for the finance copy)."""
    suffix = "-财政" if finance_copy else ""
    return f"花名册-{batch.county_code}-{batch.year}-{batch.program.value}-{batch.id}{suffix}.xlsx"
