"""Files from the web page: POST /api/upload takes a JPEG, PNG or PDF of at most 10 MB (told by
its bytes), keeps it encrypted and hands it to the dialog as the message's file, so proof and
the 委托书 can be sent from the web; reviewers open it from the review card through a link that
dies with their role. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import sqlalchemy as sa

from bot.channels.web_uploads import MAX_UPLOAD_BYTES, sniff
from db.enums import ApplicationStatus, AttachmentKind, Capacity, Channel, StaffRole
from db.models import Application, Attachment, AuditEvent, ChatIdentity, Staff, StaffInvite
from db.queries.staff import revoke
from db.types import utcnow
from tests.bot.conftest import QUICK_CHECK, VILLAGE, WORKER_ID
from tests.review.conftest import cross_check, make_staff


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xc8\x10\x2e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 a photo of a signed letter \xff\xd9"


def kept_files(files) -> list[Path]:
    folder = files.var_dir / "attachments"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def to_the_proof_step(page) -> None:
    await page.open()
    for action, value in QUICK_CHECK:
        await getattr(page, action)(value)
    await page.tap("menu:apply")
    await page.identify(WORKER_ID)
    await page.tap("bank:file")
    assert "done" in page.buttons  # the proof step: “Skip”


def test_the_type_is_told_by_the_bytes():
    assert sniff(PNG) == ("image/png", "photo")
    assert sniff(JPEG) == ("image/jpeg", "photo")
    assert sniff(PDF) == ("application/pdf", "document")
    assert sniff(b"GIF89a....") is None
    assert sniff(b"MZ\x90\x00 an executable") is None
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


async def test_proof_sent_from_the_page_is_kept_encrypted_and_attached(
    page, registry, files, session_factory
):
    await to_the_proof_step(page)
    response = await page.upload(PNG, "证明.png", "image/png")
    assert response.status_code == 200, response.text
    assert "Received 1 photo(s)" in page.text
    response = await page.upload(PDF, "payslip.pdf", "application/octet-stream")
    assert response.status_code == 200 and "Received 2 photo(s)" in page.text
    await page.tap("done")
    await page.tap("confirm")
    await page.tap("pledge:accept")
    assert "WG2025-" in page.text

    with session_factory() as session:
        attachments = session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    assert [(a.content_type, a.file_name) for a in attachments] == [
        ("image/png", "证明.png"),
        ("application/pdf", "payslip.pdf"),
    ]
    for attachment, content in zip(attachments, (PNG, PDF), strict=True):
        on_disk = (files.var_dir / attachment.storage_path).read_bytes()
        assert content not in on_disk and on_disk != content  # encrypted at rest
        assert files.read(attachment.storage_path) == content
        assert attachment.size == len(content)


async def test_refusals_store_nothing(page, files, session_factory):
    await page.open()
    await page.say("/start")
    cases = [
        (b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES, "big.jpg", "image/jpeg", 413),
        (b"GIF89a\x01\x00\x01\x00", "a.gif", "image/gif", 415),
        (b"MZ\x90\x00 not a picture at all", "photo.jpg", "image/jpeg", 415),  # spoofed
        (b"<html><script>alert(1)</script>", "proof.pdf", "application/pdf", 415),
        (b"", "empty.png", "image/png", 400),
    ]
    for content, name, declared, status in cases:
        response = await page.upload(content, name, declared)
        assert response.status_code == status, (name, response.text)
        assert set(response.json()) == {"error"} and "\n" not in response.json()["error"]
    # No file field at all; not multipart at all.
    response = await page.client.post("/api/upload", data={"lang": "en"})
    assert response.status_code == 400
    response = await page.client.post("/api/upload", json={"file": "x"})
    assert response.status_code == 400
    assert kept_files(files) == []
    # In Chinese unless asked otherwise.
    response = await page.client.post(
        "/api/upload", files={"file": ("a.gif", b"GIF89a", "image/gif")}
    )
    assert response.status_code == 415 and "PDF" in response.json()["error"]
    assert re.search(r"[\u4e00-\u9fff]", response.json()["error"])


async def test_an_upload_needs_a_session(client, files):
    response = await client.post("/api/upload", files={"file": ("p.png", PNG, "image/png")})
    assert response.status_code == 401
    assert kept_files(files) == []


async def test_the_reviewer_opens_the_attachment_until_revoked(
    page, registry, files, session_factory, chat
):
    await to_the_proof_step(page)
    await page.upload(PNG, "proof.png", "image/png")
    await page.tap("done")
    await page.tap("confirm")
    await page.tap("pledge:accept")
    cross_check(session_factory)
    with session_factory() as session:
        statuses = set(session.scalars(sa.select(Application.status)))
    assert ApplicationStatus.SUBMITTED not in statuses

    cadre = make_staff(chat, session_factory, StaffRole.CADRE, VILLAGE)
    cadre.say("/review")
    links = re.findall(r"https?://[^/\s]+(/attachments/\S+)", cadre.text)
    assert len(links) == 1, cadre.text
    opened = await page.client.get(links[0])
    assert opened.status_code == 200
    assert opened.content == PNG
    assert opened.headers["content-type"] == "image/png"
    assert opened.headers["content-disposition"].startswith("inline")
    assert opened.headers["cache-control"] == "no-store"
    assert opened.headers["x-content-type-options"] == "nosniff"
    with session_factory() as session:
        assert session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "attachment_viewed")
        )

    forged = links[0][:-1] + ("0" if links[0][-1] != "0" else "1")
    assert (await page.client.get(forged)).status_code == 404
    with session_factory.begin() as session:
        staff_id = session.scalar(
            sa.select(ChatIdentity.staff_id).where(
                ChatIdentity.channel == Channel.WEB, ChatIdentity.external_id == cadre.user
            )
        )
        revoke(session, staff_id, utcnow())
        assert not session.get(Staff, staff_id).active
    gone = await page.client.get(links[0])
    assert gone.status_code == 404
    assert gone.content != PNG and gone.headers["cache-control"] == "no-store"


async def test_a_cadre_sends_the_signed_letter_from_the_page(
    page, registry, files, session_factory
):
    code = "code-web-cadre"
    with session_factory.begin() as session:
        session.add(
            StaffInvite(
                code_hash=StaffInvite.hash_code(code),
                role=StaffRole.CADRE,
                region_code=VILLAGE,
                expires_at=utcnow().replace(year=2099),
            )
        )
    await page.open()
    await page.say(f"/start {code}")
    await page.say("王建国")
    await page.tap("staff:skip")
    await page.tap("menu:delegate")
    await page.say(WORKER_ID)
    await page.tap("village_cadre")
    await page.tap("agree:letter")
    response = await page.upload(PDF, "委托书.pdf", "image/jpeg")  # the declared type is wrong
    assert response.status_code == 200, response.text
    for action, value in QUICK_CHECK[1:6]:
        await getattr(page, action)(value)
    await page.tap("bank:file")
    await page.tap("done")
    await page.tap("confirm")
    await page.tap("pledge:accept")
    with session_factory() as session:
        (letter,) = session.scalars(sa.select(Attachment)).all()
        capacities = set(session.scalars(sa.select(Application.capacity)))
    assert capacities == {Capacity.VILLAGE_CADRE}
    assert letter.kind == AttachmentKind.DELEGATION_LETTER
    assert (letter.content_type, letter.file_name) == ("application/pdf", "委托书.pdf")
    assert PDF not in (files.var_dir / letter.storage_path).read_bytes()
    assert files.read(letter.storage_path) == PDF
