"""The county's money at a desk: the budgets per program and year (read-only, as in the chat's
/budget), and the roster to the finance bureau (the chat's /roster): export it, mark it sent,
and record what the bank paid from its result file.

Only county administrators, as in the chat (bot.dialogs.budget.as_county_admin); everyone else
gets the chat's one line. The roster is downloaded through the chat's one-time links
(common.roster_links, served by bot.channels.exports); the bank's file is read by the same
parser as `wugong roster paid --file` (db.queries.payments.import_bank_results). A file of the
wrong kind or that cannot be read is said in one line and changes nothing.
"""

from __future__ import annotations

import asyncio
import csv
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PureWindowsPath
from typing import Any
from urllib.parse import urlsplit

from python_calamine import CalamineError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.web import Console, StaffUser, staff_page, translator
from bot.dialogs.budget import NOT_COUNTY_ADMIN, as_county_admin, yuan
from bot.dialogs.budget import _percent as percent
from bot.dialogs.finance import NOT_EXPORTED, NOT_IN_COUNTY, SENT, UNKNOWN_YEAR
from common import bank_results
from common.i18n import N_
from common.notify import notify_status_change
from common.roster_links import issue_link
from common.texts import program_name
from db.engine import writing
from db.enums import Program
from db.models import RosterBatch, RosterStatus, Staff
from db.queries import Actor
from db.queries.budgets import BudgetLine, budget_summary, overdue_batches
from db.queries.notices import local_date
from db.queries.payments import PaymentError, import_bank_results
from db.queries.regions import region_words
from db.queries.roster import (
    NothingToSend,
    RosterChanged,
    UnknownBatch,
    batch_applications,
    exported,
    find_batch,
    mark_sent,
    open_draft,
    recent_batches,
    waiting_for_roster,
)
from db.workdays import UnknownCalendarYear
from policy import load_parameters

BAD_YEAR = N_("The year was not understood; the current year is shown.")
BAD_PROGRAM = N_("Choose the program of the roster.")
CONFIRM_SENT = N_("The roster I downloaded is with the finance bureau")
NOT_CONFIRMED = N_(
    "Tick the box to confirm the roster is with the finance bureau; nothing changed."
)
NONE_WAITING = N_("No approved claim of the {program} {year} waits for the roster.")
NO_FILE = N_("Choose the bank's result file first (.xlsx or .csv).")
WRONG_KIND = N_("This is not a result file the bank gives (.xlsx or .csv); nothing was recorded.")
UNREADABLE = N_(
    "The file could not be read: it needs a header row with 身份证号 or 银行卡号, 金额 and "
    "状态 (or 结果). Nothing was recorded."
)
TOO_BIG = N_("The file is larger than {size} MB; nothing was recorded.")
BATCH_STATES = {
    RosterStatus.SENT: N_("unpaid"),
    RosterStatus.PAID: N_("paid"),
}
KINDS = (".csv", ".xlsx", ".xls", ".xlsm")
MAX_FILE_MB = 5
ROSTER_CHANGED = N_(
    "The roster changed since this page was loaded (it was downloaded again, or claims left "
    "it): nothing was marked. Download it again, check it, then mark it sent."
)
YEARS = range(2000, 2101)


class NoClaims(Exception):
    """Nothing to export: the transaction that opened the draft is rolled back."""


def _staff(session: Session, user: StaffUser) -> Staff | None:
    return as_county_admin(user.member(session))


def _year(value: Any, default: int) -> int | None:
    text = str(value or "").strip()
    if not text:
        return default
    if text.isdigit() and int(text) in YEARS:
        return int(text)
    return None


@dataclass(frozen=True)
class RosterRow:
    program: Program
    waiting: int
    waiting_fen: int
    exported: tuple[int, int] | None = None  # the roster downloaded: batch, approved claims


@dataclass
class RosterView:
    rows: list[RosterRow]
    batches: list[RosterBatch]
    overdue: set[int] = field(default_factory=set)


