"""The one ASGI app: health check, the web chat (page and API), the channels' callbacks and
the staff console."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot import console
from bot.channels import attachment_pages, exports, notice_pages, webchat, wechat_oauth
from bot.channels.edge import EdgeLimits
from bot.channels.web_sessions import WebSessions, utc_now
from bot.dialogs.staff import limits_from_settings
from bot.engine import Conversations
from common.attachments import FileStore
from common.runtime import Runtime


def health_checks(runtime: Runtime) -> dict[str, str]:
    """Each check's word: ok, or what is wrong (down, mismatch)."""
    database = runtime.database_ok()
    checks = {"database": "ok" if database else "down"}
    redis = runtime.redis_ok()
    if redis is not None:
        checks["redis"] = "ok" if redis else "down"
    if not database:
        checks["key"] = "unknown"
    else:
        checks["key"] = "ok" if runtime.key_ok() else "mismatch"
    return checks


class Channel(Protocol):
    """A channel that runs beside the HTTP server (Telegram): its routes, start and stop."""

    def routes(self) -> Sequence[BaseRoute]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def create_app(
    runtime: Runtime,
    conversations: Conversations,
    channels: Sequence[Channel] = (),
    *,
    edge: EdgeLimits | None = None,
    clock: Callable[[], datetime] = utc_now,
    files: FileStore | None = None,
) -> Starlette:
    """Build the HTTP app over a started runtime; the channels start and stop with it.

    `edge` counts the web chat's requests (default: the settings' limits, in Redis when it is
    configured, else in this app's memory); `clock` is the web sessions' (tests move it);
    `files` keeps the page's uploads and serves attachments (default: under the data directory).
    """
    settings = runtime.settings
    if edge is None:
        edge = EdgeLimits.from_settings(settings)
    web_sessions = WebSessions(
        conversations.sessions,  # the dialog turns' pool: a lookup comes with every message
        idle=timedelta(days=settings.web.web_session_idle_days),
        secure_cookie=settings.public_url().startswith("https://"),
        clock=clock,
    )

    async def healthz(request: Request) -> JSONResponse:
        """200 when every check passes, 503 otherwise, one field per check: ``database``
        (answers a query), ``redis`` (answers a PING; only when WUGONG_REDIS_URL is set) and
        ``key`` (the secret key is the one the database was written with)."""
        checks = await asyncio.to_thread(health_checks, runtime)
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Dialog turns run in threads (asyncio.to_thread) and mostly wait for the database:
        # the default pool's few threads (CPU count + 4) would cap the turns in flight.
        threads = runtime.settings.http.bot_threads
        executor = ThreadPoolExecutor(threads, thread_name_prefix="turn")
        asyncio.get_running_loop().set_default_executor(executor)
        for channel in channels:
            await channel.start()
        try:
            yield
        finally:
            for channel in reversed(channels):
                await channel.stop()
            executor.shutdown(wait=False)

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    # The channels' callbacks first: they are the busiest paths, and routes match in order.
    for channel in channels:
        routes += channel.routes()
    if files is None:
        files = FileStore(settings.paths.var_dir)
    oauth = wechat_oauth.configured(settings.wechat)
    routes += webchat.routes(conversations, web_sessions, edge, files=files, wechat_oauth=oauth)
    routes += wechat_oauth.routes(web_sessions, settings.wechat, settings.public_url())
    routes += attachment_pages.routes(runtime.sessions, files)
    routes += exports.routes(runtime.sessions)
    routes += notice_pages.routes(runtime.sessions)
    routes += console.routes(
        console.Console(
            runtime.sessions,
            edge,
            limits_from_settings(),
            secure_cookie=settings.public_url().startswith("https://"),
            clock=clock,
        ),
        imports_folder=settings.paths.var_dir / "imports",
    )
    return Starlette(routes=routes, lifespan=lifespan)
