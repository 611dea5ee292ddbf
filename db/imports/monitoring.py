"""Importing a monitoring-system export: one file, one import batch, one transaction."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from db.crypto import keyring
from db.engine import WRITE_LOCK_OPTION
from db.enums import ImportKind, ImportStatus
from db.imports.columns import Table
from db.imports.errorfile import ErrorFile
from db.imports.person_rows import PersonRows
from db.imports.reader import file_format, open_sheet
from db.imports.records import Converter, Record
from db.imports.regions import Regions
from db.imports.stage import PostgresSink, SqliteSink, open_sink
from db.imports.work_rows import WorkRows
from db.models import ImportBatch
from db.queries.applications import follow_their_people
from db.queries.audit import Actor, record_audit

if TYPE_CHECKING:  # pyarrow is loaded by an import of a csv only: the bot need not hold it
    from db.imports.columnar import Block, ColumnarWork

log = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
PROGRESS_EVERY_ROWS = 1_000  # the console's progress bar moves with it; the chat says tenths

# What an import counts per file row, as ImportResult and import_batch both name it.
COUNTS = ("rows", "inserted", "updated", "unchanged", "errors")

Progress = Callable[[int, float], None]
"""Called with the rows read so far and the share of the file read (0.0 to 1.0)."""


@dataclass(frozen=True)
class ImportResult:
    """What one import did: counts per file row, and the error file when rows were left out
    or imported with a warning (a place name the register lacks); the open claims moved."""

    batch_id: int
    file_name: str
    table: Table | None
    rows: int
    inserted: int
    updated: int
    unchanged: int
    errors: int
    error_file: Path | None
    warnings: int = 0
    moved: int = 0


R = TypeVar("R", bound=ImportResult)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def error_file_for(path: Path) -> Path:
    """Next to the input: 已外出务工信息.xlsx -> 已外出务工信息.errors.xlsx."""
    return path.with_name(f"{path.stem}.errors.xlsx")


def upload_path(directory: Path, batch_id: int, file_name: str) -> Path:
    """Where an uploaded export waits for its import job (and its error file beside it, at
    ``error_file_for`` of this path): ``<directory>/<batch id>-<file name>``."""
    return directory / f"{batch_id}-{Path(file_name).name}"


def progress_path(upload: Path) -> Path:
    """Where the import job of ``upload`` writes how far it got, for the console to show."""
    return upload.with_name(f"{upload.name}.progress")


def start_batch(engine: Engine, kind: ImportKind, file_name: str, sha256: str = "") -> int:
    """A running import batch, committed so that progress can be followed from elsewhere."""
    with engine.begin() as connection:
        return connection.execute(
            sa.insert(ImportBatch)
            .values(kind=kind, file_name=file_name[:255], sha256=sha256)
            .returning(ImportBatch.id)
        ).scalar_one()


def finish_batch(engine: Engine, batch_id: int, **values: Any) -> None:
    """Write the batch's outcome (``finished_at`` now unless given)."""
    values.setdefault("finished_at", datetime.now(UTC))
    with engine.begin() as connection:
        connection.execute(
            sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(**values)
        )


def finished(engine: Engine, result: R) -> R:
    """Write a finished import's counts to its batch; returns the result."""
    finish_batch(
        engine,
        result.batch_id,
        status=ImportStatus.FINISHED,
        **{key: getattr(result, key) for key in COUNTS},
    )
    return result


