"""The budget and roster pages over HTTP: the county's allocations, the roster exported through
the chat's one-time link, marked sent, and paid from the bank's result file (the CLI's parser);
a file of the wrong kind or malformed, a second send, another county's roster and the roles
that are not county administrators each get one line and change nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus, StaffRole
from db.models import Application, AuditEvent, RosterBatch, RosterStatus
from tests.console.conftest import GAOPING, TOWNSHIP, form_token
from tests.console_chain1.conftest import english, status_of
from tests.review.conftest import add_claim, allocate

IDS = ("140581199001011234", "140581199303035678")
XLSX_MAGIC = b"PK"


def claims(session_factory, status=ApplicationStatus.APPROVED) -> list[int]:
    return [
        add_claim(session_factory, name, id_number, status)
        for name, id_number in zip(("张三", "王五"), IDS, strict=True)
    ]


def bank_csv(*rows: tuple[str, str, str]) -> bytes:
    lines = ["身份证号,金额,状态", *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def imports(session_factory) -> int:
    with session_factory() as session:
        return len(
            session.scalars(
                sa.select(AuditEvent.id).where(AuditEvent.action == "bank_results_imported")
            ).all()
        )


async def test_the_budget_page(browser, signed_in, session_factory):
    allocate(session_factory, 100_000)
    claims(session_factory)  # 2 × 1,500 yuan committed
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    english(browser)
    page = await browser.get("/staff/budgets?year=2025")
    assert page.status_code == 200
    assert "100,000" in page.text and "3,000" in page.text and "97,000" in page.text
    assert "no allocation imported" in page.text  # the other programs
    assert '<th scope="row">' in page.text
    bad = await browser.get("/staff/budgets?year=twenty")
    assert bad.status_code == 200 and bad.text.count("The year was not understood") == 1


@pytest.mark.parametrize(
    ("role", "region"),
    [
        (StaffRole.TOWNSHIP, TOWNSHIP),
        (StaffRole.CITY_ADMIN, "1405"),
        (StaffRole.CADRE, "140581100200"),
    ],
)
async def test_only_county_administrators(browser, signed_in, session_factory, role, region):
    allocate(session_factory, 100_000)
    approved = claims(session_factory)
    await signed_in(role, region)
    english(browser)
    refusal = "Budgets and rosters are for county administrators."
    for path in ("/staff/budgets", "/staff/roster"):
        page = await browser.get(path)
        assert page.status_code == 403 and page.text.count(refusal) == 1
    home = await browser.get("/staff")
    token = form_token(home.text)
    for path in ("/staff/roster/export", "/staff/roster/send"):
        answer = await browser.post(
            path, data={"csrf": token, "year": "2025", "program": "transport", "confirm": "yes"}
        )
        assert answer.status_code == 403 and answer.text.count(refusal) == 1
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count(RosterBatch.id))) == 0
    assert [status_of(session_factory, c) for c in approved] == [ApplicationStatus.APPROVED] * 2


async def test_export_send_and_the_bank_file(browser, signed_in, session_factory):
    allocate(session_factory, 100_000)
    approved = claims(session_factory)
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    english(browser)
    page = await browser.get("/staff/roster?year=2025")
    assert page.status_code == 200 and "3,000" in page.text
    token = form_token(page.text)
    roster = {"csrf": token, "year": "2025", "program": "transport", "confirm": "yes"}
    # Sending before the roster was downloaded: the chat's line, nothing sent.
    early = await browser.post("/staff/roster/send", data=roster)
    assert early.status_code == 409 and early.text.count("Download the roster first") == 1
    assert status_of(session_factory, approved[0]) == ApplicationStatus.APPROVED
    del roster["confirm"]
    exported = await browser.post("/staff/roster/export", data=roster)
    assert exported.status_code == 303
    link = exported.headers["location"]
    assert re.fullmatch(r"/exports/[A-Za-z0-9_-]+\.xlsx", link)
    download = await browser.get(link)
    assert download.status_code == 200 and download.content[:2] == XLSX_MAGIC
    assert (await browser.get(link)).status_code == 404  # the link works once
    shown = await browser.get("/staff/roster?year=2025")  # the page now shows the roster
    assert "Downloaded: roster No." in shown.text and "with 2 claims" in shown.text
    roster.update(downloaded(shown.text))
    unconfirmed = await browser.post("/staff/roster/send", data=roster)
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    assert status_of(session_factory, approved[0]) == ApplicationStatus.APPROVED
    roster["confirm"] = "yes"
    sent = await browser.post("/staff/roster/send", data=roster)
    assert sent.status_code == 200
    assert "is marked as sent to the finance bureau: 2 claims" in sent.text
    assert [status_of(session_factory, c) for c in approved] == [ApplicationStatus.ROSTER_SENT] * 2
    twice = await browser.post("/staff/roster/send", data=roster)  # the same form again
    assert twice.status_code == 409 and twice.text.count("Download the roster first") == 1

    # The bank's result: one paid, one failed.
    result = bank_csv((IDS[0], "1500.00", "成功"), (IDS[1], "1500.00", "失败：户名不符"))
    paid = await browser.post(
        "/staff/roster/payments",
        data={"csrf": token},
        files={"file": ("银行回盘.csv", result, "text/csv")},
    )
    assert paid.status_code == 200, paid.text
    assert "1 paid, 0 already paid, 1 not paid" in paid.text
    assert "Row 3 (1405**********5678): the transfer failed" in paid.text
    assert status_of(session_factory, approved[0]) == ApplicationStatus.PAID
    assert status_of(session_factory, approved[1]) == ApplicationStatus.ROSTER_SENT
    again = await browser.post(
        "/staff/roster/payments",
        data={"csrf": token},
        files={"file": ("银行回盘.csv", result, "text/csv")},
    )
    assert "0 paid, 1 already paid, 1 not paid" in again.text  # nobody paid twice
    with session_factory() as session:
        batch = session.scalars(sa.select(RosterBatch)).one()
        assert batch.status == RosterStatus.SENT
    listed = await browser.get("/staff/roster?year=2025")
    assert f"/staff/roster/batches/{batch.id}/download" in listed.text
    copy = await browser.post(f"/staff/roster/batches/{batch.id}/download", data={"csrf": token})
    assert copy.status_code == 303 and copy.headers["location"].startswith("/exports/")


@pytest.mark.parametrize(
    ("name", "content", "line"),
    [
        ("回盘.txt", b"whatever", "This is not a result file the bank gives"),
        ("回盘.pdf", b"%PDF-1.4", "This is not a result file the bank gives"),
        ("回盘.xlsx", b"PK\x03\x04 not really a workbook", "The file could not be read"),
        ("回盘.xlsx", b"", "The file could not be read"),
        ("回盘.csv", "姓名,备注\n张三,好\n".encode(), "The file could not be read"),
        ("回盘.csv", b"\xff\xfe\x00\x00\x81\x30\x81", "The file could not be read"),
    ],
)
async def test_a_wrong_or_malformed_file_changes_nothing(
    browser, signed_in, session_factory, name, content, line
):
    sent = claims(session_factory, ApplicationStatus.ROSTER_SENT)
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    english(browser)
    page = await browser.get("/staff/roster")
    answer = await browser.post(
        "/staff/roster/payments",
        data={"csrf": form_token(page.text)},
        files={"file": (name, content, "application/octet-stream")},
    )
    assert answer.status_code == 400
    assert answer.text.count(line) == 1
    assert [status_of(session_factory, c) for c in sent] == [ApplicationStatus.ROSTER_SENT] * 2
    assert imports(session_factory) == 0


async def test_no_file_and_nothing_to_export(browser, signed_in, session_factory):
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    english(browser)
    page = await browser.get("/staff/roster?year=2025")
    token = form_token(page.text)
    none = await browser.post("/staff/roster/payments", data={"csrf": token})
    assert none.status_code == 400 and "result file first (.xlsx or .csv)" in none.text
    empty = await browser.post(
        "/staff/roster/export", data={"csrf": token, "year": "2025", "program": "transport"}
    )
    assert empty.status_code == 409 and "waits for the roster" in empty.text
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count(RosterBatch.id))) == 0
    bad = await browser.post(
        "/staff/roster/export", data={"csrf": token, "year": "2025", "program": "nonsense"}
    )
    assert bad.status_code == 400 and "Choose the program of the roster." in bad.text


async def test_another_countys_roster(browser, signed_in, session_factory):
    with session_factory.begin() as session:
        theirs = RosterBatch(
            county_code="140521", year=2025, program="transport", status=RosterStatus.SENT
        )
        session.add(theirs)
        session.flush()
        batch_id = theirs.id
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    english(browser)
    page = await browser.get("/staff/roster?year=2025")
    assert f"/staff/roster/batches/{batch_id}/download" not in page.text
    answer = await browser.post(
        f"/staff/roster/batches/{batch_id}/download", data={"csrf": form_token(page.text)}
    )
    assert answer.status_code == 404
    assert answer.text.count("That roster or claim is not in your county.") == 1


def downloaded(page: str) -> dict[str, str]:
    """The roster the page shows as downloaded: its batch and claim count (the send form's)."""
    found = re.search(
        r'name="batch" value="(\d+)"><input type="hidden" name="count" value="(\d+)"', page
    )
    assert found, "the page shows the downloaded roster"
    return {"batch": found.group(1), "count": found.group(2)}


async def test_a_roster_that_changed_since_the_page_is_not_marked(
    browser, signed_in, session_factory
):
    allocate(session_factory, 100_000)
    approved = claims(session_factory)
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    english(browser)
    page = await browser.get("/staff/roster?year=2025")
    form = {"csrf": form_token(page.text), "year": "2025", "program": "transport"}
    assert (await browser.post("/staff/roster/export", data=form)).status_code == 303
    shown = downloaded((await browser.get("/staff/roster?year=2025")).text)
    with session_factory.begin() as session:  # a claim leaves the roster meanwhile (an objection)
        session.get(Application, approved[0]).status = ApplicationStatus.ON_HOLD
    stale = await browser.post("/staff/roster/send", data={**form, **shown, "confirm": "yes"})
    assert (
        stale.status_code == 409 and "The roster changed since this page was loaded" in stale.text
    )
    assert status_of(session_factory, approved[1]) == ApplicationStatus.APPROVED
