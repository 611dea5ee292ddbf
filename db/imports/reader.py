"""Streaming rows out of xlsx (openpyxl read-only) and csv (utf-8, utf-8-sig, gbk) files."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from db.imports.columns import HEADER_SEARCH_ROWS, Header, missing_columns_hint, read_header
from db.imports.errors import HeaderNotFound, UnknownFormat, UnreadableFile

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls
_SAMPLE_BYTES = 64 * 1024
# csv rows may be long (free-text columns), never unbounded: a broken quote must not make one
# "field" swallow the whole file into memory.
csv.field_size_limit(1 << 20)


@dataclass
class Sheet:
    """The header of a file and its data rows as (row number, cells), read one by one."""

    header: Header
    rows: Iterator[tuple[int, Sequence[Any]]]
    progress: Callable[[], float]  # the share of the file read so far, 0.0 to 1.0
    csv_format: tuple[str, str] | None = None  # a csv file's (encoding, delimiter)


def file_format(path: Path) -> str:
    """'xlsx' or 'csv', from the first bytes and then the name; UnknownFormat otherwise."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except FileNotFoundError:
        raise UnreadableFile(f"file not found: {path}") from None
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror}") from None
    if magic == _ZIP_MAGIC:
        return "xlsx"
    if magic == _OLE_MAGIC:
        raise UnknownFormat(f"{path.name}: old Excel (.xls) files are not read; save it as xlsx")
    if path.suffix.lower() in (".csv", ".txt"):
        return "csv"
    raise UnknownFormat(f"{path.name}: not an xlsx or csv file")


@contextmanager
def open_sheet(path: Path) -> Iterator[Sheet]:
    """The first sheet of ``path`` that has a header row, opened for streaming."""
    if file_format(path) == "xlsx":
        with _xlsx(path) as sheet:
            yield sheet
    else:
        with _csv(path) as sheet:
            yield sheet


def _find_header(
    rows: Iterator[tuple[int, Sequence[Any]]],
) -> tuple[Header | None, list[Sequence[Any]]]:
    seen: list[Sequence[Any]] = []
    for number, cells in islice(rows, HEADER_SEARCH_ROWS):
        header = read_header(number, cells)
        if header is not None:
            return header, seen
        seen.append(cells)
    return None, seen


def _no_header(path: Path, seen: list[Sequence[Any]]) -> HeaderNotFound:
    return HeaderNotFound(
        f"{path.name}: no header row in the first {HEADER_SEARCH_ROWS} rows "
        f"(columns such as {missing_columns_hint(seen)} are needed)"
    )


@contextmanager
def _xlsx(path: Path) -> Iterator[Sheet]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError and XML errors alike
        raise UnreadableFile(f"{path.name}: not a readable xlsx file ({error})") from None
    try:
        seen_all: list[Sequence[Any]] = []
        for worksheet in workbook.worksheets:
            rows = enumerate(worksheet.iter_rows(values_only=True), start=1)
            header, seen = _find_header(rows)
            seen_all += seen
            if header is None:
                continue
            yield _tracked(header, rows, worksheet.max_row or 0)
            return
        raise _no_header(path, seen_all)
    finally:
        workbook.close()


def _tracked(header: Header, rows: Iterator[tuple[int, Sequence[Any]]], total: int) -> Sheet:
    """A sheet whose progress is the last row number read against the sheet's dimension."""
    position = [header.row_number]

    def data() -> Iterator[tuple[int, Sequence[Any]]]:
        for number, cells in rows:
            position[0] = number
            yield number, cells

    def progress() -> float:
        return min(1.0, position[0] / total) if total else 0.0

    return Sheet(header, data(), progress)


def read_text(path: Path) -> str:
    """A small csv file's text: UTF-8 (with or without a BOM), else GB18030 (which reads GBK)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(f"file not found: {path}") from None
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{path.name}: the text is neither UTF-8 nor GBK") from None


def _encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # Not final: the sample may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"  # GBK exports (Excel on Chinese Windows); GB18030 reads all of GBK


def _delimiter(sample: str) -> str:
    lines = sample.splitlines()[:HEADER_SEARCH_ROWS]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    return max(counts, key=lambda d: (counts[d], d == ","))


@contextmanager
def _csv(path: Path) -> Iterator[Sheet]:
    raw = path.open("rb")
    try:
        size = path.stat().st_size
        sample = raw.read(_SAMPLE_BYTES)
        raw.seek(0)
        encoding = _encoding(sample)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        delimiter = _delimiter(sample.decode(encoding, errors="ignore"))
        rows = enumerate(csv.reader(text, delimiter=delimiter), start=1)
        checked = _checked(path, encoding, rows)
        header, seen = _find_header(checked)
        if header is None:
            raise _no_header(path, seen)

        def progress() -> float:
            # The buffered reader runs ahead of the csv reader by one buffer: close enough.
            return min(1.0, raw.tell() / size) if size else 1.0

        yield Sheet(header, checked, progress, (encoding, delimiter))
    finally:
        raw.close()


def _checked(
    path: Path, encoding: str, rows: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        yield from rows
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"{path.name}: the text is neither UTF-8 nor GBK (read as {encoding})"
        ) from None
    except csv.Error as error:
        raise UnreadableFile(f"{path.name}: not a readable csv file ({error})") from None
