"""The work table's csv rows by blocks of columns (pyarrow), converted by array operations.

The row-by-row path (``WorkRows.convert`` on the rows of ``csv.reader``) stays the reference:
this one gives the same records, problems and warnings, and hands back to it whatever it does
not take on. A block of lines is read by pyarrow only when the csv module would read it the
same way: no quote and one number of cells on every line (pyarrow refuses the block
otherwise; blank lines and lone carriage returns both read alike); its rows are converted
here only when none of them has a problem, a duplicate, an ID number seen for the first time
that is invalid, a row wider than the header or a month outside the bits of ``People`` (the
block is converted row by row otherwise, from the same cells). A quote sends the rest of the
file to the csv module (a quoted cell may hold line breaks). Memory stays bounded: one block
of ``BLOCK_BYTES`` at a time.

What a block converts to: the records of its people's first rows, built by ``WorkRows._row``
itself (so their person data, region warnings and the state of ``People`` are the reference's)
but staged without their start month (they make the household and the person only), and a
table of all its rows' work columns with their person's number and blind index.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from db.errors import InvalidValueError
from db.imports import values
from db.imports.cells import CACHE_LIMIT
from db.imports.errors import UnreadableFile
from db.imports.people import _MONTH_BASE
from db.imports.records import WORK_COLUMNS, Record
from db.imports.work_rows import WorkRows
from db.malloc import M_ARENA_MAX, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt
from db.pii import normalize_id
from policy.errors import InvalidIdNumber
from policy.ric import parse as parse_id

# The system's allocator gives freed blocks back: the default pool (mimalloc) keeps some 40 MB
# more resident over an import of a million rows (the importer's bar is 300 MB).
pa.set_memory_pool(pa.system_memory_pool())
_MALLOC_BYTES = 256 * 1024
_GLIBC_DEFAULT_BYTES = 128 * 1024  # glibc's mmap and trim thresholds before it adapts them


@contextmanager
def returning_memory() -> Iterator[None]:
    """While a csv is imported, have glibc's malloc give back what the blocks and chunks
    (megabytes each, made and freed all the time, in two threads) used: a fixed mmap threshold
    (glibc raises it after each freed block, and blocks then stay in the heap) and trimming;
    one arena where the process has not fixed its number yet. Some 50 MB less resident over
    a million rows, no slower. Afterwards the thresholds are glibc's defaults again (fixed
    from then on); the arena limit stays, as glibc keeps the first it applies (`wugong
    worker` starts its processes with two). Nothing elsewhere than glibc."""
    for option, value in (
        (M_ARENA_MAX, 1),
        (M_MMAP_THRESHOLD, _MALLOC_BYTES),
        (M_TRIM_THRESHOLD, _MALLOC_BYTES),
    ):
        mallopt(option, value)
    try:
        yield
    finally:
        mallopt(M_MMAP_THRESHOLD, _GLIBC_DEFAULT_BYTES)
        mallopt(M_TRIM_THRESHOLD, _GLIBC_DEFAULT_BYTES)


BLOCK_BYTES = 2 << 20  # 2 MB of lines a block: fewer per-block costs, 6 MB more resident than 1 MB
_HEADER_SAMPLE = 1 << 20
REST_COLUMNS = ("person", "id_index", *WORK_COLUMNS)  # row i of a block at i

Row = tuple[int, list[Any]]  # (row number, cells) as csv.reader gives them
Unit = tuple[int, "pa.Table | None", list[Any] | None]  # (first row number, table, or cells)


class Blocks:
    """The data rows after the header of a csv file: as tables of lines pyarrow reads like
    the csv module would, else as rows of cells from the csv module."""

    def __init__(self, path: Path, encoding: str, delimiter: str, header_row: int) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter
        self.header_row = header_row
        self.size = path.stat().st_size
        self.read = 0

    def progress(self) -> float:
        return min(1.0, self.read / self.size) if self.size else 1.0

    def start(self) -> int | None:
        """The byte offset after the header row, None when it is not found in the sample."""
        with self.path.open("rb") as raw:
            sample = raw.read(_HEADER_SAMPLE)
        text = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(sample)
        consumed = 0
        lines = io.StringIO(text, newline="")

        def feed() -> Iterator[str]:
            nonlocal consumed
            for line in lines:
                consumed += len(line)
                yield line

        try:
            for number, _ in enumerate(csv.reader(feed(), delimiter=self.delimiter), start=1):
                if number == self.header_row:
                    if "\ufffd" in text[:consumed]:
                        return None
                    return len(text[:consumed].encode(self.encoding))
        except csv.Error:
            return None
        return None

    def units(self, offset: int) -> Iterator[Unit]:
        """(first row number, table, None) for a block pyarrow read, (row number, None, cells)
        for a row of the csv module."""
        number = self.header_row
        encoding = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        # One buffer for the whole file: a block is read in after the unfinished line of the
        # one before, and handed on without a copy (a fresh megabyte per block costs the
        # importing thread some 0.4 s of page faults per million rows).
        buffer = bytearray(2 * BLOCK_BYTES)
        kept = 0  # the unfinished line at the start of the buffer
        with self.path.open("rb") as raw:
            raw.seek(offset)
            self.read = offset
            while True:
                if len(buffer) - kept < BLOCK_BYTES:  # a line longer than a block
                    buffer.extend(bytes(BLOCK_BYTES))
                with memoryview(buffer) as view:
                    read = raw.readinto(view[kept : kept + BLOCK_BYTES])
                self.read += read
                end = kept + read
                if read:
                    cut = buffer.rfind(b"\n", kept, end)
                    if cut < 0:
                        kept = end
                        continue
                    size = cut + 1
                elif not end:
                    return
                else:
                    size = end
                if encoding == "utf-8":
                    utf8, size_utf8 = buffer, size
                else:
                    utf8 = bytearray(self._decode(bytes(buffer[:size]), encoding).encode())
                    size_utf8 = len(utf8)
                if utf8.find(b'"', 0, size_utf8) >= 0:
                    yield from self._rest(number, bytes(buffer[:end]), raw, encoding)
                    return
                table = self._table(utf8, size_utf8)
                if table is not None:
                    yield number + 1, table, None
                    number += table.num_rows
                else:
                    number = yield from self._rows(number, bytes(buffer[:size]), encoding)
                if not read:
                    return
                buffer[: end - size] = buffer[size:end]
                kept = end - size

    def _rows(self, number: int, block: bytes, encoding: str) -> Generator[Unit, None, int]:
        """The rows of a block through the csv module; the number of the last."""
        for cells in csv.reader(
            io.StringIO(self._decode(block, encoding), newline=""), delimiter=self.delimiter
        ):
            number += 1
            yield number, None, cells
        return number

    def _decode(self, block: bytes, encoding: str) -> str:
        try:
            return block.decode(encoding)
        except UnicodeDecodeError:
            raise UnreadableFile(
                f"{self.path.name}: the text is neither UTF-8 nor GBK (read as {self.encoding})"
            ) from None

    def _table(self, buffer: bytearray, size: int) -> pa.Table | None:
        """The lines of ``buffer[:size]`` as read by pyarrow, None when the csv module could
        read them otherwise. The table holds copies of the cells: the buffer is free again."""
        newline = buffer.find(b"\n", 0, size)
        width = buffer.count(self.delimiter.encode(), 0, newline if newline >= 0 else size) + 1
        names = [f"c{i}" for i in range(width)]
        with memoryview(buffer) as view, view[:size] as block:
            try:
                table: pa.Table = pa_csv.read_csv(
                    pa.py_buffer(block),
                    read_options=pa_csv.ReadOptions(
                        column_names=names, use_threads=False, block_size=size + 1
                    ),
                    parse_options=pa_csv.ParseOptions(
                        delimiter=self.delimiter,
                        quote_char=False,
                        double_quote=False,
                        ignore_empty_lines=False,
                    ),
                    convert_options=pa_csv.ConvertOptions(
                        column_types=dict.fromkeys(names, pa.string()),
                        strings_can_be_null=False,
                        quoted_strings_can_be_null=False,
                    ),
                ).combine_chunks()
            except (pa.ArrowInvalid, pa.ArrowException):
                return None
        # Both readers end a line at a lone carriage return too, and read a blank line as a row
        # with no value (empty cells here, no cells there: blank to the converter either way).
        return table

    def _rest(self, number: int, block: bytes, raw: Any, encoding: str) -> Iterator[Unit]:
        """The rest of the file through the csv module, from the start of ``block``."""
        decoder = codecs.getincrementaldecoder(encoding)()

        def text() -> Iterator[str]:
            try:
                yield decoder.decode(block)
                while data := raw.read(BLOCK_BYTES):
                    self.read += len(data)
                    yield decoder.decode(data)
                yield decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise UnreadableFile(
                    f"{self.path.name}: the text is neither UTF-8 nor GBK (read as {self.encoding})"
                ) from None

        lines = chain.from_iterable(io.StringIO(part, newline="") for part in text())
        try:
            for cells in csv.reader(_joined(lines), delimiter=self.delimiter):
                number += 1
                yield number, None, cells
        except csv.Error as error:
            raise UnreadableFile(f"{self.path.name}: not a readable csv file ({error})") from None


def _joined(lines: Iterator[str]) -> Iterator[str]:
    """Whole lines again where a decoded part ended mid-line (or between CR and LF)."""
    carry = ""
    for line in lines:
        if carry.endswith("\r") and not line.startswith("\n"):
            yield carry
            carry = ""
        carry += line
        if carry.endswith("\n"):
            yield carry
            carry = ""
    if carry:
        yield carry


@dataclass
class Block:
    """A converted block: its rows, the records of first rows (by position) and the rest."""

    rows: int
    records: list[tuple[int, Record, int]]  # (position, record, person number)
    rest: pa.Table  # REST_COLUMNS


def _combos(columns: list[pa.Array | None], rows: int) -> tuple[pa.Array, list[tuple[Any, ...]]]:
    """Each row's combination of the columns' values (an index) and the distinct ones."""
    code: pa.Array | None = None
    distinct = 1
    steps: list[tuple[list[Any] | None, list[int] | None, int]] = []
    for column in columns:
        if column is None:
            steps.append((None, None, 1))
            continue
        encoded = pc.dictionary_encode(column)
        indices = encoded.indices.cast(pa.int64())
        words = encoded.dictionary.to_pylist()
        if code is None:
            code = indices
            distinct = len(words)
            steps.append((words, None, len(words)))
            continue
        combined = pc.dictionary_encode(pc.add(pc.multiply(code, len(words)), indices))
        code = combined.indices.cast(pa.int64())
        distinct = len(combined.dictionary)
        steps.append((words, combined.dictionary.to_pylist(), len(words)))
    if code is None:
        return pa.array([0] * rows, pa.int64()), [tuple(None for _ in columns)]
    keys = []
    for j in range(distinct):
        key: list[Any] = []
        position = j
        for words, combined_codes, size in reversed(steps):
            if words is None:
                key.append(None)
            elif combined_codes is None:
                key.append(words[position])
            else:
                value = combined_codes[position]
                position, index = divmod(value, size)
                key.append(words[index])
        keys.append(tuple(reversed(key)))
    return code, keys


def _months_of(
    months: list[int], persons: pa.Array, offsets: pa.Array
) -> list[tuple[int, int]] | None:
    """Each person's months of a block as bits (``People._months``), or None when a month is
    there twice: in the block, or in a person's records before it."""
    count = len(persons)
    keys = pc.add(pc.multiply(persons, 1024), offsets)
    if pc.count_distinct(keys).as_py() != count:
        return None
    seen = len(months)
    earlier = pc.less(persons, seen)
    if pc.any(earlier).as_py():
        for person, offset in zip(
            persons.filter(earlier).to_pylist(), offsets.filter(earlier).to_pylist(), strict=True
        ):
            if months[person] >> offset & 1:
                return None
    # A person's months as 64-bit words, each the sum of its distinct bits: sorted by person
    # and word, a word's sum is the difference of running sums at the ends of its run (they
    # may wrap around 2**64; so does the difference). Compute kernels only: no Acero engine
    # (a group_by) to load, 14 MB.
    keys = pc.add(pc.multiply(persons, 16), pc.shift_right(offsets, 6))
    order = pc.sort_indices(keys)
    keys = keys.take(order)
    bits = pc.shift_left(
        pa.scalar(1, pa.uint64()), pc.bit_wise_and(offsets, 63).cast(pa.uint64())
    ).take(order)
    ends = pa.concat_arrays(
        [
            pc.indices_nonzero(pc.not_equal(keys.slice(0, count - 1), keys.slice(1))),
            pa.array([count - 1], pa.uint64()),
        ]
    )
    sums = pc.cumulative_sum(bits).take(ends)
    before = pa.concat_arrays([pa.array([0], pa.uint64()), sums.slice(0, len(sums) - 1)])
    return [
        (key >> 4, bit << (64 * (key & 15)))
        for key, bit in zip(
            keys.take(ends).to_pylist(), pc.subtract(sums, before).to_pylist(), strict=True
        )
    ]


