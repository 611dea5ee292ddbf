"""GET /exports/{token}.xlsx: a roster behind a one-time link that the chat gave a county admin."""

from __future__ import annotations

import asyncio
import logging
import re
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from common.i18n import N_, translate
from common.roster_links import redeem_link

log = logging.getLogger(__name__)

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GONE = N_("This download link is not valid, has been used already or has expired.")


def _download(sessions: sessionmaker[Session], token: str) -> tuple[str, bytes] | None:
    with sessions() as session, session.begin():
        return redeem_link(session, token)


def routes(sessions: sessionmaker[Session]) -> list[BaseRoute]:
    """The download route; the token is the credential, so it is checked before anything else."""

    async def download(request: Request) -> Response:
        """The XLSX once; 404 for an unknown, used or expired token (indistinguishable)."""
        token = request.path_params["token"]
        found = (
            await asyncio.to_thread(_download, sessions, token) if TOKEN.fullmatch(token) else None
        )
        if found is None:
            language = (
                "en" if request.headers.get("accept-language", "").startswith("en") else "zh_CN"
            )
            return PlainTextResponse(translate(language, GONE), status_code=404)
        name, content = found
        return Response(
            content,
            media_type=XLSX,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                # Personal data: no cache, no referrer to wherever the file is opened from.
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return [Route("/exports/{token}.xlsx", download, methods=["GET"])]