class Finance:
    def __init__(self, console: Console) -> None:
        self.console = console

    def today(self) -> date:
        return local_date(self.console.clock())

    def refuse(self, request: Request, user: StaffUser) -> Response:
        return self.console.message(request, user, translator(request)(NOT_COUNTY_ADMIN), 403)

    # -- budgets --------------------------------------------------------------------------

    async def budgets(self, request: Request, user: StaffUser) -> Response:
        t = translator(request)
        today = self.today()
        year = _year(request.query_params.get("year"), today.year)
        problem = "" if year is not None else t(BAD_YEAR)
        year = year or today.year
        found = await asyncio.to_thread(self._budgets, user, year, today)
        if found is None:
            return self.refuse(request, user)
        county, lines, overdue = found
        return self.console.render(
            request,
            "chain_budgets.html",
            user,
            year=year,
            county=county,
            lines=lines,
            overdue=overdue,
            problem=problem,
            program_words=lambda program: program_name(t, Program(program).value),
            yuan=yuan,
            persons=lambda line: _persons(t, line),
            satisfaction=lambda line: _satisfaction(t, line),
        )

    def _budgets(
        self, user: StaffUser, year: int, today: date
    ) -> tuple[str, list[BudgetLine], list[RosterBatch]] | None:
        with self.console.sessions() as session:
            staff = _staff(session, user)
            if staff is None:
                return None
            county = staff.region_code
            lines = list(budget_summary(session, county, year))
            overdue = list(overdue_batches(session, county, today))
            return region_words(session, county), lines, overdue

    # -- the roster -----------------------------------------------------------------------

    async def roster(self, request: Request, user: StaffUser) -> Response:
        return await self.show_roster(request, user)

    async def show_roster(
        self, request: Request, user: StaffUser, *, year: int | None = None,
        outcome: str = "", error: str = "", lines: list[str] | None = None,
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        t = translator(request)
        today = self.today()
        if year is None:
            year = _year(request.query_params.get("year"), today.year)
            if year is None:
                error, year = error or t(BAD_YEAR), today.year
        view = await asyncio.to_thread(self._roster, user, year, today)
        if view is None:
            return self.refuse(request, user)
        return self.console.render(
            request,
            "chain_roster.html",
            user,
            status_code=status_code,
            year=year,
            view=view,
            outcome=outcome,
            error=error,
            lines=lines or [],
            programs=list(Program),
            program_words=lambda program: program_name(t, Program(program).value),
            batch_state=lambda batch: t(BATCH_STATES.get(batch.status, N_("unpaid"))),
            yuan=yuan,
            max_mb=MAX_FILE_MB,
            confirm_sent=t(CONFIRM_SENT),
        )

    def _roster(self, user: StaffUser, year: int, today: date) -> RosterView | None:
        with self.console.sessions() as session:
            staff = _staff(session, user)
            if staff is None:
                return None
            county = staff.region_code
            rows = []
            for program in Program:
                count, total = waiting_for_roster(
                    session, county_code=county, year=year, program=program
                )
                shown = exported(session, county_code=county, year=year, program=program)
                rows.append(RosterRow(program, count, total, shown))
            batches = list(recent_batches(session, county_code=county, year=year, limit=20))
            overdue = {b.id for b in overdue_batches(session, county, today)}
            return RosterView(rows, batches, overdue)

    def _form_year(self, value: Any) -> int | None:
        return _year(value, self.today().year) if str(value or "").strip() else None

    def _program_year(self, form: Any) -> tuple[Program, int] | None:
        """The roster form's program and year, or None when either is missing or unknown."""
        year = self._form_year(form.get("year"))
        try:
            program = Program(str(form.get("program", "")))
        except ValueError:
            return None
        return None if year is None else (program, year)

    async def export(self, request: Request, user: StaffUser) -> Response:
        """POST /staff/roster/export: the county's next roster of the program and year (the
        approved claims not yet on one), through the chat's one-time download link."""
        form = await request.form()
        t = translator(request)
        chosen = self._program_year(form)
        if chosen is None:
            return await self.show_roster(request, user, error=t(BAD_PROGRAM), status_code=400)
        program, year = chosen
        finance_copy = form.get("copy") == "finance"
        try:
            link = await asyncio.to_thread(self._export, user, year, program, finance_copy)
        except NoClaims:
            error = t(NONE_WAITING, program=program_name(t, program.value), year=year)
            return await self.show_roster(request, user, year=year, error=error, status_code=409)
        if link is None:
            return self.refuse(request, user)
        return RedirectResponse(urlsplit(link).path, status_code=303)

    def _export(
        self, user: StaffUser, year: int, program: Program, finance_copy: bool
    ) -> str | None:
        with writing(self.console.sessions) as session:
            staff = _staff(session, user)
            if staff is None:
                return None
            actor = Actor.of_staff(staff)
            batch = open_draft(
                session, county_code=staff.region_code, year=year, program=program, actor=actor
            )
            if not batch_applications(session, batch):
                raise NoClaims  # rolls the empty draft back
            return issue_link(session, actor, batch, finance_copy=finance_copy)

    async def download(self, request: Request, user: StaffUser) -> Response:
        """POST /staff/roster/batches/{id}/download: a roster sent before, once more."""
        t = translator(request)
        found = await asyncio.to_thread(self._download, user, request.path_params["id"])
        if found is None:
            return self.refuse(request, user)
        if not found:
            return await self.show_roster(request, user, error=t(NOT_IN_COUNTY), status_code=404)
        return RedirectResponse(urlsplit(found).path, status_code=303)

    def _download(self, user: StaffUser, batch_id: int) -> str | None:
        with writing(self.console.sessions) as session:
            staff = _staff(session, user)
            if staff is None:
                return None
            try:
                batch = find_batch(session, batch_id, staff.region_code)
            except UnknownBatch:
                return ""
            return issue_link(session, Actor.of_staff(staff), batch, finance_copy=False)

    async def send(self, request: Request, user: StaffUser) -> Response:
        """POST /staff/roster/send: mark the roster exported last as sent to finance."""
        form = await request.form()
        t = translator(request)
        chosen = self._program_year(form)
        if chosen is None:
            return await self.show_roster(request, user, error=t(BAD_PROGRAM), status_code=400)
        program, year = chosen
        if form.get("confirm") != "yes":  # the chat asks "Yes, it is sent" too
            return await self.show_roster(
                request, user, year=year, error=t(NOT_CONFIRMED), status_code=400
            )
        shown_batch, shown_count = str(form.get("batch", "")), str(form.get("count", ""))
        if not (shown_batch.isdigit() and shown_count.isdigit()) or len(shown_batch) > 9:
            # The form of a page showing no downloaded roster: nothing to mark yet.
            return await self.show_roster(
                request, user, year=year, error=t(NOT_EXPORTED), status_code=409
            )
        try:
            expected = (int(shown_batch), int(shown_count[:9]))
            sent = await asyncio.to_thread(self._send, user, year, program, expected)
        except RosterChanged:
            return await self.show_roster(
                request, user, year=year, error=t(ROSTER_CHANGED), status_code=409
            )
        except NothingToSend:
            return await self.show_roster(
                request, user, year=year, error=t(NOT_EXPORTED), status_code=409
            )
        except UnknownCalendarYear as error:
            words = t(UNKNOWN_YEAR, year=error.year)
            return await self.show_roster(request, user, year=year, error=words, status_code=409)
        if sent is None:
            return self.refuse(request, user)
        batch, count, due = sent
        outcome = t(SENT, batch=batch, count=count, date=due)
        return await self.show_roster(request, user, year=year, outcome=outcome)

    def _send(
        self, user: StaffUser, year: int, program: Program, expected: tuple[int, int]
    ) -> tuple[int, int, str] | None:
        today = self.today()
        with writing(self.console.sessions) as session:
            staff = _staff(session, user)
            if staff is None:
                return None
            days = load_parameters().get("process.payment_working_days", today, staff.region_code)
            sent = mark_sent(
                session,
                county_code=staff.region_code,
                year=year,
                program=program,
                actor=Actor.of_staff(staff),
                today=today,
                working_days=int(days),
                expected=expected,
            )
            for application in sent.moved:
                notify_status_change(session, application)
            due = sent.batch.due_date.isoformat() if sent.batch.due_date else ""
            return sent.batch.id, len(sent.moved), due

    async def payments(self, request: Request, user: StaffUser) -> Response:
        """POST /staff/roster/payments: the bank's result file (multipart ``file``); every
        successful transfer that matches a claim sent to finance is recorded as paid."""
        form = await request.form()
        t = translator(request)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self.show_roster(request, user, error=t(NO_FILE), status_code=400)
        name = PureWindowsPath(upload.filename).name.replace("/", "_")[-60:] or "result"
        if Path(name).suffix.lower() not in KINDS:
            return await self.show_roster(request, user, error=t(WRONG_KIND), status_code=400)
        content = await upload.read(MAX_FILE_MB * 1024 * 1024 + 1)
        if len(content) > MAX_FILE_MB * 1024 * 1024:
            error = t(TOO_BIG, size=MAX_FILE_MB)
            return await self.show_roster(request, user, error=error, status_code=400)
        program: Program | None
        try:
            program = Program(str(form.get("program", ""))) if form.get("program") else None
        except ValueError:
            program = None
        try:
            found = await asyncio.to_thread(self._payments, user, name, content, program)
        except (PaymentError, CalamineError, UnicodeDecodeError, csv.Error, ValueError):
            return await self.show_roster(request, user, error=t(UNREADABLE), status_code=400)
        if found is None:
            return self.refuse(request, user)
        summary, problems = found
        outcome = summary(t)
        lines = [line(t) for line in problems]
        return await self.show_roster(request, user, outcome=outcome, lines=lines)

    def _payments(
        self, user: StaffUser, name: str, content: bytes, program: Program | None
    ) -> tuple[Any, list[Any]] | None:
        with tempfile.TemporaryDirectory(prefix="wugong-bank-") as folder:
            path = Path(folder) / name
            path.write_bytes(content)
            with writing(self.console.sessions) as session:
                staff = _staff(session, user)
                if staff is None:
                    return None
                result = import_bank_results(
                    session,
                    path,
                    county_code=staff.region_code,
                    actor=Actor.of_staff(staff),
                    program=program,
                )
                for application in result.paid:
                    notify_status_change(session, application)
        return (
            lambda t: bank_results.summary(t, result),
            [
                lambda t, problem=problem: bank_results.describe(t, problem)
                for problem in result.problems
            ],
        )


def _persons(t: Any, line: BudgetLine) -> str:
    if line.target_persons:
        return t(
            "{persons} of the target {target} ({percent}%)",
            persons=line.committed_persons,
            target=line.target_persons,
            percent=percent(line.committed_persons, line.target_persons),
        )
    return str(line.committed_persons)


def _satisfaction(t: Any, line: BudgetLine) -> str:
    target = line.target_satisfaction_permille
    shown = "" if target is None else percent(target, 1000, decimals=1).removesuffix(".0")
    if not line.answers:
        return t("no answers yet (target {target}%)", target=shown) if shown else "—"
    values = {
        "content": line.content,
        "answers": line.answers,
        "percent": percent(line.content, line.answers, decimals=1),
    }
    if target is None:
        return t("{content} of {answers} satisfied ({percent}%)", **values)
    met = line.content * 1000 >= target * line.answers
    return t(
        "{content} of {answers} satisfied ({percent}%); target {target}%: {verdict}",
        target=shown,
        verdict=t("met") if met else t("not met"),
        **values,
    )


def routes(console: Console) -> list[BaseRoute]:
    finance = Finance(console)
    page = staff_page(console)
    return [
        Route("/staff/budgets", page(finance.budgets), methods=["GET"]),
        Route("/staff/roster", page(finance.roster), methods=["GET"]),
        Route("/staff/roster/export", page(finance.export), methods=["POST"]),
        Route("/staff/roster/send", page(finance.send), methods=["POST"]),
        Route(
            "/staff/roster/payments",
            staff_page(console, upload_bytes=MAX_FILE_MB * 1024 * 1024)(finance.payments),
            methods=["POST"],
        ),
        Route("/staff/roster/batches/{id:int}/download", page(finance.download), methods=["POST"]),
    ]
