"""GET /attachments/{token}: a proof photo or PDF, opened by a reviewer from the review card.

The token is the credential (common/attachment_links.py): short-lived, for one staff member in
one chat, dead once they are revoked or their web role lapses. The file is shown inline with its
content type as told by its bytes when it was kept; never cached, never sniffed.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from common.attachment_links import Opened, open_link
from common.attachments import FileStore
from common.i18n import N_, translate

GONE = N_("This link to a file is not valid or has expired. Open the claim again in the chat.")
# What a kept file may be served as; anything else is a download of bytes.
INLINE_TYPES = ("image/jpeg", "image/png", "application/pdf")


def _open(sessions: sessionmaker[Session], token: str, store: FileStore) -> Opened | None:
    with sessions() as session, session.begin():
        return open_link(session, token, store)


def routes(sessions: sessionmaker[Session], store: FileStore) -> list[BaseRoute]:
    async def show(request: Request) -> Response:
        token = request.path_params["token"]
        opened = await asyncio.to_thread(_open, sessions, token, store)
        if opened is None:
            language = (
                "en" if request.headers.get("accept-language", "").startswith("en") else "zh_CN"
            )
            return PlainTextResponse(
                translate(language, GONE),
                status_code=404,
                headers={"Cache-Control": "no-store"},
            )
        file = opened.file
        content_type = file.content_type if file.content_type in INLINE_TYPES else None
        name = file.file_name or f"attachment-{opened.attachment_id}"
        disposition = "inline" if content_type else "attachment"
        return Response(
            file.content,
            media_type=content_type or "application/octet-stream",
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
            },
        )

    return [Route("/attachments/{token}", show, methods=["GET"])]
