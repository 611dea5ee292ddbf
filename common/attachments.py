"""Files people send, kept by the project: encrypted at rest under the data directory.

A channel that receives a photo or a document fetches its bytes and hands them to `FileStore.keep`
(the Telegram channel does so as the message arrives, so the dialogs record where it is kept);
the bytes are sealed with the deployment's keyring (db/crypto.py) and written under
``<WUGONG_VAR_DIR>/attachments/``. ``attachment.storage_path`` is that file, relative to the
data directory; `read_attachment` gives the bytes back, decrypted. Every process that reads or
writes them needs the same data directory (a shared volume in production) and secret key.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy.orm import Session

from db.crypto import keyring
from db.models import Attachment

FOLDER = "attachments"
# Telegram's cloud Bot API hands out files up to 20 MB; a proof photo or scan is far smaller.
MAX_KEPT_BYTES = 20 * 1024 * 1024
# What can be a proof: photos, and documents that are pictures or PDFs. Other documents (the
# monitoring exports sent to /import, hundreds of MB) are fetched by the job that needs them.
KEPT_DOCUMENT_TYPES = ("image/", "application/pdf")


def worth_keeping(kind: str, mime_type: str | None, size: int | None) -> bool:
    """Whether a file a user sent is kept when it arrives (see KEPT_DOCUMENT_TYPES)."""
    if size is not None and size > MAX_KEPT_BYTES:
        return False
    if kind == "photo":
        return True
    return kind == "document" and (mime_type or "").lower().startswith(KEPT_DOCUMENT_TYPES)


@dataclass(frozen=True)
class StoredFile:
    """Where a file is kept (relative to the data directory), its SHA-256 and size."""

    storage_path: str
    sha256: str
    size: int


class FileStore:
    """The encrypted files under one data directory."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir

    def keep(self, content: bytes) -> StoredFile:
        """Seal `content` and write it under a fresh name; the file is complete or absent."""
        now = datetime.now(UTC)
        relative = PurePosixPath(FOLDER, f"{now:%Y}", f"{now:%m}", uuid.uuid4().hex)
        target = self.var_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(keyring().encrypt_bytes(content))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
        return StoredFile(str(relative), hashlib.sha256(content).hexdigest(), len(content))

    def read(self, storage_path: str) -> bytes:
        """The decrypted bytes of a kept file; FileNotFoundError when it is not there."""
        return keyring().decrypt_bytes(self.path_of(storage_path).read_bytes())

    def path_of(self, storage_path: str) -> Path:
        """The file of `storage_path`, which must lie inside the store's folder."""
        relative = PurePosixPath(storage_path)
        if relative.is_absolute() or ".." in relative.parts or relative.parts[:1] != (FOLDER,):
            raise ValueError(f"not a path of the attachment store: {storage_path!r}")
        return self.var_dir.joinpath(*relative.parts)


@dataclass(frozen=True)
class AttachmentFile:
    """An attachment's bytes with what is known of them."""

    content: bytes
    content_type: str | None
    file_name: str | None
    sha256: str


class NotStored(LookupError):
    """Raised when an attachment has no kept copy (only the channel's file id)."""


def read_attachment(session: Session, attachment_id: int, store: FileStore) -> AttachmentFile:
    """The decrypted bytes of an attachment kept by the project (for the staff console)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or not attachment.storage_path:
        raise NotStored(f"attachment {attachment_id} has no copy kept by wugong")
    content = store.read(attachment.storage_path)
    return AttachmentFile(
        content, attachment.content_type, attachment.file_name, hashlib.sha256(content).hexdigest()
    )
