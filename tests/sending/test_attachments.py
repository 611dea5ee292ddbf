"""Attachments are kept by the project: fetched by the channel as they arrive, encrypted at rest
under the data directory, recorded with the application beside the channel's file id, and read
back decrypted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.messages import FileRef, Incoming, Reply
from common.attachments import FileStore, NotStored, read_attachment, worth_keeping
from db.crypto import Keyring
from db.enums import AttachmentKind, Channel
from db.errors import DecryptionError
from db.models import Attachment
from tests.bot.conftest import QUICK_CHECK, WORKER_ID
from tests.fakes.telegram_api import serve_fake
from tests.fakes.telegram_files import FakeFileBotAPI
from tests.fakes.telegram_harness import asgi_bot

PHOTO = b"\xff\xd8\xff\xe0 a JPEG of a signed employer certificate \xff\xd9"
USER = 556001


def test_files_are_sealed_and_opened_with_the_keyring(keyring: Keyring) -> None:
    sealed = keyring.encrypt_bytes(PHOTO)
    assert PHOTO not in sealed and sealed.startswith(b"wgf1" + keyring.key_id.encode())
    assert keyring.decrypt_bytes(sealed) == PHOTO
    assert keyring.encrypt_bytes(PHOTO) != sealed  # a fresh nonce each time
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionError, match="altered"):
        keyring.decrypt_bytes(altered)
    other = Keyring.from_secret(b"another-deployment-secret-abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(DecryptionError, match="not in the keyring"):
        other.decrypt_bytes(sealed)


def apply_with_proof(user, proof: FileRef) -> None:
    """The quick check, then an application on Telegram with `proof` at the proof step."""
    for action, value in QUICK_CHECK:
        getattr(user, action)(value)
    user.tap("menu:apply")
    user.identify(WORKER_ID)
    user.tap("bank:file")
    user.send(file=proof)
    user.tap("done")
    user.tap("confirm")
    user.tap("pledge:accept")
    assert "WG2025-" in user.text


def test_the_store_keeps_files_encrypted_under_the_data_directory(
    keyring: Keyring, tmp_path: Path
) -> None:
    store = FileStore(tmp_path / "var")
    stored = store.keep(PHOTO)
    assert stored.storage_path.startswith("attachments/")
    assert stored.sha256 == hashlib.sha256(PHOTO).hexdigest() and stored.size == len(PHOTO)
    on_disk = (tmp_path / "var" / stored.storage_path).read_bytes()
    assert PHOTO not in on_disk
    assert (tmp_path / "var" / stored.storage_path).stat().st_mode & 0o077 == 0
    assert store.read(stored.storage_path) == PHOTO
    for outside in ("../secret.key", "/etc/passwd", "imports/x.xlsx"):
        with pytest.raises(ValueError):
            store.read(outside)


def test_proof_files_are_kept_and_exports_are_not() -> None:
    assert worth_keeping("photo", "image/jpeg", 90_000)
    assert worth_keeping("document", "application/pdf", 52_000)
    assert worth_keeping("document", "image/png", None)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert not worth_keeping("document", xlsx, 3_000_000)
    assert not worth_keeping("photo", "image/jpeg", 50 * 1024 * 1024)


def test_an_application_records_where_its_proof_is_kept(
    chat, registry, session_factory, tmp_path: Path
) -> None:
    """Given a photo the channel kept, sent at the proof step of an application, the submitted
    application's attachment has the kept copy (and Telegram's file id), and reads back as the
    bytes that were sent."""
    store = FileStore(tmp_path / "var")
    stored = store.keep(PHOTO)
    photo = FileRef(
        kind="photo",
        file_id="AgACAgUAAxk-proof",
        mime_type="image/jpeg",
        size=stored.size,
        storage_path=stored.storage_path,
        sha256=stored.sha256,
    )
    apply_with_proof(chat("556002", Channel.TELEGRAM), photo)
    with session_factory() as session:
        attachments = session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
        assert attachments, "one per application submitted"
        for attachment in attachments:
            assert attachment.kind == AttachmentKind.OTHER
            assert attachment.storage_path == stored.storage_path
            assert attachment.file_id == "AgACAgUAAxk-proof"
            assert attachment.sha256 == hashlib.sha256(PHOTO).hexdigest()
            kept = read_attachment(session, attachment.id, store)
            assert (kept.content, kept.content_type) == (PHOTO, "image/jpeg")


def test_an_attachment_only_the_channel_has_is_not_read(
    chat, registry, session_factory, tmp_path: Path
) -> None:
    only_telegram = FileRef(kind="photo", file_id="AgACAgUAAxk-only-telegram")
    apply_with_proof(chat("556003", Channel.TELEGRAM), only_telegram)
    with session_factory() as session:
        attachment = session.scalars(sa.select(Attachment)).first()
        assert attachment is not None and attachment.storage_path is None
        with pytest.raises(NotStored):
            read_attachment(session, attachment.id, FileStore(tmp_path / "var"))


class Recorder:
    """Conversations that only note what the channel handed them."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []

    def handle(self, incoming: Incoming) -> list[Reply]:
        self.received.append(incoming)
        return [Reply("ok")]


@pytest.fixture(scope="module")
def file_api_server():
    with serve_fake(FakeFileBotAPI()) as fake:
        yield fake


@pytest.fixture
def file_api(file_api_server):
    file_api_server.reset()
    file_api_server.files.clear()
    file_api_server.downloads.clear()
    return file_api_server


async def test_telegram_keeps_a_photo_as_it_arrives(
    file_api, engine, session_factory, keyring, tmp_path: Path
) -> None:
    """Given a photo sent to the bot, the Telegram channel downloads its largest size, keeps
    it encrypted, and hands the dialogs its file id with the kept copy's path."""
    async with asgi_bot(file_api, engine, session_factory) as bot:
        store = FileStore(tmp_path / "var")
        bot.channel.files = store
        recorder = Recorder()
        bot.channel.conversations = recorder  # type: ignore[assignment]
        update = bot.updates.photo(USER)
        largest = update["message"]["photo"][1]["file_id"]
        file_api.files[largest] = PHOTO
        assert (await bot.post(update)).texts == ["ok"]
        document = bot.updates.document(USER, name="合同.xlsx")
        document["message"]["document"]["mime_type"] = "application/vnd.ms-excel"
        await bot.post(document)
    (photo, spreadsheet) = [incoming.file for incoming in recorder.received]
    assert photo is not None and photo.file_id == largest
    assert photo.storage_path and store.read(photo.storage_path) == PHOTO
    assert photo.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert file_api.downloads == [largest]  # the spreadsheet is left to the job that needs it
    assert spreadsheet is not None and spreadsheet.storage_path is None


async def test_a_file_telegram_cannot_hand_out_is_still_answered(
    file_api, engine, session_factory, keyring, tmp_path: Path
) -> None:
    async with asgi_bot(file_api, engine, session_factory) as bot:
        bot.channel.files = FileStore(tmp_path / "var")
        recorder = Recorder()
        bot.channel.conversations = recorder  # type: ignore[assignment]
        assert (await bot.post(bot.updates.photo(USER))).texts == ["ok"]  # 404 on download
    (incoming,) = recorder.received
    assert incoming.file is not None and incoming.file.storage_path is None
