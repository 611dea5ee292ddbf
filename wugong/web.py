"""The one ASGI app: health check, the web chat page and, later, the chat API and webhook."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.channels import webchat
from wugong.runtime import Runtime


def create_app(runtime: Runtime) -> Starlette:
    """Build the HTTP app over a started runtime."""

    async def healthz(request: Request) -> JSONResponse:
        """200 when the database answers, 503 otherwise."""
        ok = await asyncio.to_thread(runtime.database_ok)
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "down"},
            status_code=200 if ok else 503,
        )

    routes = [Route("/healthz", healthz, methods=["GET"]), *webchat.routes()]
    return Starlette(routes=routes)
