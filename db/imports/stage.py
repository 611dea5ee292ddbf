"""Staging chunks of records and merging them: COPY on PostgreSQL (in a thread), else batches."""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

from psycopg.errors import UniqueViolation
from sqlalchemy.engine import Connection

from db.imports.columns import Header
from db.imports.merge import statements
from db.imports.records import STAGE_COLUMNS, WORK_COLUMNS, Record

# A chunk for the merging thread: the records, the columnar rows, person numbers, and what the
# importing thread made of them for a COPY straight into the tables (``PostgresSink._prepare``).
Chunk = tuple[list[Record], list["pa.Table"], dict[str, int], "Prepared | None"]
SWITCH_SECONDS = 0.001  # the GIL's switch interval while an import's merging thread runs
if TYPE_CHECKING:  # loaded by the columnar path only (db/imports/columnar.py)
    import pyarrow as pa

NAMES = ", ".join(name for name, _ in STAGE_COLUMNS)
_AT = {name: index for index, (name, _) in enumerate(STAGE_COLUMNS)}
_ROW, _ID_INDEX, _START = _AT["row_no"], _AT["id_index"], _AT["start_month"]
_TYPE, _CATEGORY, _REGION = _AT["household_type"], _AT["monitoring_category"], _AT["region_code"]
_HOUSEHOLD, _ID_NUMBER = _AT["household_number"], _AT["id_number"]  # the person's data from here
_NO_PERSON = (None,) * (len(STAGE_COLUMNS) - _HOUSEHOLD)
_HOUSEHOLD_COLUMNS = (
    "id, household_number, region_code, household_type, monitoring_category, risk_eliminated, "
    "import_batch_id"
)
# As the merge's insert of a person from the work table (db/imports/merge.py) fills them.
_PERSON_FIELDS = ("name", "id_number", "id_index", "id_tail_index", "sex", "birth_date",
                  "region_code")  # fmt: skip
_PERSON_COLUMNS = ", ".join(("id", "household_id", *_PERSON_FIELDS))
_PERSON_VALUES = tuple(_AT[name] for name in _PERSON_FIELDS)
_WORK_COPY = (
    f"COPY monitoring_employment (person_id, {', '.join(WORK_COLUMNS)}, import_batch_id) "
    "FROM STDIN (FORMAT csv)"
)
# What a chunk's new rows are copied into, in this order (``_copy_new_rows``).
_NEW_ROWS_COPIES = (
    f"COPY household ({_HOUSEHOLD_COLUMNS}) FROM STDIN",
    f"COPY person ({_PERSON_COLUMNS}) FROM STDIN",
    _WORK_COPY,
)
_TABLES = ("import_stage", "import_changed_household", "import_changed_person")


@dataclass
class Prepared:
    """A chunk's new households, persons and work rows as COPY data, made by the importing
    thread (ids taken from the sequences on a connection of its own) while the merging thread
    writes the chunk before; and what is left to merge if they are written."""

    households: list[bytes]
    persons: list[bytes]
    created: list[tuple[int, int]]  # (person number, id)
    work: list[Any]  # csv parts of monitoring_employment rows
    work_rows: int
    others: pa.Table | None  # work rows of persons not created by this import
    left: list[Record]


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    staged: int = 0


def _create(connection: Any, postgres: bool) -> None:
    # ON COMMIT DROP: the pooled connection comes back without them, whatever happened.
    # SQLite has no such clause: a table left by an earlier import on this pooled connection
    # is dropped first (its rows belong to no transaction that is still open).
    suffix = " ON COMMIT DROP" if postgres else ""
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGE_COLUMNS)
    if not postgres:
        for table in _TABLES:
            connection.execute(f"DROP TABLE IF EXISTS temp.{table}")
    for ddl in (
        f"CREATE TEMP TABLE import_stage ({columns}){suffix}",
        f"CREATE TEMP TABLE import_changed_household (household_number text){suffix}",
        f"CREATE TEMP TABLE import_changed_person (id_index text, inserted boolean){suffix}",
    ):
        connection.execute(ddl)


