"""`wugong check`: eligibility for every program from facts given as options (docs/design.md §3)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from common.settings import get_settings
from policy import (
    CHANNELS,
    HOUSEHOLD_TYPES,
    PROGRAMS,
    AmbiguousPlace,
    Facts,
    InvalidIdNumber,
    Month,
    PolicyError,
    assess_all,
    load_parameters,
    parse_id,
    resolve_place,
)

EXIT_INVALID = 2


class InputError(Exception):
    """Raised when an option's value is invalid; becomes one line on stderr and exit code 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of `wugong check` on its subparser."""
    _one_line_errors(parser)
    parser.add_argument("--year", type=int, required=True, help="claim year, e.g. 2025")
    parser.add_argument("--household", required=True, choices=HOUSEHOLD_TYPES)
    parser.add_argument(
        "--risk-eliminated", metavar="YYYY-MM", help="month the risk was eliminated"
    )
    person = parser.add_mutually_exclusive_group()
    person.add_argument("--id", metavar="ID18", help="resident ID number (gives birth and home)")
    person.add_argument("--birth", metavar="YYYY-MM-DD", help="birth date (instead of --id)")
    parser.add_argument(
        "--home", metavar="COUNTY6", help="home county code (with --birth; overrides the ID region)"
    )
    parser.add_argument("--work-place", required=True, metavar="CODE_OR_NAME")
    parser.add_argument("--from", dest="work_from", required=True, metavar="YYYY-MM")
    parser.add_argument("--to", dest="work_to", metavar="YYYY-MM", help="omit while still working")
    parser.add_argument("--same-employer", choices=("yes", "no"))
    parser.add_argument("--wage", metavar="CNY", help="average monthly wage")
    parser.add_argument("--channel", choices=CHANNELS)
    parser.add_argument("--contract-months", type=int, metavar="N")
    parser.add_argument(
        "--paid",
        nargs="+",
        action="extend",
        choices=PROGRAMS,
        default=[],
        metavar="PROGRAM",
        help=f"programs already paid this year: {', '.join(PROGRAMS)}",
    )
    parser.add_argument(
        "--as-of", metavar="YYYY-MM-DD", help="count open-ended work up to this day (default today)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    """Assess and print; 0 when assessed, 2 with one line on stderr for invalid input."""
    try:
        folder = get_settings().paths.parameters_dir  # a county's own parameter files
        params = load_parameters([folder]) if folder else None
        facts = _facts(args)
        decisions = assess_all(facts, params)
    except (InputError, PolicyError) as error:
        print(f"wugong check: error: {_message(error)}", file=sys.stderr)
        return EXIT_INVALID
    result = {"year": facts.year, "programs": [d.to_dict() for d in decisions]}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        _print_table(result)
    return 0


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """argparse prints its usage and exits 2 on errors; the contract wants exactly one line.

    The subparser is created by the main CLI, so its methods are replaced on the instance.
    Unrecognised options would otherwise reach the top-level parser, which prints usage.
    """

    def error(message: str) -> NoReturn:
        print(f"wugong check: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INVALID)

    parse_known_args = parser.parse_known_args

    def strict_parse_known_args(*a: Any, **kw: Any) -> tuple[argparse.Namespace, list[str]]:
        namespace, extras = parse_known_args(*a, **kw)
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    parser.error = error  # type: ignore[method-assign]
    parser.parse_known_args = strict_parse_known_args  # type: ignore[method-assign,assignment]


def _month(text: str | None, option: str) -> Month | None:
    if text is None:
        return None
    try:
        return Month.parse(text, option)
    except PolicyError:
        raise InputError(f"{option}: {text!r} is not a month (YYYY-MM)") from None


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _facts(args: argparse.Namespace) -> Facts:
    birth, home = _day(args.birth, "--birth"), args.home
    if args.id is not None:
        try:
            record = parse_id(args.id)
        except InvalidIdNumber as error:
            raise InputError(f"--id: {error}") from None
        birth = record.birth_date
        home = home or record.region
    if home is not None and not (home.isdigit() and len(home) == 6):
        raise InputError(f"--home: {home!r} is not a 6-digit county code")
    wage = None
    if args.wage is not None:
        try:
            wage = Decimal(args.wage)
        except InvalidOperation:
            raise InputError(f"--wage: {args.wage!r} is not a number") from None
        if not wage.is_finite() or wage < 0:
            raise InputError(f"--wage: {args.wage!r} must be a number >= 0")
    if args.contract_months is not None and args.contract_months < 0:
        raise InputError("--contract-months: must be >= 0")
    work_from = _month(args.work_from, "--from")
    work_to = _month(args.work_to, "--to")
    if work_from and work_to and work_to < work_from:
        raise InputError(f"--from {work_from} is after --to {work_to}")
    same = None if args.same_employer is None else args.same_employer == "yes"
    return Facts(
        year=args.year,
        household_type=args.household,
        risk_eliminated=_month(args.risk_eliminated, "--risk-eliminated"),
        birth_date=birth,
        home_county=home,
        work_place=_place(args.work_place),
        work_from=work_from,
        work_to=work_to,
        same_employer=same,
        monthly_wage=wage,
        channel=args.channel,
        contract_months=args.contract_months,
        paid_programs=frozenset(args.paid),
        as_of=_day(args.as_of, "--as-of") or date.today(),
    )


def _place(text: str) -> str:
    try:
        return resolve_place(text)
    except AmbiguousPlace as error:
        choices = "; ".join(f"{c.code} {c.name}" for c in error.candidates)
        raise InputError(f"--work-place: {text!r} is ambiguous, one of: {choices}") from None
    except PolicyError:
        raise InputError(f"--work-place: unknown place {text!r}") from None


def _message(error: Exception) -> str:
    return " ".join(str(error).split())  # one line whatever the message holds


def _print_table(result: dict[str, Any]) -> None:
    print(f"year {result['year']}")
    print(f"{'program':<22}{'eligible':<10}{'amount':>8}  reasons / missing")
    for entry in result["programs"]:
        eligible = {True: "yes", False: "no", None: "?"}[entry["eligible"]]
        notes = ", ".join(entry["reasons"])
        if entry["missing"]:
            notes += ("; " if notes else "") + "missing: " + ", ".join(entry["missing"])
        if entry["review"]:
            notes += " [review]"
        print(f"{entry['program']:<22}{eligible:<10}{entry['amount']:>8}  {notes}")
