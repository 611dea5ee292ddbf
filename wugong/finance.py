"""The finance commands: `export roster`, `roster sent`, `roster paid` (one claim or bank file)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.errors import ConfigurationError, WugongError
from common.i18n import N_, translate
from policy import PROGRAMS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from db.models import Application
    from db.queries.payments import Problem

# The parser is built for every `wugong` command, `check` included: the database layer is only
# imported by the commands below that use it.


def _county(value: str) -> str:
    if not (value.isdigit() and len(value) == 6):
        raise argparse.ArgumentTypeError(f"a 6-digit county code is needed, not {value!r}")
    return value


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`wugong export roster …` and `wugong roster sent|paid …`."""
    export = commands.add_parser("export", help="export rosters (花名册) as XLSX")
    kinds = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    roster = kinds.add_parser("roster", help="the county's roster of approved claims")
    roster.add_argument("--county", required=True, type=_county, metavar="CODE")
    roster.add_argument("--year", required=True, type=int)
    roster.add_argument("--program", required=True, choices=PROGRAMS)
    roster.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    roster.add_argument("--finance-copy", action="store_true", help="ID and card in full")
    roster.add_argument("--batch", type=int, metavar="N", help="export a batch again")

    finance = commands.add_parser("roster", help="rosters sent to finance and their payment")
    actions = finance.add_subparsers(dest="roster_command", required=True, metavar="ACTION")
    sent = actions.add_parser("sent", help="mark the exported roster sent to finance")
    sent.add_argument("--county", required=True, type=_county, metavar="CODE")
    sent.add_argument("--year", required=True, type=int)
    sent.add_argument("--program", required=True, choices=PROGRAMS)
    sent.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD", help="sent on")
    paid = actions.add_parser("paid", help="record payment: one claim, or the bank's result file")
    which = paid.add_mutually_exclusive_group(required=True)
    which.add_argument("--application", metavar="WG2025-000123")
    which.add_argument("--file", type=Path, metavar="RESULT.xlsx|csv")
    paid.add_argument("--county", type=_county, metavar="CODE", help="needed with --file")
    paid.add_argument("--year", type=int)
    paid.add_argument("--program", choices=PROGRAMS)
    paid.add_argument("--ref", help="the bank's payment reference (with --application)")


def _notify(session: Session, applications: Iterable[Application]) -> None:
    from common.notify import notify_status_change

    for application in applications:
        notify_status_change(session, application)


def export_roster(args: argparse.Namespace) -> int:
    """Write the roster; without --batch it is the county's next batch of approved claims."""
    from common import runtime as wugong_runtime
    from common.roster_xlsx import roster_date, write_roster
    from db.queries import Actor, record_audit
    from db.queries.roster import find_batch, open_draft, roster_entries

    actor = Actor.system("cli")
    runtime = wugong_runtime.start(upgrade=True)
    try:
        with runtime.sessions.begin() as session:
            if args.batch is not None:
                batch = find_batch(session, args.batch, args.county)
            else:
                batch = open_draft(
                    session,
                    county_code=args.county,
                    year=args.year,
                    program=args.program,
                    actor=actor,
                )
            entries = roster_entries(session, batch)
            if not entries:
                raise ConfigurationError(
                    say(NONE_APPROVED, county=args.county, program=args.program, year=args.year)
                )
            args.out.parent.mkdir(parents=True, exist_ok=True)
            write_roster(
                batch,
                entries,
                args.out,
                on=roster_date(batch, date.today()),
                finance_copy=args.finance_copy,
            )
            record_audit(
                session,
                actor,
                "roster_exported",
                data={"batch": batch.id, "rows": len(entries), "finance_copy": args.finance_copy},
            )
            total = sum(entry.application.amount_fen or 0 for entry in entries)
    finally:
        runtime.close()
    print(say(EXPORTED, batch=batch.id, count=len(entries), amount=f"{total / 100:.2f}"))
    print(say(WRITTEN, path=args.out))
    return 0


