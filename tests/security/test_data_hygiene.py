"""Data hygiene (issue 13, point 7): var/ private to the service user, imported files deleted,
personal numbers masked in logs however they are written, no SQL parameters in logs, and
spreadsheet cells that never become formulas."""

from __future__ import annotations

import io
import logging
import os
import stat
import subprocess
import sys

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from db.engine import make_engine
from db.logging_filter import RedactingFilter
from db.models import ImportBatch
from db.xlsx import add_styles, cell
from tests.imports.conftest import WORK_XLSX, sample_rows, write_xlsx
from tests.imports.test_import_chat import ADMIN, document, run_worker, send
from tests.test_serve import clean_environment, fetch, free_port, start_server, stop, wait_healthy

NAME = "李建国"
SPACED_ID = "1405 2119 9001 0153 14"
DASHED_ID = "140521-19900101-5314"
DASHED_PHONE = "138-0013-8000"
SPACED_CARD = "6222 0212 3456 7890 123"
ACCOUNT_10 = "6217000012"


def modes(folder) -> dict[str, int]:
    """The permission bits of a folder and of everything under it."""
    found = {str(folder): stat.S_IMODE(folder.stat().st_mode)}
    for root, directories, files in os.walk(folder):
        for name in directories + files:
            path = os.path.join(root, name)
            found[path] = stat.S_IMODE(os.stat(path).st_mode)
    return found


def test_a_real_start_keeps_var_private_and_tightens_what_was_readable(tmp_path):
    """Given a var/ folder and an (empty) SQLite file others may read, as a default umask
    leaves them, `wugong serve` makes them private, and everything it creates under var/
    (database, WAL, key, folders) is readable by the service user only."""
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    (var / "wugong.sqlite3").touch()
    os.chmod(var / "wugong.sqlite3", 0o644)
    port = free_port()
    process = start_server(tmp_path, clean_environment(WUGONG_HTTP_PORT=str(port)))
    try:
        wait_healthy(process, f"http://127.0.0.1:{port}")
        assert fetch(f"http://127.0.0.1:{port}/")[0] == 200
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    found = modes(var)
    assert (var / "secret.key").exists() and (var / "wugong.sqlite3").stat().st_size > 0
    readable = {path: oct(mode) for path, mode in found.items() if mode & 0o077}
    assert readable == {}


def test_a_one_shot_command_creates_var_private(tmp_path):
    """`wugong db upgrade` in a fresh folder: var/ is created 0700, its files 0600."""
    result = subprocess.run(
        [sys.executable, "-m", "wugong.cli", "db", "upgrade"],
        cwd=tmp_path, env=clean_environment(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = modes(tmp_path / "var")
    assert found[str(tmp_path / "var")] == 0o700
    assert all(mode & 0o077 == 0 for mode in found.values()), found


def uploads_left(installed) -> list[str]:
    folder = installed.paths.var_dir / "imports"
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".errors.xlsx"))


def test_an_imported_file_is_deleted_after_a_successful_import(
    broker,
    installed,
    fake,
    chats,
    session_factory,
    tmp_path,
):
    """The export (a county's ID numbers in plaintext) does not stay on disk once imported;
    the error file lists a cell written as a formula as text."""
    rows = sample_rows(WORK_XLSX)
    rows[3][rows[2].index("证件号码")] = "@SUM(1+1)*cmd"
    fake.files["doc-1"] = write_xlsx(tmp_path / "upload.xlsx", rows).read_bytes()
    send(chats, ADMIN, text="/import")
    send(chats, ADMIN, file=document("doc-1", WORK_XLSX))
    run_worker(broker)
    with session_factory() as session:
        batch = session.scalars(sa.select(ImportBatch)).one()
        assert batch.errors == 1
    assert fake.downloads == ["doc-1"]
    assert uploads_left(installed) == []
    error_files = list((installed.paths.var_dir / "imports").glob("*.errors.xlsx"))
    sheet = load_workbook(error_files[0]).worksheets[0]
    written = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value and "SUM" in
               str(c.value)]  # fmt: skip
    assert [(c.value, c.data_type) for c in written] == [("@SUM(1+1)*cmd", "s")]


def test_an_imported_file_is_deleted_after_a_failed_import(
    broker,
    installed,
    fake,
    chats,
    session_factory,
):
    """A file that is no spreadsheet fails the import, and is deleted all the same."""
    fake.files["doc-2"] = b"140581199003151232 not a spreadsheet"
    send(chats, ADMIN, text="/import")
    send(chats, ADMIN, file=document("doc-2", WORK_XLSX))
    run_worker(broker)
    with session_factory() as session:
        assert session.scalars(sa.select(ImportBatch.status)).one() == "failed"
    assert fake.downloads == ["doc-2"]
    assert uploads_left(installed) == []


def logged(emit) -> str:
    """What the log says, through the filter every wugong handler has."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.security.hygiene")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_numbers_written_with_spaces_or_dashes_are_masked_in_logs():
    line = logged(
        lambda log: log.warning(
            "ID %s or %s, phone %s, card %s, account %s, at 2026-12-07 14:45:30, update 98765",
            SPACED_ID,
            DASHED_ID,
            DASHED_PHONE,
            SPACED_CARD,
            ACCOUNT_10,
        )
    )
    for number in (SPACED_ID, DASHED_ID, DASHED_PHONE, SPACED_CARD, ACCOUNT_10):
        assert number not in line
    assert "1405**********5314" in line and "138****8000" in line
    assert "6222***********0123" in line and "6217**0012" in line
    assert "2026-12-07 14:45:30" in line and "update 98765" in line  # dates and ids stay


@pytest.mark.postgres
def test_a_nul_byte_on_postgresql_logs_no_statement_parameters(postgres_url):
    """A NUL byte in a value fails the statement on PostgreSQL; the error, logged with its
    traceback, names neither the person nor their ID number (parameters are never logged)."""
    engine = make_engine(postgres_url)
    try:
        with pytest.raises(sa.exc.DBAPIError) as failed, engine.connect() as connection:
            connection.execute(sa.text("CREATE TEMPORARY TABLE t (name text, id_number text)"))
            connection.execute(
                sa.text("INSERT INTO t VALUES (:name, :id_number)"),
                {"name": f"{NAME}\x00", "id_number": DASHED_ID},
            )
    finally:
        engine.dispose()

    def emit(log: logging.Logger) -> None:
        try:
            raise failed.value
        except sa.exc.DBAPIError:
            log.exception("insert failed: %s", failed.value)

    text = logged(emit)
    assert "INSERT INTO t" in text  # the statement is there, its values are not
    assert NAME not in text and DASHED_ID not in text and "19900101" not in text


def test_cells_beginning_like_a_formula_are_written_as_text(tmp_path):
    """What every workbook's cells go through (notice, roster, error files): text beginning
    with =, +, - or @ is text as typed; numbers stay numbers."""
    workbook = Workbook(write_only=True)
    add_styles(workbook)
    sheet = workbook.create_sheet()
    typed = ['=HYPERLINK("http://x","张三")', "+86 138", "-1+2", "@SUM(A1)"]
    sheet.append([cell(sheet, value, "wg_text") for value in typed] + [cell(sheet, 1500.5)])
    workbook.save(tmp_path / "t.xlsx")
    row = next(load_workbook(tmp_path / "t.xlsx").active.iter_rows())
    assert [(c.value, c.data_type) for c in row[:4]] == [(value, "s") for value in typed]
    assert (row[4].value, row[4].data_type) == (1500.5, "n")
