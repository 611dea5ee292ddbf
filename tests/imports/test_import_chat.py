"""A county admin sends an export in chat: downloaded from a fake Bot API over HTTP, imported by
a real dramatiq worker, progress and the result reported back in the admin's chat."""

from __future__ import annotations

import dramatiq
import pytest

from bot.engine import Conversations
from bot.messages import FileRef, Incoming
from common.broker import setup_broker
from common.runtime import Runtime
from common.settings import PathSettings, Settings
from db.enums import Channel, ImportStatus, StaffRole
from db.models import ChatIdentity, ImportBatch, Notification, Staff
from tests.fakes.telegram_api import serve_fake
from tests.fakes.telegram_files import FakeFileBotAPI
from tests.fakes.telegram_harness import telegram_settings
from tests.imports.conftest import DATA, WORK_XLSX, count, sample_rows, write_xlsx
from tests.waiting import WORKER_TIMEOUT_MS
from workers import context
from wugong.senders import register_senders

ADMIN = 880001
VILLAGER = 880002


@pytest.fixture
def fake():
    with serve_fake(FakeFileBotAPI()) as fake:
        yield fake


@pytest.fixture
def broker():
    broker = setup_broker(None)
    yield broker
    context.install(None)


@pytest.fixture
def installed(fake, engine, session_factory, tmp_path):
    settings = Settings()
    settings.telegram = telegram_settings(fake, mode="polling")
    settings.paths = PathSettings(var_dir=tmp_path / "var")
    # Every message of an import goes to the admin's one chat: at Telegram's one message a
    # second per chat, the tests would wait a second for each (what they test is the import).
    settings.messaging.send_chat_rate = 100
    runtime = Runtime(settings=settings, engine=engine, sessions=session_factory)
    context.install(runtime)
    register_senders(runtime)  # as every process does at start
    return settings


@pytest.fixture
def chats(session_factory):
    """A county admin of 高平市 and a villager, both on Telegram; the admin reads English."""
    with session_factory.begin() as session:
        staff = Staff(name="县管理员", role=StaffRole.COUNTY_ADMIN, region_code="140581")
        session.add(staff)
        session.flush()
        session.add_all(
            [
                ChatIdentity(
                    channel=Channel.TELEGRAM, external_id=str(ADMIN), staff_id=staff.id,
                    language="en", state={},
                ),
                ChatIdentity(channel=Channel.TELEGRAM, external_id=str(VILLAGER), state={}),
            ]
        )  # fmt: skip
    return Conversations(session_factory)


def send(conversations: Conversations, user: int, **message) -> str:
    replies = conversations.handle(Incoming(channel=Channel.TELEGRAM, user=str(user), **message))
    return "\n".join(reply.text for reply in replies)


def run_worker(broker) -> None:
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=WORKER_TIMEOUT_MS)
    worker.start()
    try:
        for queue in ("imports", "notifications", "crosscheck"):
            broker.join(queue)
        worker.join()
    finally:
        worker.stop()


def document(file_id: str, name: str) -> FileRef:
    return FileRef(kind="document", file_id=file_id, name=name, mime_type=None, size=None)


def test_an_uploaded_export_is_imported_and_reported_in_chat(
    broker, installed, fake, chats, engine, session_factory, tmp_path
):
    """Given a county admin, /import then the work table as a document: the worker downloads it
    (getFile, then the file URL), imports it, and the admin is told it started and finished,
    with the counts and the first bad row (its ID masked)."""
    rows = sample_rows(WORK_XLSX)
    rows[3][rows[2].index("证件号码")] = "140581198004125315"
    fake.files["doc-7"] = write_xlsx(tmp_path / "upload.xlsx", rows).read_bytes()

    assert "Send me the export" in send(chats, ADMIN, text="/import")
    assert "Received 已外出务工信息.xlsx" in send(chats, ADMIN, file=document("doc-7", WORK_XLSX))
    run_worker(broker)

    assert fake.downloads == ["doc-7"]
    assert count(engine, "monitoring_employment") == 9
    with session_factory() as session:
        batch = session.query(ImportBatch).one()
        assert (batch.status, batch.rows, batch.inserted, batch.errors) == (
            ImportStatus.FINISHED, 10, 9, 1,
        )  # fmt: skip
        texts = [n.text for n in session.query(Notification).order_by(Notification.id)]
    assert texts[0] == "Importing 已外出务工信息.xlsx. I will tell you here how it goes."
    finished = texts[-1]
    assert "10 rows — 9 new, 0 updated, 0 unchanged, 1 with errors" in finished
    assert "Row 4, 证件号码 “1405**********5315”: The check digit of the ID number is wrong." in (
        finished
    )
    assert "140581198004125315" not in finished
    # 三甲北村 is not in the division register: its people are imported at 三甲镇, with a warning.
    assert "2 rows were imported with a warning" in finished
    assert "Row 8, 村 “三甲北村”: imported at 高平市三甲镇; closest names: 三甲村委会、" in finished
    # Delivered to the admin through the (fake) Bot API.
    sent = fake.texts(ADMIN)
    assert sent[0].startswith("Importing") and "1 with errors" in sent[-1]


