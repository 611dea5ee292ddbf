"""Importing a monitoring export from the browser: the upload, the import's progress (the page
polls a small JSON of its batch), its summary and its error file; the region's recent imports.

Who may import is the chat's rule (`bot.dialogs.imports.IMPORTERS`), and the import is the
chat's own job (`jobs.IMPORT_UPLOAD`, told that the file is already on the server): the upload
is saved to `upload_path` under the imports folder, read far enough to know it is an export the
importer understands (a wrong or unreadable file is refused in one line and nothing is kept),
then the batch and its audit event are written (`request_import`) and the job enqueued. The job
deletes the file when the import ends, however it ends; the error file stays beside it, served
only to staff of the import's region (it holds personal data).
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.web import HEADERS, Console, StaffUser, staff_page, translate_for
from bot.dialogs.imports import IMPORTERS, SUFFIXES
from common import jobs
from common.i18n import N_
from common.settings import Settings
from db.engine import writing
from db.enums import ImportStatus
from db.imports import ImportFileError
from db.imports.monitoring import error_file_for, progress_path, upload_path
from db.imports.reader import open_sheet
from db.models import Staff
from db.queries.console import imports as queries

MAX_IMPORT_BYTES = 50 * 1024 * 1024
NAME_BYTES = 120  # of the uploaded file's name kept (UTF-8): 40 Chinese characters
CHUNK = 1 << 20

REFUSED = N_("Importing monitoring records is for county administrators.")  # the chat's
WRONG_TYPE = N_("I can read xlsx and csv files only. Please save the export as xlsx.")  # the chat's
UNREADABLE = N_("{file} could not be imported: {reason}")  # the chat's
TOO_BIG = N_("The file is too large: an export of at most {size} MB can be imported here.")
NO_FILE = N_("Choose the export file (xlsx or csv) first.")
NOT_HERE = N_("There is no such import in your region.")
NO_ERROR_FILE = N_("This import has no error file.")
STATUS_WORDS = {
    ImportStatus.RUNNING: N_("importing"),
    ImportStatus.FINISHED: N_("finished"),
    ImportStatus.FAILED: N_("failed"),
}


class Imports:
    def __init__(self, console: Console, folder: Path, max_bytes: int) -> None:
        self.console = console
        self.folder = folder
        self.max_bytes = max_bytes

    # -- who may ------------------------------------------------------------------------

    def _importer(self, user: StaffUser) -> Staff | None:
        with self.console.sessions() as session:
            staff = user.member(session)
            if staff is None or not staff.active or staff.role not in IMPORTERS:
                return None
            session.expunge(staff)
            return staff

    async def _refusal(self, request: Request, user: StaffUser) -> Response | None:
        if await asyncio.to_thread(self._importer, user) is None:
            return self.console.message(request, user, translate_for(request, REFUSED), 403)
        return None

    # -- the page -----------------------------------------------------------------------

    async def page(self, request: Request, user: StaffUser) -> Response:
        return await self.render_page(request, user)

    async def render_page(
        self, request: Request, user: StaffUser, *, error: str = "", status_code: int = 200
    ) -> Response:
        refused = await self._refusal(request, user)
        if refused is not None:
            return refused
        recent = await asyncio.to_thread(self._recent, user)
        return self.console.render(
            request,
            "imports.html",
            user,
            status_code=status_code,
            error=error,
            recent=recent,
            max_mb=self.max_bytes // (1024 * 1024),
            status_words=lambda status: translate_for(request, STATUS_WORDS[status]),
            when=_when,
        )

    def _recent(self, user: StaffUser) -> list[queries.ImportView]:
        with self.console.sessions() as session:
            return queries.recent_imports(session, user.region_code)

    # -- the upload ---------------------------------------------------------------------

    async def upload(self, request: Request, user: StaffUser) -> Response:
        refused = await self._refusal(request, user)
        if refused is not None:
            return refused
        form = await request.form()
        try:
            file = form.get("file")
            if not isinstance(file, UploadFile) or not file.filename:
                return await self._refuse(request, user, translate_for(request, NO_FILE))
            name = short_name(Path(file.filename.replace("\\", "/")).name)
            if not name.lower().endswith(SUFFIXES):
                return await self._refuse(request, user, translate_for(request, WRONG_TYPE))
            saved = await self._save(file, name)
        finally:
            await form.close()
        problem = await asyncio.to_thread(_check, saved)
        if problem is not None:
            saved.unlink(missing_ok=True)
            line = translate_for(request, UNREADABLE, file=name, reason=problem)
            return await self._refuse(request, user, line)
        try:
            batch_id = await asyncio.to_thread(self._request, user, name, saved)
        except BaseException:
            saved.unlink(missing_ok=True)  # nothing will import it
            raise
        if batch_id is None:
            saved.unlink(missing_ok=True)
            return self.console.message(request, user, translate_for(request, REFUSED), 403)
        return RedirectResponse(f"/staff/imports/{batch_id}", status_code=303)

    async def _refuse(self, request: Request, user: StaffUser, line: str) -> Response:
        return await self.render_page(request, user, error=line, status_code=400)

    async def _save(self, file: UploadFile, name: str) -> Path:
        """The upload copied under the imports folder by a name no batch has yet."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"upload-{secrets.token_hex(8)}-{name}"
        await file.seek(0)
        with target.open("wb") as handle:
            while block := await file.read(CHUNK):
                handle.write(block)
        return target

    def _request(self, user: StaffUser, name: str, saved: Path) -> int | None:
        """The batch and its audit event; the file moved to the batch's place; the job sent."""
        with writing(self.console.sessions) as session:
            staff = user.member(session)
            if staff is None or not staff.active or staff.role not in IMPORTERS:
                return None
            batch = queries.request_import(session, staff, name)
            batch_id, file_name = batch.id, batch.file_name
            shutil.move(saved, upload_path(self.folder, batch_id, file_name))
        jobs.IMPORT_UPLOAD.send(batch_id, user.identity_id, jobs.ON_SERVER)
        return batch_id

    # -- one import ---------------------------------------------------------------------

    def _find(self, user: StaffUser, batch_id: int) -> queries.ImportView | None:
        with self.console.sessions() as session:
            return queries.import_of(session, user.region_code, batch_id)

    def _progress(self, found: queries.ImportView) -> tuple[int, int]:
        """(rows read, percent) of a running import, as its job last wrote them."""
        if found.status != ImportStatus.RUNNING:
            return found.rows, 100
        path = progress_path(upload_path(self.folder, found.id, found.file_name))
        try:
            rows, share = path.read_text(encoding="ascii").split()
            return int(rows), min(99, int(float(share) * 100))
        except (OSError, ValueError):
            return 0, 0

    def _error_file(self, found: queries.ImportView) -> Path | None:
        path = error_file_for(upload_path(self.folder, found.id, found.file_name))
        return path if path.is_file() else None

    async def batch(self, request: Request, user: StaffUser) -> Response:
        refused = await self._refusal(request, user)
        if refused is not None:
            return refused
        found = await asyncio.to_thread(self._find, user, request.path_params["id"])
        if found is None:
            return self.console.message(request, user, translate_for(request, NOT_HERE), 404)
        rows, percent = self._progress(found)
        return self.console.render(
            request,
            "import.html",
            user,
            batch=found,
            rows=rows,
            percent=percent,
            error_file=self._error_file(found) is not None,
            status_words=lambda status: translate_for(request, STATUS_WORDS[status]),
            when=_when,
        )

    async def progress(self, request: Request, user: StaffUser) -> Response:
        found = await asyncio.to_thread(self._find, user, request.path_params["id"])
        if found is None or await asyncio.to_thread(self._importer, user) is None:
            return JSONResponse({"error": "not found"}, status_code=404, headers=HEADERS)
        rows, percent = self._progress(found)
        return JSONResponse(
            {
                "status": found.status.value,
                "done": found.status != ImportStatus.RUNNING,
                "rows": rows,
                "percent": percent,
            },
            headers=HEADERS,
        )

    async def errors(self, request: Request, user: StaffUser) -> Response:
        refused = await self._refusal(request, user)
        if refused is not None:
            return refused
        found = await asyncio.to_thread(self._find, user, request.path_params["id"])
        if found is None:
            return self.console.message(request, user, translate_for(request, NOT_HERE), 404)
        path = self._error_file(found)
        if path is None:
            return self.console.message(request, user, translate_for(request, NO_ERROR_FILE), 404)
        return FileResponse(
            path,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=f"{Path(found.file_name).stem}.errors.xlsx",
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )


def _check(path: Path) -> str | None:
    """Why ``path`` is no export the importer reads (one line), or None: its type by its first
    bytes, then its header row, as the import itself finds them."""
    try:
        with open_sheet(path):
            return None
    except ImportFileError as error:
        return str(error).replace(str(path.parent) + "/", "")


def _when(moment: Any) -> str:
    if moment is None:
        return ""
    from zoneinfo import ZoneInfo

    return str(moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M"))


def short_name(name: str, limit: int = NAME_BYTES) -> str:
    """The file's name cut to `limit` bytes of UTF-8 (file systems allow 255 for the whole
    name, which gets a prefix here and suffixes later), its extension kept."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    tail = f".{extension}" if dot else ""
    room = limit - len(tail.encode())
    cut = stem.encode()[:room].decode(errors="ignore")
    return cut + tail


def routes(
    console: Console, folder: Path | None = None, max_bytes: int = MAX_IMPORT_BYTES
) -> list[BaseRoute]:
    """``folder``: where uploads wait for their job and error files stay (the workers'
    var/imports, which the chat's import uses too)."""
    imports = Imports(console, folder or Settings().paths.var_dir / "imports", max_bytes)
    page = staff_page(console)
    upload = staff_page(console, upload_bytes=max_bytes, too_large=TOO_BIG)
    return [
        Route("/staff/imports", page(imports.page), methods=["GET"]),
        Route("/staff/imports", upload(imports.upload), methods=["POST"]),
        Route("/staff/imports/{id:int}", page(imports.batch), methods=["GET"]),
        Route("/staff/imports/{id:int}/progress", page(imports.progress), methods=["GET"]),
        Route("/staff/imports/{id:int}/errors", page(imports.errors), methods=["GET"]),
    ]