def import_monitoring(
    engine: Engine,
    path: str | Path,
    *,
    batch_id: int | None = None,
    progress: Progress | None = None,
    describe: Callable[[str], str] = str,
    error_path: Path | None = None,
    actor: Actor | None = None,
    today: date | None = None,
    chunk_rows: int = CHUNK_ROWS,
    columnar: bool = True,
) -> ImportResult:
    """Import the person/household workbook or the work table at ``path``.

    Rows with problems go to the error file (``describe`` turns a problem code into the text
    of its 问题 column) and never stop the others; rows whose 乡 or 村 the division register
    lacks are imported at the level that was found and listed there as warnings. Open claims
    follow their people to the places found. a file that cannot be read at all raises an
    ImportFileError before anything is written. ``batch_id`` continues a batch created before
    (a chat upload); otherwise one is created. Importing the same file again changes nothing.
    ``columnar`` false reads a csv work table row by row only (the reference of the columnar
    path, which gives the same result).
    """
    path = Path(path)
    file_format(path)  # a missing or foreign file fails here, before any batch exists
    digest = sha256_of(path)
    if batch_id is None:
        batch_id = start_batch(engine, ImportKind.MONITORING, path.name, digest)
    else:
        finish_batch(engine, batch_id, sha256=digest, finished_at=None)
    errors = ErrorFile(error_path or error_file_for(path), describe)
    try:
        result = _run(engine, path, batch_id, errors, progress, actor, today, chunk_rows, columnar)
    except BaseException:
        finish_batch(engine, batch_id, status=ImportStatus.FAILED)
        raise
    finished(engine, result)
    log.info(
        "import %d of %s: %d rows, %d inserted, %d updated, %d unchanged, %d errors, "
        "%d warnings, %d open claims moved",
        batch_id,
        path.name,
        result.rows,
        result.inserted,
        result.updated,
        result.unchanged,
        result.errors,
        result.warnings,
        result.moved,
    )
    return result


@contextmanager
def _transaction(connection: Connection, whole: bool) -> Iterator[None]:
    """The import's transaction: one for everything, or (``whole`` false) rolled back on error
    while the chunks commit themselves."""
    if whole:
        with connection.begin():
            yield
        return
    try:
        yield
    except BaseException:
        connection.rollback()
        raise


Unit = tuple[int, Any, Any]  # (row number, a columnar block or None, the cells or None)


class _Chunks:
    """Records and columnar rows gathered into chunks of ``chunk_rows`` for the sink."""

    def __init__(self, sink: PostgresSink | SqliteSink, chunk_rows: int) -> None:
        self.sink = sink
        self.chunk_rows = chunk_rows
        self.records: list[Record] = []
        self.rest: list[Any] = []
        self.people: dict[str, int] = {}  # the first records' blind index -> person number
        self.size = 0

    def add(self, record: Record) -> None:
        self.records.append(record)
        self.size += 1
        if self.size >= self.chunk_rows:
            self.flush()

    def add_block(self, block: Block) -> None:
        """A columnar block's rows, cut where a chunk ends (as the rows would be, one by one)."""
        position, taken = 0, 0
        while position < block.rows:
            cut = min(block.rows, position + self.chunk_rows - self.size)
            while taken < len(block.records) and block.records[taken][0] < cut:
                _, record, person = block.records[taken]
                self.records.append(record)
                self.people[str(record[1])] = person
                taken += 1
            part = block.rest.slice(position, cut - position)  # row i of the block at i
            if part.num_rows:
                self.rest.append(part)
            self.size += cut - position
            position = cut
            if self.size >= self.chunk_rows:
                self.flush()

    def flush(self) -> None:
        if self.size:
            if self.rest:
                assert isinstance(self.sink, PostgresSink)
                self.sink.put(self.records, self.rest, self.people)
            else:
                self.sink.put(self.records)
        self.records, self.rest, self.people, self.size = [], [], {}, 0


