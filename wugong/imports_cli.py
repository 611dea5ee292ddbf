"""`wugong import monitoring|allocations FILE…`: the command, its progress bar and its texts."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from wugong.i18n import N_, normalize_language, translate

# The 问题 column of the error file, per problem code of db.imports.
PROBLEMS: dict[str, str] = {
    "missing": N_("The value is missing."),
    "id_length": N_("The ID number must have 18 characters."),
    "id_characters": N_("The ID number must be 17 digits followed by a digit or X."),
    "id_birth_date": N_("The birth date inside the ID number is impossible."),
    "id_checksum": N_("The check digit of the ID number is wrong."),
    "household_type_unknown": N_("Unknown household type (expected 脱贫户, 监测户 or similar)."),
    "month_invalid": N_("Not a month such as 2025年03月."),
    "date_invalid": N_("Not a date such as 1980-04-12."),
    "end_before_start": N_("The end month is before the start month."),
    "income_out_of_range": N_("The monthly income is outside 100–30000 yuan."),
    "amount_invalid": N_("Not an amount of money."),
    "yes_no_invalid": N_("Must be 是 or 否."),
    "duplicate_person": N_("This ID number is already on an earlier row."),
    "duplicate_record": N_("This person already has a work record starting that month above."),
    "county_invalid": N_("Not a 6-digit county code."),
    "year_invalid": N_("Not a year."),
    "program_unknown": N_("Not a program (transport, stable_employment or workshop_employment)."),
    "persons_invalid": N_("Not a whole number of people."),
    "ratio_invalid": N_("Not a share such as 0.95 or 95%."),
}

SUMMARY = N_(
    "{file}: {rows} rows — {inserted} new, {updated} updated, {unchanged} unchanged, "
    "{errors} with errors"
)
ERROR_FILE = N_("The rows with errors are listed in {path}")
UNKNOWN_LAYOUT = N_(
    "{file} is not a budget file I know. Per county, amounts in 万元: {per_county}. Per "
    "program, amounts in yuan: {per_program}."
)


def describe(language: str) -> Callable[[str], str]:
    """The 问题 text of a problem code, in ``language``."""
    return lambda code: translate(language, PROBLEMS.get(code, code))


def cli_language() -> str:
    return normalize_language(os.environ.get("WUGONG_LANGUAGE") or os.environ.get("LANG"))


def add_commands(commands: Any) -> None:
    """The `import` sub-command and its two kinds."""
    parser = commands.add_parser(
        "import",
        help="import monitoring exports or budget allocations",
        description="Exit status: 0 all rows imported, 1 some rows left out (see the error "
        "file), 2 a file could not be imported.",
    )
    kinds = parser.add_subparsers(dest="import_kind", required=True, metavar="KIND")
    monitoring = kinds.add_parser(
        "monitoring", help="exports of the national monitoring system (xlsx or csv)"
    )
    monitoring.add_argument("files", nargs="+", metavar="FILE", type=Path)
    allocations = kinds.add_parser(
        "allocations",
        help="county budget allocations (csv: 万元 columns per county, or a line per program "
        "in yuan with its targets)",
    )
    allocations.add_argument("files", nargs="+", metavar="FILE", type=Path)


class ProgressBar:
    """A plain-text bar on stderr: redrawn in place on a terminal, a line per 10% otherwise."""

    WIDTH = 30

    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        self.name = name
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.step = -1
        self.started = time.monotonic()

    def __call__(self, rows: int, share: float) -> None:
        step = int(share * 10)
        if not self.tty and step <= self.step:
            return
        self.step = step
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        seconds = time.monotonic() - self.started
        line = f"{self.name} [{bar}] {share:4.0%} {rows:,} rows {seconds:.0f}s"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.step >= 0:
            self.stream.write("\n")
            self.stream.flush()


def error_path_for(path: Path, var_dir: Path) -> Path:
    """Next to the input when that folder is writable, else under var/imports/."""
    from db.imports.monitoring import error_file_for

    beside = error_file_for(path)
    if os.access(beside.parent, os.W_OK):
        return beside
    return var_dir / "imports" / beside.name


def run(args: argparse.Namespace) -> int:
    from db.imports import ImportFileError
    from db.imports.reader import file_format
    from wugong import runtime as wugong_runtime
    from wugong.errors import WugongError

    status = 0
    files = []
    for path in args.files:  # a missing or foreign file is told before the database is opened
        try:
            file_format(path)
            files.append(path)
        except ImportFileError as error:
            print(f"wugong: {error}", file=sys.stderr)
            status = 2
    if not files:
        return status
    try:
        runtime = wugong_runtime.start(upgrade=True)
    except WugongError as error:
        print(f"wugong: {error}", file=sys.stderr)
        return 2
    try:
        return max(status, _import_all(args.import_kind, files, runtime))
    finally:
        runtime.close()


def refusal(error: Exception, language: str) -> str:
    """The one line that says why a whole file was refused."""
    from db.imports import UnknownLayout

    if isinstance(error, UnknownLayout):
        columns = {name: ", ".join(names) for name, names in error.accepted.items()}
        return translate(language, UNKNOWN_LAYOUT, file=error.file_name, **columns)
    return str(error)


def _import_all(kind: str, files: list[Path], runtime: Any) -> int:
    from db.imports import ImportFileError, import_allocations, import_monitoring

    language = cli_language()
    status = 0
    imported = False
    for path in files:
        error_path = error_path_for(path, runtime.settings.paths.var_dir)
        try:
            if kind == "allocations":
                result = import_allocations(
                    runtime.engine, path, describe=describe(language), error_path=error_path
                )
            else:
                bar = ProgressBar(path.name)
                try:
                    result = import_monitoring(
                        runtime.engine,
                        path,
                        progress=bar,
                        describe=describe(language),
                        error_path=error_path,
                    )
                finally:
                    bar.close()
                imported = True
        except ImportFileError as error:
            print(f"wugong: {refusal(error, language)}", file=sys.stderr)
            status = 2
            continue
        print(translate(language, SUMMARY, file=path.name, **_counts(result)))
        if result.error_file is not None:
            print(translate(language, ERROR_FILE, path=result.error_file))
            status = max(status, 1)
    if imported:
        crosscheck_after_import(runtime)
    return status


def _counts(result: Any) -> dict[str, int]:
    return {
        key: getattr(result, key) for key in ("rows", "inserted", "updated", "unchanged", "errors")
    }


def crosscheck_after_import(runtime: Any) -> None:
    """Compare every open application with the new records.

    With Redis a worker does it; without (the embedded mode) this process has no worker that
    would take the message, so the cross-check runs here, the same steps the actors take.
    """
    if not runtime.settings.embedded:
        from workers.crosscheck import crosscheck_open

        crosscheck_open.send()
        return
    from db.engine import lock_for_writing
    from db.queries import crosscheck as checks

    with runtime.sessions.begin() as session:
        lock_for_writing(session)
        counts = checks.crosscheck_open(session)
    ids = counts.reassess_ids
    for start in range(0, len(ids), 200):
        with runtime.sessions.begin() as session:
            lock_for_writing(session)
            checks.reassess(session, ids[start : start + 200])
