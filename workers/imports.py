"""Import jobs: a monitoring export a county admin sent in chat, downloaded, imported, reported."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import dramatiq
import httpx
import sqlalchemy as sa

from common import jobs
from common.i18n import N_, translate
from common.import_texts import MOVED, SUMMARY, counts, describe
from db.engine import writing
from db.enums import ImportStatus
from db.imports import ImportFileError, ImportResult, import_monitoring
from db.imports.monitoring import finish_batch, progress_path, upload_path
from db.models import ChatIdentity, ImportBatch, Notification, Staff
from db.pii import redact
from db.queries import Actor
from workers.context import runtime

log = logging.getLogger(__name__)

# Telegram's cloud Bot API serves files up to 20 MB; a local Bot API server has no limit, so
# this one keeps a mistaken upload from filling the disk.
MAX_DOWNLOAD_BYTES = 500 * 1024 * 1024
# Progress in chat: every tenth of the file or every 50,000 rows, and only for files big
# enough to take a while (a small file gets "started" and "finished" only).
PROGRESS_ROWS = 50_000
PROGRESS_MIN_ROWS = 10_000
SHOWN_PROBLEMS = 5
CLAIMED = "claimed"  # the sha256 of a batch a worker has taken; the import writes the real one

STARTED = N_("Importing {file}. I will tell you here how it goes.")
PROGRESS = N_("{file}: {rows} rows read so far ({percent}%).")
FINISHED = N_("Import finished.")
PROBLEM_LINE = N_("Row {row}, {column} “{value}”: {problem}")
SOME_PROBLEMS = N_("The first rows left out:")
ERROR_FILE_ON_SERVER = N_("All {count} problems are listed in the error file {path} on the server.")
WARNINGS_ON_SERVER = N_(
    "{count} rows were imported with a warning: a 乡 or 村 name is not in the division "
    "register, so they stand at the township or county. All are listed in the error file {path} "
    "on the server. The first ones:"
)
WARNING_LINE = N_("Row {row}, {column} “{value}”: imported at {place}; closest names: {names}")
FAILED = N_("{file} could not be imported: {reason}")
DOWNLOAD_FAILED = N_("I could not download {file} from Telegram. Please send it again.")


class DownloadFailed(Exception):
    """Raised when the Bot API does not hand out the file (unknown id, too big, network)."""


def download(token: str, base_url: str, file_id: str, target: Path) -> Path:
    """Fetch a Telegram file with the Bot API's getFile and its file URL, streamed to disk."""
    api = f"{base_url}{token}"
    # The file URL is the API URL with /file/ before the bot part (Bot API "getFile").
    files = f"{base_url.removesuffix('bot')}file/bot{token}" if base_url.endswith("bot") else api
    try:
        with httpx.Client(timeout=httpx.Timeout(30, read=120)) as client:
            answer = client.get(f"{api}/getFile", params={"file_id": file_id}).json()
            if not answer.get("ok"):
                raise DownloadFailed(str(answer.get("description")))
            with client.stream("GET", f"{files}/{answer['result']['file_path']}") as response:
                response.raise_for_status()
                size = 0
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as handle:
                    for block in response.iter_bytes():
                        size += len(block)
                        if size > MAX_DOWNLOAD_BYTES:
                            raise DownloadFailed("file too large")
                        handle.write(block)
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise DownloadFailed(str(error)) from error
    return target


class ChatReporter:
    """Writes the import's news as notifications to the admin, each committed and enqueued."""

    def __init__(self, identity_id: int, language: str, file_name: str) -> None:
        self.identity_id = identity_id
        self.language = language
        self.file_name = file_name
        self.last_rows = 0
        self.last_step = 0

    def say(self, message: str, **values: object) -> None:
        self.post(translate(self.language, message, file=self.file_name, **values))

    def post(self, text: str) -> None:
        with writing(runtime().sessions) as session:
            row = Notification(chat_identity_id=self.identity_id, text=text, buttons=[])
            session.add(row)
            session.flush()
            notification_id = row.id
        # Delivered through the admin's channel (one that cannot push keeps it in its outbox).
        jobs.DELIVER_NOTIFICATION.send(notification_id)

    def progress(self, rows: int, share: float) -> None:
        step = int(share * 10)
        if rows < PROGRESS_MIN_ROWS or share >= 1.0:
            return
        if step > self.last_step or rows - self.last_rows >= PROGRESS_ROWS:
            self.last_step, self.last_rows = step, rows
            self.say(PROGRESS, percent=int(share * 100), rows=f"{rows:,}")

    def finished(self, result: ImportResult, problems: list[tuple]) -> None:
        lines = [
            translate(self.language, FINISHED),
            translate(self.language, SUMMARY, file=self.file_name, **counts(result)),
        ]
        if problems:
            lines.append(translate(self.language, SOME_PROBLEMS))
            lines += [
                translate(self.language, PROBLEM_LINE, row=r, column=c, value=v, problem=p)
                for r, c, v, p in problems
            ]
        if result.error_file is not None:
            lines.append(
                translate(
                    self.language, ERROR_FILE_ON_SERVER, count=result.errors, path=result.error_file
                )
            )
        if result.warnings:
            lines.append(
                translate(
                    self.language, WARNINGS_ON_SERVER, count=result.warnings, path=result.error_file
                )
            )
            lines += [
                translate(
                    self.language, WARNING_LINE, row=r, column=c, value=v, place=at, names=names
                )
                for r, c, v, _, at, names in _first_lines(result.error_file, sheet=1)
            ]
        if result.moved:
            lines.append(translate(self.language, MOVED, count=result.moved))
        self.post("\n".join(lines))


