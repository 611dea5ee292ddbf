"""Importing a monitoring export on the console: the upload becomes the chat's import job, the
page follows its progress (a JSON the page's script polls), then the summary and the error file,
served only to staff of the import's region; wrong, unreadable and oversized files are refused
in one line with nothing imported."""

from __future__ import annotations

import re

from db.enums import StaffRole
from db.imports.monitoring import upload_path
from db.models import AuditEvent, ImportBatch
from tests.console.conftest import GAOPING, TOWNSHIP, form_token
from tests.console_chain2.conftest import MAX_BYTES, sent
from tests.imports.conftest import DATA, WORK_XLSX, count, sample_rows, write_xlsx
from workers.imports import PageReporter, import_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def upload(browser, name: str, content: bytes):
    page = await browser.get("/staff/imports")
    assert page.status_code == 200, page.text
    return await browser.post(
        "/staff/imports",
        data={"csrf": form_token(page.text)},
        files={"file": (name, content, XLSX)},
    )


def batches(session_factory) -> list[ImportBatch]:
    with session_factory() as session:
        return session.query(ImportBatch).all()


async def test_an_upload_is_imported_by_the_chats_job_with_progress_and_error_file(
    browser, signed_in, session_factory, broker, runtime, engine, folder, tmp_path
):
    browser.cookies.set("wugong_lang", "en")
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    rows = sample_rows(WORK_XLSX)
    rows[3][rows[2].index("证件号码")] = "140581198004125315"  # a wrong check digit
    content = write_xlsx(tmp_path / "upload.xlsx", rows).read_bytes()

    answer = await upload(browser, WORK_XLSX, content)
    assert answer.status_code == 303
    batch_id = int(answer.headers["location"].rsplit("/", 1)[1])
    jobs = sent(broker, "imports")
    assert len(jobs) == 1 and jobs[0][0] == batch_id and jobs[0][2] == ""
    waiting = upload_path(folder, batch_id, WORK_XLSX)
    assert waiting.read_bytes() == content

    page = await browser.get(f"/staff/imports/{batch_id}")
    assert "<progress" in page.text and 'src="/staff/static/imports.js"' in page.text
    assert f'data-url="/staff/imports/{batch_id}/progress"' in page.text
    first = (await browser.get(f"/staff/imports/{batch_id}/progress")).json()
    assert first == {"status": "running", "done": False, "rows": 0, "percent": 0}
    PageReporter(waiting, "en", WORK_XLSX).progress(5, 0.5)  # as the job writes it
    halfway = (await browser.get(f"/staff/imports/{batch_id}/progress")).json()
    assert (halfway["rows"], halfway["percent"]) == (5, 50)
    assert "5 rows read (50%)" in (await browser.get(f"/staff/imports/{batch_id}")).text

    import_upload.fn(*jobs[0])
    assert not waiting.exists()  # the export is deleted after its import
    assert count(engine, "monitoring_employment") == 9
    done = (await browser.get(f"/staff/imports/{batch_id}/progress")).json()
    assert done["done"] is True and done["status"] == "finished"
    summary = await browser.get(f"/staff/imports/{batch_id}")
    assert "<progress" not in summary.text and "finished" in summary.text
    assert f'href="/staff/imports/{batch_id}/errors"' in summary.text
    errors = await browser.get(f"/staff/imports/{batch_id}/errors")
    assert errors.status_code == 200 and errors.headers["cache-control"] == "no-store"
    assert errors.content.startswith(b"PK")
    listed = await browser.get("/staff/imports")
    assert f"/staff/imports/{batch_id}" in listed.text and WORK_XLSX in listed.text
    with session_factory() as session:
        actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert "import_requested" in actions and "import_monitoring" in actions


async def test_the_error_file_is_for_staff_of_the_imports_region_only(
    browser, signed_in, session_factory, broker, runtime, folder
):
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    answer = await upload(browser, WORK_XLSX, (DATA / WORK_XLSX).read_bytes())
    batch_id = int(answer.headers["location"].rsplit("/", 1)[1])
    import_upload.fn(*sent(broker, "imports")[0])
    browser.cookies.clear()
    browser.cookies.set("wugong_lang", "en")
    await signed_in(StaffRole.COUNTY_ADMIN, "140521")  # another county's administrator
    for path in ("", "/errors", "/progress"):
        refused = await browser.get(f"/staff/imports/{batch_id}{path}")
        assert refused.status_code == 404
    assert "no such import in your region" in (await browser.get(f"/staff/imports/{batch_id}")).text
    assert f"/staff/imports/{batch_id}" not in (await browser.get("/staff/imports")).text


async def test_only_administrators_import(browser, signed_in, broker):
    browser.cookies.set("wugong_lang", "en")
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    page = await browser.get("/staff/imports")
    assert page.status_code == 403
    assert "Importing monitoring records is for county administrators." in page.text
    token = form_token(page.text)
    refused = await browser.post(
        "/staff/imports",
        data={"csrf": token},
        files={"file": (WORK_XLSX, (DATA / WORK_XLSX).read_bytes(), XLSX)},
    )
    assert refused.status_code == 403 and not sent(broker, "imports")


async def test_wrong_unreadable_huge_and_stale_uploads_change_nothing(
    browser, signed_in, session_factory, broker, folder
):
    browser.cookies.set("wugong_lang", "en")
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    pdf = await upload(browser, "证明.pdf", b"%PDF-1.4 ...")
    assert pdf.status_code == 400 and "xlsx and csv files only" in pdf.text
    fake = await upload(browser, WORK_XLSX, b"this is not a workbook at all")
    assert fake.status_code == 400 and "could not be imported" in fake.text
    headless = await upload(browser, "名单.csv", "姓名,年龄\n张三,40\n".encode())
    assert headless.status_code == 400 and "could not be imported" in headless.text
    assert len(re.findall(r'role="alert"', headless.text)) == 1
    huge = await upload(browser, WORK_XLSX, b"PK\x03\x04" + b"0" * (MAX_BYTES + 70_000))
    assert huge.status_code == 413 and "too large" in huge.text
    page = await browser.get("/staff/imports")
    stale = await browser.post(
        "/staff/imports",
        data={"csrf": "stale"},
        files={"file": (WORK_XLSX, (DATA / WORK_XLSX).read_bytes(), XLSX)},
    )
    assert stale.status_code == 403 and "out of date" in stale.text
    assert "Import" in page.text
    assert batches(session_factory) == [] and not sent(broker, "imports")
    assert not any(folder.glob("*")) if folder.exists() else True  # nothing kept


def test_a_long_chinese_file_name_is_cut_to_what_a_file_system_takes():
    from bot.console.imports import short_name

    name = short_name("监测对象信息" * 30 + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode()) <= 120
    assert short_name("名单.csv") == "名单.csv"
