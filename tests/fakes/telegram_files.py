"""The fake Bot API extended with file downloads: getFile and /file/bot<token>/<path>."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.telegram_api import FakeBotAPI


@dataclass
class FakeFileBotAPI(FakeBotAPI):
    """Serves the bytes of ``files`` (file id -> content) as Telegram's file storage does."""

    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)

    async def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        content = self.files.get(file_id)
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content or b""),
            "file_path": f"documents/{file_id}.bin",
        }

    async def download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse({"ok": False, "error_code": 401}, status_code=401)
        path = request.path_params["path"]
        file_id = path.removeprefix("documents/").removesuffix(".bin")
        self.downloads.append(file_id)
        content = self.files.get(file_id)
        if content is None:
            return JSONResponse({"ok": False, "error_code": 404}, status_code=404)
        return Response(content, media_type="application/octet-stream")

    def app(self) -> Starlette:
        app = super().app()
        app.router.routes.append(
            Route("/file/bot{token}/{path:path}", self.download, methods=["GET"])
        )
        return app