def roster_sent(args: argparse.Namespace) -> int:
    """Mark the exported roster sent; its claims move to roster_sent and their people are told."""
    from common import runtime as wugong_runtime
    from db.queries import Actor
    from db.queries.roster import mark_sent
    from policy import load_parameters

    today = args.date or date.today()
    days = load_parameters().get("process.payment_working_days", today, args.county)
    runtime = wugong_runtime.start(upgrade=True)
    try:
        with runtime.sessions.begin() as session:
            sent = mark_sent(
                session,
                county_code=args.county,
                year=args.year,
                program=args.program,
                actor=Actor.system("cli"),
                today=today,
                working_days=int(days),
            )
            _notify(session, sent.moved)
    finally:
        runtime.close()
    print(
        say(
            SENT,
            batch=sent.batch.id,
            count=len(sent.moved),
            date=today.isoformat(),
            due=sent.batch.due_date.isoformat() if sent.batch.due_date else "",
        )
    )
    return 0


NONE_APPROVED = N_("No approved applications of {county} for {program} {year}.")
EXPORTED = N_("Roster batch {batch}: {count} applications, {amount} yuan.")
WRITTEN = N_("Written to {path}")
SENT = N_(
    "Roster batch {batch}: {count} applications sent to finance on {date}; payment due by {due}."
)
PAID_ONE = N_("{number} is paid.")
NO_SUCH = N_("There is no application {number} here.")
COUNTY_NEEDED = N_("--county is needed with --file.")


def say(message: str, **values: Any) -> str:
    """A line of these commands in the language of the shell (WUGONG_LANGUAGE, LANG)."""
    from wugong.imports_cli import cli_language

    return translate(cli_language(), message, **values)


def describe(problem: Problem) -> str:
    """One line per row left unpaid; the person masked."""
    from common import bank_results

    return bank_results.describe(say, problem)


def roster_paid(args: argparse.Namespace) -> int:
    """0 when every row (or the claim) is paid, 1 when some rows are listed as not paid."""
    from common import bank_results
    from common import runtime as wugong_runtime
    from db.models import Application
    from db.queries import Actor, parse_application_number
    from db.queries.payments import import_bank_results, record_payment

    actor = Actor.system("cli")
    if args.file is not None and args.county is None:
        raise ConfigurationError(say(COUNTY_NEEDED))
    runtime = wugong_runtime.start(upgrade=True)
    try:
        with runtime.sessions.begin() as session:
            if args.file is not None:
                result = import_bank_results(
                    session,
                    args.file,
                    county_code=args.county,
                    actor=actor,
                    program=args.program,
                    year=args.year,
                )
                _notify(session, result.paid)
                lines = [describe(problem) for problem in result.problems]
                summary = bank_results.summary(say, result)
            else:
                number = parse_application_number(args.application)
                application = session.get(Application, number) if number else None
                if application is None or (
                    args.county and not (application.region_code or "").startswith(args.county)
                ):
                    raise ConfigurationError(say(NO_SUCH, number=args.application))
                reference = args.ref or f"manual:{date.today().isoformat()}"
                record_payment(session, application, actor, payment_ref=reference)
                _notify(session, [application])
                lines, summary = [], say(PAID_ONE, number=args.application)
    finally:
        runtime.close()
    print(summary)
    for line in lines:
        print(line)
    return 1 if lines else 0


def run(args: argparse.Namespace) -> int:
    """Run one finance command; refusals are one line on stderr and exit code 2."""
    from db.errors import DbError
    from db.queries.roster import NothingToSend
    from db.workdays import UnknownCalendarYear

    try:
        if args.command == "export":
            return export_roster(args)
        if args.roster_command == "sent":
            return roster_sent(args)
        return roster_paid(args)
    except UnknownCalendarYear as error:
        print(f"wugong: {say(UNKNOWN_YEAR, year=error.year)}", file=sys.stderr)
        return 2
    except NothingToSend:
        print(f"wugong: {say(NOTHING_TO_SEND)}", file=sys.stderr)
        return 2
    except (WugongError, DbError, OSError) as error:
        print(f"wugong: {error}", file=sys.stderr)
        return 2


UNKNOWN_YEAR = N_(
    "The payment due date falls in {year}, whose holidays the working-day calendar does not "
    "know yet: add policy/parameters/holidays/{year}.yaml from the State Council's notice "
    "(国务院办公厅关于{year}年部分节假日安排的通知). Nothing was changed."
)
NOTHING_TO_SEND = N_(
    "No exported roster waits to be sent: export it first (wugong export roster), so that the "
    "roster marked sent is the one finance has."
)
