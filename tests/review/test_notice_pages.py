"""The printable notice page and its spreadsheet: the six columns, masked ID numbers only."""

from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook
from starlette.applications import Starlette

from bot.channels import notice_pages
from db.enums import ApplicationStatus as S
from db.enums import StaffRole
from tests.review.conftest import (
    add_claim,
    apply_in_chat,
    approve_all_and_post,
    cross_check,
    make_staff,
)

HEADER = ["姓名", "身份证号", "务工地点", "务工时间", "补贴类型", "金额（元）"]


def posted(chat, session_factory) -> str:
    apply_in_chat(chat("worker"))
    cross_check(session_factory)
    add_claim(session_factory, "王<b>五", "140524196208150136", S.VILLAGE_REVIEW)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    return approve_all_and_post(cadre)


async def get(session_factory, path: str) -> httpx.Response:
    app = Starlette(routes=notice_pages.routes(session_factory))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://wugong.test") as client:
        return await client.get(path)


async def test_the_printable_page_lists_the_notice_with_masked_ids(chat, registry, session_factory):
    number = posted(chat, session_factory)
    response = await get(session_factory, f"/notices/{number}")
    assert response.status_code == 200
    page = response.text
    assert "@page" in page and "A4" in page
    assert all(column in page for column in HEADER)
    assert "张三" in page and "1405**********1232" in page and "1405**********0136" in page
    assert "140581199003151232" not in page and "140524196208150136" not in page
    assert "王&lt;b&gt;五" in page  # names are escaped
    assert "江苏" in page and "1500" in page and "1200" in page
    assert f"/object {number}" in page
    assert "http" not in page.lower().replace("http-equiv", "")  # no external resources
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_the_spreadsheet_reads_back_with_the_same_rows(chat, registry, session_factory):
    number = posted(chat, session_factory)
    response = await get(session_factory, f"/notices/{number}.xlsx")
    assert response.status_code == 200
    assert number in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(rows) if row[:6] == HEADER)
    body = [row for row in rows[start + 1 :] if len(row) > 1 and row[1]]
    assert sorted((row[0], row[1], row[5]) for row in body) == [
        ("张三", "1405**********1232", 1200),
        ("张三", "1405**********1232", 1500),
        ("王<b>五", "1405**********0136", 1500),
    ]
    assert all("至" in row[3] for row in body)
    text = repr(rows)
    assert "140581199003151232" not in text and "140524196208150136" not in text


async def test_unknown_and_draft_notices_are_not_found(chat, registry, session_factory):
    for path in (
        "/notices/GS-140581100200-2025-999",
        "/notices/draft-village-140581100200",
        "/notices/nonsense.xlsx",
    ):
        assert (await get(session_factory, path)).status_code == 404