class PageReporter(ChatReporter):
    """For an export uploaded on the staff console: the page follows the batch (its status and
    counts) and how far the job got, written beside the upload (``progress_path``); nothing is
    said in a chat."""

    def __init__(self, upload: Path, language: str, file_name: str) -> None:
        super().__init__(0, language, file_name)
        self.path = progress_path(upload)

    def post(self, text: str) -> None:
        pass

    def progress(self, rows: int, share: float) -> None:
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(f"{rows} {min(max(share, 0.0), 1.0):.4f}", encoding="ascii")
        partial.replace(self.path)  # whole or not at all for the page that reads it


def _first_lines(path: Path | None, sheet: int = 0) -> list[tuple]:
    """The first lines of a sheet of the error file (0: rows left out, 1: rows imported with a
    warning), values masked (they may hold ID numbers)."""
    if path is None:
        return []
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        if sheet >= len(workbook.worksheets):
            return []
        rows = workbook.worksheets[sheet].iter_rows(
            min_row=2, max_row=SHOWN_PROBLEMS + 1, values_only=True
        )
        return [
            (r[0], r[1], redact(str(r[2] or "")), *(cell or "—" for cell in r[3:])) for r in rows
        ]
    finally:
        workbook.close()


@dramatiq.actor(
    actor_name=jobs.IMPORT_UPLOAD.actor,
    queue_name=jobs.IMPORT_UPLOAD.queue,
    max_retries=0,
    time_limit=2 * 60 * 60_000,
)
def import_upload(batch_id: int, chat_identity_id: int, file_id: str) -> None:
    """Download the file a county admin sent, import it into ``batch_id`` and report in chat.

    Safe to run twice: the batch is claimed (its sha256 still empty) before anything happens,
    and a second run finds it taken. Not retried: a failure is reported to the admin, who can
    send the file again. The downloaded file is deleted when the import ends, however it ends;
    it is never kept waiting (the chat keeps only Telegram's file id until this job runs).
    """
    rt = runtime()
    with writing(rt.sessions) as session:
        claim = (
            sa.update(ImportBatch)
            .where(
                ImportBatch.id == batch_id,
                ImportBatch.status == ImportStatus.RUNNING,
                ImportBatch.sha256 == "",
            )
            .values(sha256=CLAIMED)
        )
        claimed = cast(sa.CursorResult[Any], session.execute(claim)).rowcount
        identity = session.get(ChatIdentity, chat_identity_id)
        batch = session.get(ImportBatch, batch_id)
        staff = session.get(Staff, identity.staff_id) if identity and identity.staff_id else None
    if not claimed or identity is None or batch is None:
        log.info("import batch %s is not waiting for its upload", batch_id)
        return
    target = upload_path(rt.settings.paths.var_dir / "imports", batch_id, batch.file_name)
    on_server = file_id == jobs.ON_SERVER
    reporter = (
        PageReporter(target, identity.language, batch.file_name)
        if on_server
        else ChatReporter(identity.id, identity.language, batch.file_name)
    )
    reporter.say(STARTED)
    try:
        if on_server:
            _import(batch_id, target, reporter, identity, staff)
        else:
            _download_and_import(batch_id, file_id, target, reporter, identity, staff)
    finally:
        # The export holds a county's ID numbers in plaintext: it stays on disk only while it
        # is imported (the error file, with the rows left out, is kept for the admin).
        target.unlink(missing_ok=True)
        progress_path(target).unlink(missing_ok=True)


def _download_and_import(
    batch_id: int,
    file_id: str,
    target: Path,
    reporter: ChatReporter,
    identity: ChatIdentity,
    staff: Staff | None,
) -> None:
    rt = runtime()
    try:
        token = rt.settings.telegram.telegram_token
        if token is None:
            raise DownloadFailed("no Telegram token configured")
        download(token.get_secret_value(), rt.settings.telegram.telegram_base_url, file_id, target)
    except DownloadFailed as error:
        log.warning("import batch %s: download failed: %s", batch_id, error)
        finish_batch(rt.engine, batch_id, status=ImportStatus.FAILED)
        reporter.say(DOWNLOAD_FAILED)
        return
    _import(batch_id, target, reporter, identity, staff)


def _import(
    batch_id: int,
    target: Path,
    reporter: ChatReporter,
    identity: ChatIdentity,
    staff: Staff | None,
) -> None:
    rt = runtime()
    try:
        result = import_monitoring(
            rt.engine,
            target,
            batch_id=batch_id,
            progress=reporter.progress,
            describe=describe(identity.language),
            error_path=target.with_name(f"{target.stem}.errors.xlsx"),
            actor=Actor.of_staff(staff) if staff is not None else None,
        )
    except ImportFileError as error:
        finish_batch(rt.engine, batch_id, status=ImportStatus.FAILED)
        reporter.say(FAILED, reason=str(error).replace(str(target.parent) + "/", ""))
        return
    reporter.finished(result, _first_lines(result.error_file))
    jobs.CROSSCHECK_OPEN.send()