def _stream(
    units: Iterator[Unit],
    read: Callable[[], float],
    converter: Converter,
    columnar: ColumnarWork | None,
    sink: PostgresSink | SqliteSink,
    errors: ErrorFile,
    progress: Progress | None,
    chunk_rows: int,
) -> tuple[int, int]:
    """Convert the sheet's rows into the sink by chunks; the rows read and the bad ones."""
    rows = bad = 0
    chunks = _Chunks(sink, chunk_rows)
    for number, table, cells in units:
        block = None
        if table is not None:
            assert columnar is not None
            block = columnar.convert(number, table)
            if block is None:  # refused: its rows one by one, from the same cells
                lists = [column.to_pylist() for column in table.columns]
                for offset, row in enumerate(zip(*lists, strict=True)):
                    rows, bad = _one(number + offset, list(row), rows, bad, converter, chunks,
                                     errors, progress, read)  # fmt: skip
                continue
        if block is None:
            rows, bad = _one(number, cells, rows, bad, converter, chunks, errors, progress, read)
            continue
        for warning in converter.warnings:
            errors.warn(warning)
        converter.warnings.clear()
        chunks.add_block(block)
        if progress is not None:
            for done in range(
                (rows // PROGRESS_EVERY_ROWS + 1) * PROGRESS_EVERY_ROWS,
                rows + block.rows + 1,
                PROGRESS_EVERY_ROWS,
            ):
                progress(done, read())
        rows += block.rows
    chunks.flush()
    return rows, bad


def _one(
    number: int,
    cells: Any,
    rows: int,
    bad: int,
    converter: Converter,
    chunks: _Chunks,
    errors: ErrorFile,
    progress: Progress | None,
    read: Callable[[], float],
) -> tuple[int, int]:
    """One row, converted by the reference (row by row); the counts of rows and bad ones."""
    converted = converter.convert(number, cells)
    if converted is None:
        return rows, bad
    rows += 1
    if isinstance(converted, tuple):
        for warning in converter.warnings:
            errors.warn(warning)
        converter.warnings.clear()
        chunks.add(converted)
    else:
        bad += 1
        for problem in converted:
            errors.add(problem)
    if progress is not None and rows % PROGRESS_EVERY_ROWS == 0:
        progress(rows, read())
    return rows, bad


def _run(
    engine: Engine,
    path: Path,
    batch_id: int,
    errors: ErrorFile,
    progress: Progress | None,
    actor: Actor | None,
    today: date | None,
    chunk_rows: int,
    columnar: bool,
) -> ImportResult:
    writer = engine.connect().execution_options(**{WRITE_LOCK_OPTION: True})
    # PostgreSQL: one transaction, all or nothing. SQLite has one writer for the whole
    # database, so each chunk commits on its own and the chat (and this import's progress
    # messages) can write in between; a failed import is completed by importing it again.
    postgres = engine.dialect.name == "postgresql"
    with writer as connection, open_sheet(path) as sheet, _transaction(connection, postgres):
        rows_of = WorkRows if sheet.header.table is Table.WORK else PersonRows
        converter = rows_of(sheet.header, keyring(), Regions.load(engine), today or date.today())
        sink = open_sink(connection, sheet.header, batch_id)
        if not postgres:
            connection.commit()
        units: Iterator[Unit] = ((n, None, cells) for n, cells in sheet.rows)
        read, fast = sheet.progress, None
        memory: AbstractContextManager[None] = nullcontext()
        if columnar and postgres and isinstance(converter, WorkRows) and sheet.csv_format:
            # The work table's csv by blocks of columns (db/imports/columnar.py); rows it does
            # not take on still go through the converter one by one.
            from db.imports.columnar import Blocks, ColumnarWork, returning_memory

            blocks = Blocks(path, *sheet.csv_format, sheet.header.row_number)
            offset = blocks.start()
            if offset is not None:
                units, read, fast = blocks.units(offset), blocks.progress, ColumnarWork(converter)
                memory = returning_memory()
        try:
            with memory:
                rows, bad = _stream(
                    units, read, converter, fast, sink, errors, progress, chunk_rows
                )
                counts = sink.finish()
        except BaseException:
            sink.abort()
            raise
        with Session(bind=connection) as session:
            who = actor or Actor.system("import")
            moved = follow_their_people(session, who, import_batch_id=batch_id)
            record_audit(
                session,
                who,
                "import_monitoring",
                data={"import_batch_id": batch_id, "table": sheet.header.table.value},
            )
            # SQLite: the session began this transaction and would roll it back on closing;
            # PostgreSQL: the import's one transaction stays open (the session only joined it).
            session.commit()
        table = sheet.header.table
        if not postgres:
            connection.commit()
    if progress is not None:
        progress(rows, 1.0)
    return ImportResult(
        batch_id=batch_id,
        file_name=path.name,
        table=table,
        rows=rows,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.staged - counts.inserted - counts.updated,
        errors=bad,
        error_file=errors.close(),
        warnings=errors.warnings,
        moved=moved,
    )
