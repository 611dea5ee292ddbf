"""POST /api/upload: a photo or a PDF sent from the web chat page, handed to the dialogs.

The body is ``multipart/form-data`` with one file field ``file`` (and an optional ``lang``); the
session comes from the cookie, and the web chat's edge limits count the request. The file is
read into memory (never a temporary file: the bytes are personal data), at most MAX_UPLOAD_BYTES;
its type is told by its first bytes (JPEG, PNG or PDF), never by the declared content type or
the name. An accepted file is kept encrypted (`common.attachments.FileStore`) and becomes the
message's `Incoming.file`, as a Telegram photo or document does: the proof step and the 委托书
step take it as they take Telegram's. A refusal is 413 (too large), 415 (not a JPEG, PNG or
PDF) or 400 (no file, a broken body) with one translated line, and nothing is kept.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.channels.edge import BodyTooLarge, read_capped, too_many
from bot.channels.web_sessions import COOKIE, EXPIRED
from bot.channels.webchat import (
    BadRequest,
    accept_language,
    check_language,
    error,
    incoming_of,
)
from bot.messages import FileRef
from common.i18n import N_

if TYPE_CHECKING:
    from bot.channels.webchat import WebChatApi
    from common.attachments import FileStore

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The multipart envelope around the file: boundaries, part headers, the language field.
ENVELOPE_BYTES = 16 * 1024
MAX_NAME_CHARS = 200

TOO_BIG = N_("The file is too large: send a photo or a PDF of at most 10 MB.")
WRONG_TYPE = N_("Only photos (JPEG or PNG) and PDF files can be sent.")
NO_FILE = N_("Choose a photo or a PDF file to send.")
BROKEN = N_("The upload could not be read. Please try again.")

# Magic bytes: what the file is, whatever it says it is.
KINDS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "photo"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "photo"),
    (b"%PDF-", "application/pdf", "document"),
)


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, FileRef kind) of a JPEG, PNG or PDF by its first bytes, else None."""
    for magic, content_type, kind in KINDS:
        if content.startswith(magic):
            return content_type, kind
    return None


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


@dataclass(frozen=True)
class Upload:
    content: bytes
    file_name: str | None
    language: str | None


def _parts(boundary: bytes, body: bytes) -> list[_Part]:
    """The parts of a multipart body, headers and data in memory; BadRequest when broken."""
    parts: list[_Part] = []
    header: list[bytearray] = [bytearray(), bytearray()]

    def on_part_begin() -> None:
        parts.append(_Part())

    def collect(target: Callable[[], bytearray]) -> Callable[[bytes, int, int], None]:
        def on_data(data: bytes, start: int, end: int) -> None:
            target().extend(data[start:end])

        return on_data

    def on_header_end() -> None:
        parts[-1].headers[bytes(header[0]).lower().strip()] = bytes(header[1]).strip()
        header[0], header[1] = bytearray(), bytearray()

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": collect(lambda: parts[-1].data),
            "on_header_field": collect(lambda: header[0]),
            "on_header_value": collect(lambda: header[1]),
            "on_header_end": on_header_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # python-multipart raises its own errors (and ValueError) on bad input
        raise BadRequest(BROKEN) from None
    return parts


def parse_upload(content_type: str, body: bytes) -> Upload:
    """The file (and language) of a multipart body, in memory; BadRequest when unusable."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadRequest(BROKEN)
    parts = _parts(boundary, body)
    file: _Part | None = None
    file_name: str | None = None
    language: str | None = None
    for part in parts:
        _, disposition = parse_options_header(part.headers.get(b"content-disposition", b""))
        name = disposition.get(b"name")
        if name == b"file" and b"filename" in disposition and file is None:
            file = part
            file_name = disposition[b"filename"].decode("utf-8", "replace")[:MAX_NAME_CHARS]
        elif name == b"lang":
            language = check_language(bytes(part.data).decode("ascii", "replace"))
    if file is None or not file.data:
        raise BadRequest(NO_FILE, language)
    return Upload(bytes(file.data), file_name or None, language)


def routes(api: WebChatApi, files: FileStore) -> list[BaseRoute]:
    """POST /api/upload over the web chat's sessions, limits and conversations."""

    async def upload(request: Request) -> JSONResponse:
        fallback = request.query_params.get("lang") or accept_language(request)
        address = api.edge.address(request)
        refused = await api.edge.check(
            [(f"web:chat:addr:{address}", api.limits.limit_chat_per_address)]
        )
        if refused is not None:
            return too_many(fallback, refused)
        user = await asyncio.to_thread(api.store.user, request.cookies.get(COOKIE))
        if user is None:
            return error(fallback, EXPIRED, 401)
        refused = await api.edge.check(
            [(f"web:chat:session:{user.token_hash}", api.limits.limit_chat_per_session)]
        )
        if refused is not None:
            return too_many(fallback, refused)
        try:
            body = await read_capped(
                request.scope, request.receive, MAX_UPLOAD_BYTES + ENVELOPE_BYTES
            )
            upload = parse_upload(request.headers.get("content-type", ""), body)
        except BodyTooLarge:
            return error(fallback, TOO_BIG, 413)
        except BadRequest as bad:
            return error(bad.language or fallback, bad.message)
        language = upload.language or fallback
        if len(upload.content) > MAX_UPLOAD_BYTES:
            return error(language, TOO_BIG, 413)
        sniffed = sniff(upload.content)
        if sniffed is None:
            return error(language, WRONG_TYPE, 415)
        content_type, kind = sniffed
        stored = await asyncio.to_thread(files.keep, upload.content)
        ref = FileRef(
            kind=kind,
            # Not a channel's id: the page has none. The digest names the file in the state.
            file_id="web:" + hashlib.sha256(upload.content).hexdigest()[:32],
            name=upload.file_name,
            mime_type=content_type,
            size=stored.size,
            storage_path=stored.storage_path,
            sha256=stored.sha256,
        )
        incoming = incoming_of(user, file=ref, language_hint=language, client_address=address)
        return await api.answer(incoming, user)

    return [Route("/api/upload", upload, methods=["POST"])]
