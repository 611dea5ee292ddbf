"""Importing county budget allocations (`wugong import allocations`) in either layout of
db.imports.allocation_layouts: amounts to fen exactly, targets kept, upserted per program."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.enums import ImportKind, ImportStatus
from db.imports.allocation_layouts import READERS, Allocation, Row, layout_of, wan_to_fen
from db.imports.errorfile import ErrorFile
from db.imports.monitoring import (
    ImportResult,
    error_file_for,
    finish_batch,
    finished,
    sha256_of,
    start_batch,
)
from db.imports.reader import read_text
from db.models import BudgetAllocation
from db.queries.audit import Actor, record_audit

__all__ = ["import_allocations", "parse_allocations", "wan_to_fen"]

_DOCUMENT = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号")


def parse_allocations(path: Path) -> tuple[str | None, Iterator[Row]]:
    """The source document named in the comments, and the allocations (or problems) per row.

    Raises UnknownLayout when the header fits neither layout, before any row is read.
    """
    lines = read_text(path).splitlines()
    comments = [line for line in lines if line.lstrip().startswith("#")]
    found = _DOCUMENT.search("\n".join(comments))
    numbered = [(n, line) for n, line in enumerate(lines, 1) if not line.lstrip().startswith("#")]
    reader = csv.reader(line for _, line in numbered)
    header = [name.strip() for name in next(reader, [])]
    read_row = READERS[layout_of(header, path.name)]
    return (found.group() if found else None), _rows(header, reader, numbered, read_row)


def _rows(
    header: list[str],
    reader: Iterator[list[str]],
    numbered: list[tuple[int, str]],
    read_row: Callable[[int, dict[str, str]], Iterator[Row]],
) -> Iterator[Row]:
    for (number, _), cells in zip(numbered[1:], reader, strict=False):
        if not any(cell.strip() for cell in cells):
            continue
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        yield from read_row(number, row)


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
    values = {"amount_fen": item.amount_fen, "source_document": document[:255]}
    if item.targets is not None:
        values["target_persons"] = item.targets.persons
        values["target_satisfaction_permille"] = item.targets.satisfaction_permille
    if stored is None:
        session.add(
            BudgetAllocation(
                county_code=item.county_code,
                year=item.year,
                program=item.program,
                import_batch_id=batch_id,
                **values,
            )
        )
        session.flush()
        return "inserted"
    if all(getattr(stored, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(stored, name, value)
    stored.import_batch_id = batch_id
    return "updated"
