"""Importing county budget allocations (allocations-changzhi-2023.csv): 万元 to fen, exactly."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.enums import ImportKind, ImportStatus, Program
from db.imports.errorfile import ErrorFile
from db.imports.errors import HeaderNotFound
from db.imports.monitoring import (
    ImportResult,
    error_file_for,
    finish_batch,
    finished,
    sha256_of,
    start_batch,
)
from db.imports.reader import read_text
from db.imports.records import Problem
from db.models import BudgetAllocation
from db.queries.audit import Actor, record_audit

FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 yuan = 1,000,000 fen
# The columns of the file and the program each amount column funds.
PROGRAM_COLUMNS = {
    "stable_employment_wan": Program.STABLE_EMPLOYMENT,
    "workshop_employment_wan": Program.WORKSHOP_EMPLOYMENT,
    "transport_wan": Program.TRANSPORT,
}
REQUIRED = ("county_code", "year")
_DOCUMENT = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号")


@dataclass(frozen=True)
class Allocation:
    """One county's budget for one program and year, in fen, and the row it came from."""

    row_number: int
    county_code: str
    year: int
    program: Program
    amount_fen: int


def wan_to_fen(text: str) -> int:
    """'77.58' 万元 -> 77_580_000 fen; more than 6 decimals (a fraction of a fen) is refused."""
    try:
        amount = Decimal(text.strip().replace(",", "")) * FEN_PER_WAN
    except InvalidOperation:
        raise ValueError("amount_invalid") from None
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        raise ValueError("amount_invalid")
    return int(amount)


def parse_allocations(path: Path) -> tuple[str | None, Iterator[Allocation | list[Problem]]]:
    """The source document named in the comments, and the allocations (or problems) per row."""
    lines = read_text(path).splitlines()
    comments = [line for line in lines if line.lstrip().startswith("#")]
    found = _DOCUMENT.search("\n".join(comments))
    numbered = [(n, line) for n, line in enumerate(lines, 1) if not line.lstrip().startswith("#")]
    reader = csv.reader(line for _, line in numbered)
    header = [name.strip() for name in next(reader, [])]
    if any(name not in header for name in REQUIRED) or not set(PROGRAM_COLUMNS) & set(header):
        raise HeaderNotFound(
            f"{path.name}: the header needs county_code, year and stable_employment_wan "
            "or workshop_employment_wan"
        )
    return (found.group() if found else None), _rows(header, reader, numbered)


def _rows(header: list[str], reader: Iterator[list[str]], numbered: list) -> Iterator:
    for (number, _), cells in zip(numbered[1:], reader, strict=False):
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        problems = []
        county = row.get("county_code", "")
        if not (county.isdigit() and len(county) == 6):
            problems.append(Problem(number, "county_code", county, "county_invalid"))
        year = row.get("year", "")
        if not (year.isdigit() and 2000 <= int(year) <= 2100):
            problems.append(Problem(number, "year", year, "year_invalid"))
        amounts = []
        for column, program in PROGRAM_COLUMNS.items():
            if not row.get(column):
                continue
            try:
                amounts.append((program, wan_to_fen(row[column])))
            except ValueError:
                problems.append(Problem(number, column, row[column], "amount_invalid"))
        if problems:
            yield problems
            continue
        for program, fen in amounts:
            yield Allocation(number, county, int(year), program, fen)


def import_allocations(
    engine: Engine,
    path: str | Path,
    *,
    describe: Callable[[str], str] = str,
    error_path: Path | None = None,
    actor: Actor | None = None,
) -> ImportResult:
    """Upsert the allocations of ``path`` on (county, year, program); counts are per file row."""
    path = Path(path)
    document, rows = parse_allocations(path)
    batch_id = start_batch(engine, ImportKind.ALLOCATIONS, path.name, sha256_of(path))
    errors = ErrorFile(error_path or error_file_for(path), describe)
    outcome: dict[int, str] = {}  # row number -> inserted | updated | unchanged
    bad = 0
    rank = {"unchanged": 0, "updated": 1, "inserted": 2}
    try:
        with Session(engine) as session, session.begin():
            for item in rows:
                if isinstance(item, list):
                    bad += 1
                    for problem in item:
                        errors.add(problem)
                    continue
                result = _upsert(session, item, document or path.name, batch_id)
                previous = outcome.get(item.row_number, "unchanged")
                outcome[item.row_number] = max(previous, result, key=rank.__getitem__)
            record_audit(
                session,
                actor or Actor.system("import"),
                "import_allocations",
                data={"import_batch_id": batch_id, "source_document": document},
            )
    except BaseException:
        finish_batch(engine, batch_id, status=ImportStatus.FAILED)
        raise
    counts = {kind: sum(1 for v in outcome.values() if v == kind) for kind in rank}
    return finished(
        engine,
        ImportResult(
            batch_id=batch_id,
            file_name=path.name,
            table=None,
            rows=len(outcome) + bad,
            inserted=counts["inserted"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            errors=bad,
            error_file=errors.close(),
        ),
    )


def _upsert(session: Session, item: Allocation, document: str, batch_id: int) -> str:
    stored = session.scalars(
        sa.select(BudgetAllocation).where(
            BudgetAllocation.county_code == item.county_code,
            BudgetAllocation.year == item.year,
            BudgetAllocation.program == item.program,
        )
    ).one_or_none()
    if stored is None:
        session.add(
            BudgetAllocation(
                county_code=item.county_code,
                year=item.year,
                program=item.program,
                amount_fen=item.amount_fen,
                source_document=document[:255],
                import_batch_id=batch_id,
            )
        )
        session.flush()
        return "inserted"
    if stored.amount_fen == item.amount_fen and stored.source_document == document[:255]:
        return "unchanged"
    stored.amount_fen = item.amount_fen
    stored.source_document = document[:255]
    stored.import_batch_id = batch_id
    return "updated"