class PostgresSink:
    """COPY into a TEMP staging table and merge, chunk by chunk, in a thread of its own.

    The thread mostly waits for the server, so PostgreSQL stages and merges one chunk while
    this process reads and converts the next: the two CPUs work at once. One connection, one
    transaction: the import is all or nothing.
    """

    # New persons and households of the work table copied straight in (``_create``); off,
    # the staging table's upserts merge them all (the reference of the equivalence test).
    direct = True

    def __init__(self, connection: Connection, header: Header, batch_id: int) -> None:
        raw = connection.connection.driver_connection
        assert raw is not None
        self.raw: Any = raw
        self.sql = statements(header, batch_id, "postgresql")
        self.batch_id = int(batch_id)
        self.counts = Counts()
        self._analyzed = False
        self._all_new = True  # no stored person or household met yet (``_prepare``)
        self._sequences: dict[str, int] = {}  # a table's id sequence (its oid)
        self._chunks: queue.Queue[Chunk | None] = queue.Queue(maxsize=2)
        # By person number (``People``), the id of each person this import created, else 0:
        # 8 bytes a person.
        self._created = array("q")
        # The same for the importing thread, which plans the ids while no stored person or
        # household was met (``_prepare``); and its connection for taking them.
        self._planned = array("q")
        self._side: Connection | None = None
        self._engine = connection.engine
        self._error: BaseException | None = None
        with self.raw.cursor() as cursor:
            # Imports into one schema run one at a time (advisory locks span the database).
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.wugong.import'))"
            )
            # The chunks' statements are small: compiling them (JIT) would cost more than
            # running them, as their row estimates (of a temp table) cross the threshold.
            cursor.execute("SET LOCAL jit = off")
            _create(cursor, postgres=True)
        self._thread = threading.Thread(target=self._run, name="import-merge", daemon=True)
        # The merging thread waits for the GIL after each statement while the importing thread
        # converts: at the default 5 ms a switch, PostgreSQL would idle some 2 s a million rows.
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_SECONDS)
        self._thread.start()

    def put(
        self,
        records: list[Record],
        rest: Sequence[pa.Table] = (),
        people: dict[str, int] | None = None,
    ) -> None:
        """Stage and merge a chunk: ``records``, then the work rows of ``rest`` (the columnar
        path's rows other than a person's first, ``columnar.REST_COLUMNS``); ``people`` gives
        the person number (``People``) of the records that are a person's first."""
        people = people or {}
        prepared = None
        if self.direct and self._all_new and self.sql.employment is not None:
            prepared = self._prepare(records, list(rest), people)
        self._send((records, list(rest), people, prepared))

    def _send(self, item: Chunk | None) -> None:
        while self._thread.is_alive():
            try:
                self._chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        self._raise()

    def finish(self) -> Counts:
        self._send(None)
        self._thread.join()
        sys.setswitchinterval(self._switch)
        self._close_side()
        self._raise()
        return self.counts

    def abort(self) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._chunks.put(None, timeout=60)
            self._thread.join(timeout=120)
        sys.setswitchinterval(self._switch)
        self._close_side()

    def _close_side(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                while (chunk := self._chunks.get()) is not None:
                    self._merge(cursor, chunk)
        except BaseException as error:  # handed to the importing thread
            self._error = error
            while True:  # unblock a producer waiting on a full queue
                try:
                    self._chunks.get_nowait()
                except queue.Empty:
                    break

    def _merge(self, cursor: Any, item: Chunk) -> None:
        records, rest, people, prepared = item
        if prepared is not None and self._all_new:
            if self._copy_prepared(cursor, prepared):
                others = prepared.others
                records, rest = prepared.left, [others] if others is not None else []
            else:
                self._all_new = False
        if records and self.direct and self.sql.employment is not None:
            records = self._create(cursor, records, people)
        if records:
            cursor.execute("TRUNCATE import_stage, import_changed_person")
            with cursor.copy(f"COPY import_stage ({NAMES}) FROM STDIN") as copy:
                _write(copy, _text(records))
            self._analyze(cursor)
            cursor.execute(self.sql.households)
            cursor.execute(self.sql.persons)
            if self.sql.employment is not None:
                _assign(self._created, _numbered(cursor.fetchall(), people))
                inserted, updated = cursor.execute(self.sql.employment).fetchone()
                # A columnar path's first record (no start month) makes a person only: its
                # work row comes with the others, below.
                staged = cursor.execute("SELECT count(start_month) FROM import_stage").fetchone()[0]
            else:
                assert self.sql.count is not None
                inserted, updated, staged = cursor.execute(self.sql.count).fetchone()
            self.counts.inserted += inserted
            self.counts.updated += updated
            self.counts.staged += staged
        if rest:
            import pyarrow as pa

            self._merge_rest(cursor, pa.concat_tables(rest))

    def _analyze(self, cursor: Any) -> None:
        if not self._analyzed:
            # Statistics of the first chunk serve the others (they are alike): a fresh temp
            # table has none, and the joins below need them to hash rather than loop.
            cursor.execute("ANALYZE import_stage")
            self._analyzed = True

    def _merge_rest(self, cursor: Any, rest: pa.Table) -> None:
        """Work rows of people this import created go straight into monitoring_employment
        (they can meet no stored record: the file's duplicates are errors); the others are
        staged and merged like any record."""

        assert self.sql.employment is not None
        work, rows, others = self._split(rest, self._created)
        if rows:
            with cursor.copy(_WORK_COPY) as copy:
                _write(copy, work)
            self.counts.inserted += rows
            self.counts.staged += rows
        if others is not None:
            cursor.execute("TRUNCATE import_stage, import_changed_person")
            names = ["id_index", *WORK_COLUMNS]
            with cursor.copy(
                f"COPY import_stage ({', '.join(names)}) FROM STDIN (FORMAT csv)"
            ) as copy:
                _write(copy, _csv(others.select(names)))
            self._analyze(cursor)
            inserted, updated = cursor.execute(self.sql.employment).fetchone()
            self.counts.inserted += inserted
            self.counts.updated += updated
            self.counts.staged += others.num_rows

    def _split(self, rest: pa.Table, ids: array[int]) -> tuple[Iterator[Any], int, pa.Table | None]:
        """The work rows of persons this import created (``ids`` by person number) as csv parts
        for monitoring_employment, their number, and the other rows (None when there are none).
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        people = rest.column("person")
        _grow(ids, pc.max(people).as_py())
        known = pa.Array.from_buffers(pa.int64(), len(ids), [None, pa.py_buffer(ids)])
        person_ids = known.take(people)
        del known  # the array may grow again
        created = pc.greater(person_ids, 0)
        direct = rest.filter(created)
        others = rest.filter(pc.invert(created))
        columns = [person_ids.filter(created)]
        columns += [direct.column(name) for name in WORK_COLUMNS]
        columns.append(pa.repeat(pa.scalar(self.batch_id, pa.int64()), direct.num_rows))
        work = pa.Table.from_arrays(columns, names=["person_id", *WORK_COLUMNS, "import_batch_id"])
        return _csv(work), direct.num_rows, others if others.num_rows else None

    def _prepare(
        self, records: list[Record], rest: list[pa.Table], people: dict[str, int]
    ) -> Prepared:
        """What the merging thread copies straight in if no person or household of the chunk
        is stored (in the importing thread, which has time to spare while the server writes)."""
        import pyarrow as pa

        firsts = [record for record in records if record[_ID_NUMBER] is not None]
        if self._side is None:
            self._side = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        side = self._side.connection.driver_connection
        assert side is not None
        with side.cursor() as cursor:
            households, persons, ids = self._new_data(cursor, firsts)
        created = _numbered(_indexed(ids, firsts), people)
        _assign(self._planned, created)
        work: list[Any] = []
        rows, others = 0, None
        if rest:
            parts, rows, others = self._split(pa.concat_tables(rest), self._planned)
            work = list(parts)
        return Prepared(
            households, persons, created, work, rows, others, self._left(records, firsts)
        )

    def _copy_prepared(self, cursor: Any, prepared: Prepared) -> bool:
        """Write a prepared chunk; False (nothing written) when one of its persons or
        households is stored after all."""
        if not _copy_new_rows(cursor, prepared.households, prepared.persons, prepared.work):
            return False
        _assign(self._created, prepared.created)
        self.counts.inserted += prepared.work_rows
        self.counts.staged += prepared.work_rows
        return True

    def _create(self, cursor: Any, records: list[Record], people: dict[str, int]) -> list[Record]:
        """Copy the persons and households of a chunk that are new to the database straight
        into their tables; the records left to stage and merge (a new person's first record
        still carries its work row, without the person's data).

        A household stays with the merge when it is stored, or when a record of this chunk
        names it for a stored person: then the merge decides what it keeps, as ever. The ids
        are taken from the tables' sequences first, so that the persons' work rows (the
        columnar path's, ``_merge_rest``) are copied straight in too. (Until a chunk meets a
        stored person or household, its persons are all taken to be new and written from
        what ``_prepare`` made of them: an import into empty tables pays for no lookups.)
        """
        firsts = [record for record in records if record[_ID_NUMBER] is not None]
        if not firsts:
            return records
        stored = {
            index
            for (index,) in cursor.execute(
                "SELECT id_index FROM person WHERE id_index = ANY(%s)",
                [[record[_ID_INDEX] for record in firsts]],
            )
        }
        merged = {
            number
            for (number,) in cursor.execute(
                "SELECT household_number FROM household WHERE household_number = ANY(%s)",
                [list({record[_HOUSEHOLD] for record in firsts} - {None})],
            )
        }
        merged.update(record[_HOUSEHOLD] for record in firsts if record[_ID_INDEX] in stored)
        new = [
            record
            for record in firsts
            if record[_ID_INDEX] not in stored and record[_HOUSEHOLD] not in merged
        ]
        if not new or not self._copy_new(cursor, new, people):
            return records
        return self._left(records, new)

    def _copy_new(self, cursor: Any, records: list[Record], people: dict[str, int]) -> bool:
        """COPY the persons of ``records`` and their households, which must be new; False
        (nothing written) when one of them is stored after all."""
        households, persons, person_ids = self._new_data(cursor, records)
        if not _copy_new_rows(cursor, households, persons):
            return False
        _assign(self._created, _numbered(_indexed(person_ids, records), people))
        return True

    def _new_data(
        self, cursor: Any, records: list[Record]
    ) -> tuple[list[bytes], list[bytes], Sequence[int]]:
        """The COPY data of the persons of ``records`` (first records) and of their households
        (each from its first record), with ids taken from the sequences; the persons' ids."""
        households: dict[str, Record] = {}
        for record in records:
            number = record[_HOUSEHOLD]
            if number is not None and (
                number not in households
                or int(str(record[_ROW])) < int(str(households[number][_ROW]))
            ):
                households[number] = record
        household_ids = dict(
            zip(households, self._ids(cursor, "household", len(households)), strict=True)
        )
        person_ids = self._ids(cursor, "person", len(records))
        household_rows = _text(
            (
                str(household_ids[number]),
                number,
                record[_REGION],
                record[_TYPE] or "none",
                record[_CATEGORY],
                "f",
                str(self.batch_id),
            )
            for number, record in households.items()
        )
        person_rows = _text(
            (
                str(id_),
                None if (home := record[_HOUSEHOLD]) is None else str(household_ids[home]),
                *(record[i] for i in _PERSON_VALUES),
            )
            for id_, record in zip(person_ids, records, strict=True)
        )
        return list(household_rows), list(person_rows), person_ids

    @staticmethod
    def _left(records: list[Record], created: list[Record]) -> list[Record]:
        """The records still to merge once the persons of ``created`` were copied: their work
        rows (a row-by-row first record carries one) and the others."""
        done = {id(record) for record in created}
        return [
            (*record[:_HOUSEHOLD], *_NO_PERSON) if id(record) in done else record
            for record in records
            if id(record) not in done or record[_START] is not None
        ]

    def _ids(self, cursor: Any, table: str, count: int) -> Sequence[int]:
        """``count`` ids of ``table``, taken from its sequence: a range when nobody else took
        one meanwhile (as usual), else a list taken anew (the range's ids stay unused)."""
        if not count:
            return []
        sequence = self._sequences.get(table)
        if sequence is None:
            sequence = cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')::regclass::oid", [table]
            ).fetchone()[0]
            self._sequences[table] = sequence
        first, last = cursor.execute(
            "SELECT min(id), max(id) FROM (SELECT nextval(%s::oid) AS id "
            "FROM generate_series(1, %s)) AS s",
            [sequence, count],
        ).fetchone()
        if last - first + 1 == count:
            return range(first, last + 1)
        return [
            id_
            for (id_,) in cursor.execute(
                "SELECT nextval(%s::oid) FROM generate_series(1, %s)", [sequence, count]
            )
        ]


def _copy_new_rows(cursor: Any, *parts_of: list[Any]) -> bool:
    """COPY new households, persons and (when given) their work rows, under a savepoint;
    False (nothing written) when one of them is stored after all."""
    cursor.execute("SAVEPOINT import_create")
    try:
        for sql, parts in zip(_NEW_ROWS_COPIES, parts_of, strict=False):
            if parts:
                with cursor.copy(sql) as copy:
                    _write(copy, parts)
    except UniqueViolation:
        cursor.execute("ROLLBACK TO SAVEPOINT import_create")
        return False
    cursor.execute("RELEASE SAVEPOINT import_create")
    return True


def _indexed(ids: Iterable[int], records: list[Record]) -> Iterator[tuple[int, str]]:
    """(id, blind index) of the persons of first ``records``."""
    return ((id_, str(record[_ID_INDEX])) for id_, record in zip(ids, records, strict=True))


def _numbered(persons: Iterable[tuple[int, str]], people: dict[str, int]) -> list[tuple[int, int]]:
    """(person number, id) of the persons (id, blind index) whose number ``people`` knows."""
    return [(people[index], id_) for id_, index in persons if index in people]


def _assign(ids: array[int], created: Iterable[tuple[int, int]]) -> None:
    """Each person number's id (``created``) into ``ids``, by person number."""
    for number, id_ in created:
        _grow(ids, number)
        ids[number] = id_


def _grow(ids: array[int], number: int) -> None:
    if number >= len(ids):
        ids.extend(repeat(0, number + 1 - len(ids)))


# Rows per part of a COPY's data: PostgreSQL reads a part while the next one is made.
PART_ROWS = 2048


def _text(records: Iterable[Sequence[str | None]]) -> Iterator[bytes]:
    """Records as COPY's text format (their values hold no tab or line break), in parts."""
    lines: list[str] = []
    for record in records:
        line = "\t".join(["\x00" if value is None else value for value in record])
        if "\\" in line:
            line = line.replace("\\", "\\\\")
        lines.append(line.replace("\x00", "\\N"))
        if len(lines) == PART_ROWS:
            lines.append("")
            yield "\n".join(lines).encode()
            lines = []
    if lines:
        lines.append("")
        yield "\n".join(lines).encode()


def _csv(table: pa.Table) -> Iterator[Any]:
    """A table as COPY's csv, in parts: an empty cell is NULL, every string is quoted."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    options = pa_csv.WriteOptions(include_header=False)
    for offset in range(0, table.num_rows, 4 * PART_ROWS):
        out = pa.BufferOutputStream()
        pa_csv.write_csv(table.slice(offset, 4 * PART_ROWS), out, options)
        yield memoryview(out.getvalue())


def _write(copy: Any, parts: Iterable[Any]) -> None:
    for part in parts:
        copy.write(part)


_BOOLEAN = {"t": 1, "f": 0, None: None}
_CONVERT = {
    index: (_BOOLEAN.__getitem__ if kind == "boolean" else int)
    for index, (_, kind) in enumerate(STAGE_COLUMNS)
    if kind in ("boolean", "bigint", "integer")
}


class SqliteSink:
    """Batched inserts into a TEMP staging table and the same merge, inline, each chunk
    committed (SQLite has one writer: the others get their turn between chunks)."""

    def __init__(self, connection: Connection, header: Header, batch_id: int) -> None:
        self.connection = connection
        self.sql = statements(header, batch_id, "sqlite")
        self.counts = Counts()
        _create(_Driver(connection), postgres=False)
        marks = ", ".join("?" for _ in STAGE_COLUMNS)
        self._insert = f"INSERT INTO import_stage ({NAMES}) VALUES ({marks})"

    def put(self, records: list[Record]) -> None:
        run = self.connection.exec_driver_sql
        rows = [
            tuple(
                _CONVERT[i](value) if value is not None and i in _CONVERT else value
                for i, value in enumerate(record)
            )
            for record in records
        ]
        run("DELETE FROM import_stage")
        run("DELETE FROM import_changed_person")
        run(self._insert, rows)
        if self.sql.employment is not None:
            run(self.sql.households)
            run(self.sql.persons)
            before = run("SELECT count(*) FROM monitoring_employment").scalar_one()
            changed = run(self.sql.employment).rowcount
            inserted = run("SELECT count(*) FROM monitoring_employment").scalar_one() - before
            self.counts.inserted += inserted
            self.counts.updated += changed - inserted
            self.counts.staged += len(rows)
            self.connection.commit()  # release SQLite's one write lock between chunks
            return
        households = [(row[0],) for row in run(self.sql.households).fetchall()]
        if households:
            run("INSERT INTO import_changed_household VALUES (?)", households)
        existing = {
            row[0]
            for row in run(
                "SELECT s.id_index FROM import_stage s JOIN person p ON p.id_index = s.id_index"
            )
        }
        people = [(row[0], row[0] not in existing) for row in run(self.sql.persons).fetchall()]
        if people:
            run("INSERT INTO import_changed_person VALUES (?, ?)", people)
        assert self.sql.count is not None
        inserted, updated, staged = run(self.sql.count).one()
        self.counts.inserted += inserted
        self.counts.updated += updated
        self.counts.staged += staged
        self.connection.commit()

    def finish(self) -> Counts:
        return self.counts

    def abort(self) -> None:
        pass


class _Driver:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def execute(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)


def open_sink(connection: Connection, header: Header, batch_id: int) -> PostgresSink | SqliteSink:
    if connection.dialect.name == "postgresql":
        return PostgresSink(connection, header, batch_id)
    return SqliteSink(connection, header, batch_id)