def test_running_the_upload_job_twice_imports_once(
    broker, installed, fake, chats, engine, session_factory
):
    """A redelivered upload message finds its batch taken and does nothing."""
    fake.files["doc-8"] = (DATA / WORK_XLSX).read_bytes()
    send(chats, ADMIN, text="/import")
    send(chats, ADMIN, file=document("doc-8", WORK_XLSX))
    run_worker(broker)
    from workers.imports import import_upload

    with session_factory() as session:
        batch_id = session.query(ImportBatch.id).scalar()
        identity = session.query(ChatIdentity).filter_by(external_id=str(ADMIN)).one()
    import_upload.fn(batch_id, identity.id, "doc-8")
    assert fake.downloads == ["doc-8"]
    assert count(engine, "monitoring_employment") == 10


def test_a_file_the_bot_api_cannot_serve_is_reported(
    broker, installed, fake, chats, session_factory
):
    """An upload whose file is gone tells the admin to send it again; the batch is failed."""
    send(chats, ADMIN, text="/import")
    send(chats, ADMIN, file=document("gone", WORK_XLSX))
    run_worker(broker)
    with session_factory() as session:
        assert session.query(ImportBatch.status).scalar() is ImportStatus.FAILED
        texts = [n.text for n in session.query(Notification).order_by(Notification.id)]
    assert (
        texts[-1] == "I could not download 已外出务工信息.xlsx from Telegram. Please send it again."
    )


def test_only_administrators_may_import_and_only_documents_are_taken(chats):
    """A villager is refused /import; an admin sending a photo or a PDF is asked again."""
    assert "导入监测数据需要县级管理员身份" in send(chats, VILLAGER, text="/import")
    send(chats, ADMIN, text="/import")
    photo = FileRef(kind="photo", file_id="p1")
    assert "as a file (a document)" in send(chats, ADMIN, file=photo)
    assert "xlsx and csv files only" in send(chats, ADMIN, file=document("d1", "证明.pdf"))


def test_a_long_import_reports_its_progress(
    broker, installed, fake, chats, session_factory, monkeypatch
):
    """With the thresholds lowered to fit the 10-row sample, the admin gets progress messages
    between "started" and "finished" (a real export gets one per tenth or per 50,000 rows)."""
    import db.imports.monitoring
    import workers.imports

    monkeypatch.setattr(db.imports.monitoring, "PROGRESS_EVERY_ROWS", 1)
    monkeypatch.setattr(workers.imports, "PROGRESS_MIN_ROWS", 0)
    fake.files["doc-9"] = (DATA / WORK_XLSX).read_bytes()
    send(chats, ADMIN, text="/import")
    send(chats, ADMIN, file=document("doc-9", WORK_XLSX))
    run_worker(broker)
    with session_factory() as session:
        texts = [n.text for n in session.query(Notification).order_by(Notification.id)]
    progress = [t for t in texts if "rows read so far" in t]
    assert texts[0].startswith("Importing") and texts[-1].startswith("Import finished.")
    assert progress and all(t in texts[1:-1] for t in progress)
    assert progress[0].startswith(f"{WORK_XLSX}: 1 rows read so far (")