class ColumnarWork:
    """Converts blocks of the work table's rows as ``WorkRows`` would, or refuses them."""

    def __init__(self, rows: WorkRows) -> None:
        self.rows = rows

    def convert(self, first: int, table: pa.Table) -> Block | None:  # noqa: C901
        rows = self.rows
        people = rows.people
        count, width = table.num_rows, table.num_columns
        if width > rows.width or count == 0:
            return None

        def column(field: str) -> pa.Array | None:
            index = rows.index[field]
            return table.column(index).chunk(0) if index < width else None

        outputs: list[pa.Array] = []
        offsets: pa.Array | None = None
        for fields, parse, parsed_keys in rows.group_specs:
            codes, keys = _combos([column(f) for f in fields], count)
            found = []
            for key in keys:
                parsed = parsed_keys.get(key)
                if parsed is None:
                    parsed = parse(key)
                    if len(parsed_keys) < CACHE_LIMIT:
                        parsed_keys[key] = parsed
                if parsed[1]:
                    return None
                found.append(parsed[0])
            for position in range(len(found[0])):
                words = pa.array([value[position] for value in found], pa.string())
                outputs.append(words.take(codes))
            if offsets is None:
                months = []
                for value in found:
                    start = value[2]
                    assert start is not None  # a missing start is a problem
                    offset = int(start[:4]) * 12 + int(start[5:7]) - _MONTH_BASE
                    if not 0 <= offset < 1024:
                        return None
                    months.append(offset)
                offsets = pa.array(months, pa.int64()).take(codes)
        assert offsets is not None
        ids = column("id_number")
        if ids is None:
            return None
        encoded = pc.dictionary_encode(ids)
        raws = encoded.dictionary.to_pylist()
        numbers: list[int] = []  # the person number of each raw
        pending: dict[str, int] = {}
        next_number = len(people._months)
        new: list[int] = []  # the raws that create a person
        for j, raw in enumerate(raws):
            known = people.by_id.get(raw)
            if known.__class__ is not int:
                known = people.by_spelling.get(raw)
            if known is not None:
                numbers.append(known)
                continue
            try:
                number = normalize_id(values.text(raw))
            except InvalidValueError:
                return None
            known = people.by_id.get(number)
            if isinstance(known, str):
                return None
            if known is not None:
                numbers.append(known)
                continue
            if number in pending:
                numbers.append(pending[number])
                continue
            try:
                people.checked[number] = parse_id(number, people.today)
            except InvalidIdNumber:
                return None
            pending[number] = next_number
            numbers.append(next_number)
            next_number += 1
            new.append(j)
        # The first row of each raw: raws are numbered in the order they first appear, so a
        # row is a raw's first where its number exceeds every number before it.
        codes = encoded.indices
        before = pa.concat_arrays(
            [pa.array([-1], codes.type), pc.cumulative_max(codes).slice(0, count - 1)]
        )
        firsts = pc.indices_nonzero(pc.greater(codes, before)).to_pylist()
        first_rows = [firsts[j] for j in new]
        names = column("name")
        if first_rows:
            name_cells = names.take(pa.array(first_rows)).to_pylist() if names else []
            if names is None or any(rows.texts[64](name) is None for name in name_cells):
                return None
        # Duplicates: each person's months, this block's added to those seen before.
        person_of_row = pa.array(numbers, pa.int64()).take(codes)
        bits = _months_of(people._months, person_of_row, offsets)
        if bits is None:
            return None
        # Nothing refused: the first rows through the reference, then the months.
        records: list[tuple[int, Record, int]] = []
        if first_rows:
            taken = table.take(pa.array(first_rows))
            cells_of = zip(*(c.to_pylist() for c in taken.columns), strict=True)
            padding = [None] * (rows.width + 1 - width)
            for i, j, cells in zip(first_rows, new, cells_of, strict=True):
                problems: list[Any] = []
                record = rows._row(first + i, [*cells, *padding], problems)
                if record is None or problems:
                    raise AssertionError(f"row {first + i}: the columnar check let a problem by")
                # Its work columns go with the other rows (straight into monitoring_employment
                # when the person is created): staged without a start month, the record only
                # makes the household and the person.
                staged = (*record[:4], None, *record[5:])
                records.append((i, staged, numbers[j]))
        months = people._months
        for person, held in bits:
            months[person] |= held
        columns = [
            person_of_row,
            pa.array([people.index(number) for number in numbers], pa.string()).take(codes),
            *outputs,
        ]
        rest = pa.Table.from_arrays(columns, names=list(REST_COLUMNS))
        return Block(count, records, rest)
