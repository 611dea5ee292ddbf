"""Importing the division register: csv of code, name, parent code (streets.csv/villages.csv).

A newer release, or another province, is brought in with ``wugong import regions``. Codes are
inserted or renamed, never deleted: people, claims and staff keep codes that a release retires.
With the release's ``year``, a stored code the file lacks is marked retired (``valid_to`` = the
year before) when the file lists other codes of its level in the same area — townships and
villages of the same county, counties of the same city, cities of the same province — so a file
of one county's villages retires nothing elsewhere, and a file of townships no village.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from db.enums import ImportKind, ImportStatus
from db.imports.errorfile import ErrorFile
from db.imports.errors import HeaderNotFound, UnknownFormat
from db.imports.monitoring import (
    ImportResult,
    error_file_for,
    finish_batch,
    finished,
    sha256_of,
    start_batch,
)
from db.imports.problems import Problem
from db.imports.reader import file_format, read_text
from db.models import Region
from db.models.region import LEVEL_OF_LENGTH
from db.queries.audit import Actor, record_audit

BATCH_ROWS = 5_000
NAME_LENGTH = 100
# The level above whose area a code's level is compared in (see the module's docstring).
_AREA_LENGTH = {4: 2, 6: 4, 9: 6, 12: 6}
_PARENT_LENGTH = {2: 0, 4: 2, 6: 4, 9: 6, 12: 9}
_CODE_HEADERS = ("code", "代码", "编码")
_NAME_HEADERS = ("name", "名称", "名")


@dataclass(frozen=True)
class Division:
    """One row of a register file: the code, its name and its parent's code."""

    row_number: int
    code: str
    name: str
    parent_code: str | None


@dataclass(frozen=True)
class RegisterResult(ImportResult):
    """An import's counts, and how many stored codes it marked retired as of ``year``."""

    retired: int = 0
    year: int | None = None


def _looks_like(cell: str, words: tuple[str, ...]) -> bool:
    return any(word in cell.lower() for word in words)


def parse_register(path: Path) -> Iterator[Division | list[Problem]]:
    """The divisions of ``path`` (or a row's problems), after checking its header row."""
    if file_format(path) != "csv":
        raise UnknownFormat(f"{path.name}: the register is read from csv files only")
    rows = csv.reader(read_text(path).splitlines())
    header = [cell.strip() for cell in next(rows, [])]
    if not (
        len(header) >= 3
        and _looks_like(header[0], _CODE_HEADERS)
        and _looks_like(header[1], _NAME_HEADERS)
        and _looks_like(header[2], _CODE_HEADERS)
    ):
        raise HeaderNotFound(
            f"{path.name}: the first row must name the columns code, name, parent code "
            "(as in streets.csv or villages.csv)"
        )
    return _divisions(header, rows)


def _divisions(header: list[str], rows: Iterator[list[str]]) -> Iterator[Division | list[Problem]]:
    seen: set[str] = set()
    for number, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        code, name, parent = ([cell.strip() for cell in cells] + ["", "", ""])[:3]
        problems = []
        if not (code.isdigit() and len(code) in LEVEL_OF_LENGTH):
            problems.append(Problem(number, header[0], code, "region_code_invalid"))
        elif code in seen:
            problems.append(Problem(number, header[0], code, "duplicate_region"))
        elif parent and parent != code[: _PARENT_LENGTH[len(code)]]:
            problems.append(Problem(number, header[2], parent, "region_parent_mismatch"))
        if not name:
            problems.append(Problem(number, header[1], name, "missing"))
        elif len(name) > NAME_LENGTH:
            problems.append(Problem(number, header[1], name, "region_name_too_long"))
        if problems:
            yield problems
            continue
        seen.add(code)
        yield Division(number, code, name, code[: _PARENT_LENGTH[len(code)]] or None)


def import_regions(
    engine: Engine,
    path: str | Path,
    *,
    year: int | None = None,
    describe: Callable[[str], str] = str,
    error_path: Path | None = None,
    actor: Actor | None = None,
) -> RegisterResult:
    """Upsert the divisions of ``path``; with ``year`` (the release's), retire what it lacks.

    Bad rows go to the error file and never stop the others; a file that is not a register
    raises an ImportFileError before anything is written. Importing a file again changes
    nothing.
    """
    path = Path(path)
    rows = parse_register(path)
    batch_id = start_batch(engine, ImportKind.REGIONS, path.name, sha256_of(path))
    errors = ErrorFile(error_path or error_file_for(path), describe)
    divisions: dict[str, Division] = {}
    bad = 0
    try:
        for item in rows:
            if isinstance(item, list):
                bad += 1
                for problem in item:
                    errors.add(problem)
            else:
                divisions[item.code] = item
        with engine.begin() as connection:
            inserted, updated, retired = _merge(connection, divisions, year)
            with Session(bind=connection) as session:
                record_audit(
                    session,
                    actor or Actor.system("import"),
                    "import_regions",
                    data={
                        "import_batch_id": batch_id,
                        "year": year,
                        "inserted": inserted,
                        "updated": updated,
                        "retired": retired,
                    },
                )
    except BaseException:
        finish_batch(engine, batch_id, status=ImportStatus.FAILED)
        raise
    return finished(
        engine,
        RegisterResult(
            batch_id=batch_id,
            file_name=path.name,
            table=None,
            rows=len(divisions) + bad,
            inserted=inserted,
            updated=updated,
            unchanged=len(divisions) - inserted - updated,
            errors=bad,
            error_file=errors.close(),
            retired=retired,
            year=year,
        ),
    )


def _merge(
    connection: Connection, divisions: dict[str, Division], year: int | None
) -> tuple[int, int, int]:
    """Insert, rename and retire in batches: (inserted, updated, retired)."""
    provinces = sorted({code[:2] for code in divisions})
    stored = {
        code: (name, parent, valid_to)
        for code, name, parent, valid_to in connection.execute(
            sa.select(Region.code, Region.name, Region.parent_code, Region.valid_to).where(
                sa.func.substr(Region.code, 1, 2).in_(provinces)
            )
        )
    }
    new, changed = [], []
    for code, division in divisions.items():
        known = stored.get(code)
        if known is None:
            new.append(
                {
                    "code": code,
                    "name": division.name,
                    "level": LEVEL_OF_LENGTH[len(code)],
                    "parent_code": division.parent_code,
                    "valid_from": year,
                }
            )
        elif known != (division.name, division.parent_code, None):
            # A code back in the register is valid again.
            changed.append({"key": code, "new_name": division.name, "parent": division.parent_code})
    areas = {(code[: _AREA_LENGTH[len(code)]], len(code)) for code in divisions if len(code) > 2}
    gone = [
        {"key": code, "last_year": year - 1}
        for code, (_, _, valid_to) in stored.items()
        if year is not None
        and valid_to is None
        and code not in divisions
        and len(code) > 2
        and (code[: _AREA_LENGTH[len(code)]], len(code)) in areas
    ]
    key = Region.code == sa.bindparam("key")
    now = sa.func.current_timestamp()
    statements = (
        (sa.insert(Region), new),
        (
            sa.update(Region)
            .where(key)
            .values(
                name=sa.bindparam("new_name"),
                parent_code=sa.bindparam("parent"),
                valid_to=None,
                updated_at=now,
            ),
            changed,
        ),
        (
            sa.update(Region).where(key).values(valid_to=sa.bindparam("last_year"), updated_at=now),
            gone,
        ),
    )
    for statement, batch in statements:
        for start in range(0, len(batch), BATCH_ROWS):
            connection.execute(statement, batch[start : start + BATCH_ROWS])
    return len(new), len(changed), len(gone)
