"""The printable notice page and its spreadsheet as a village posts them: the template's columns,
masked ID numbers only, the period in dates that match its days, and how to object."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import httpx
import sqlalchemy as sa
from openpyxl import load_workbook
from starlette.applications import Starlette

from bot.channels import notice_pages, notice_text
from db.enums import ApplicationStatus as S
from db.enums import Sex, StaffRole
from db.models import Application, MonitoringEmployment, Notice, Person, Staff
from db.queries import review as rules
from db.queries.notices import local_date, post_notice
from db.queries.objections import is_open
from policy import load_parameters
from tests.review.conftest import (
    add_claim,
    apply_in_chat,
    approve_all_and_post,
    cross_check,
    make_staff,
)

HEADER = [
    "姓名",
    "性别",
    "年龄",
    "身份证号",
    "务工单位",
    "务工地点",
    "务工时间",
    "补贴类型",
    "金额（元）",
]


def posted(chat, session_factory) -> str:
    apply_in_chat(chat("worker"))
    cross_check(session_factory)
    add_claim(session_factory, "王<b>五", "140524196208150136", S.VILLAGE_REVIEW)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    return approve_all_and_post(cadre)


async def get(session_factory, path: str, parameters=None) -> httpx.Response:
    app = Starlette(routes=notice_pages.routes(session_factory, parameters))
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
    assert "江苏" in page and "1,500" in page and "1,200" in page
    assert (  # 张三 in March 2025; each value labelled for the narrow (phone) layout
        '<td class="short" data-label="性别">男</td><td class="short" data-label="年龄">34</td>'
        in page
    )
    assert "@media screen and (max-width: 640px)" in page
    assert "2025年03月至2025年11月" in page
    assert f"/object {number}" in page and "向村委会当面反映" in page
    assert "监督电话" not in page  # 高平 has set no supervision phone
    assert "http" not in page.lower().replace("http-equiv", "")  # no external resources
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_the_spreadsheet_reads_back_with_the_same_rows(chat, registry, session_factory):
    number = posted(chat, session_factory)
    response = await get(session_factory, f"/notices/{number}.xlsx")
    assert response.status_code == 200
    assert number in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "务工补贴公示（村级审核）"
    start = next(i for i, row in enumerate(rows) if row[:9] == HEADER)
    body = [row for row in rows[start + 1 :] if row[3] and "*" in row[3]]
    assert sorted((row[0], row[1], row[2], row[3], row[8]) for row in body) == [
        ("张三", "男", 34, "1405**********1232", 1200),
        ("张三", "男", 34, "1405**********1232", 1500),
        ("王<b>五", "男", 62, "1405**********0136", 1500),
    ]
    assert all("至" in row[6] for row in body)
    assert sheet.cell(start + 2, 3).data_type == sheet.cell(start + 2, 9).data_type == "n"
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize), setup.fitToWidth) == ("landscape", 9, 1)
    assert sheet.print_title_rows == f"${start + 1}:${start + 1}"
    text = repr(rows)
    assert "140581199003151232" not in text and "140524196208150136" not in text


async def test_unknown_and_draft_notices_are_not_found(chat, registry, session_factory):
    for path in (
        "/notices/GS-140581100200-2025-999",
        "/notices/draft-village-140581100200",
        "/notices/nonsense.xlsx",
    ):
        assert (await get(session_factory, path)).status_code == 404


def post_at(session_factory, now: datetime, *names: str) -> str:
    """A village notice of transport claims of ``names``, posted by the cadre at ``now``."""
    ids = ["140581199003151232", "140524196208150136", "140427196801012467"]
    claims = [add_claim(session_factory, name, ids[n], S.VILLAGE_REVIEW) for n, name in
              enumerate(names)]  # fmt: skip
    with session_factory.begin() as session:
        cadre = Staff(name="cadre", role=StaffRole.CADRE, region_code="140581100200")
        session.add(cadre)
        session.flush()
        for claim in claims:
            rules.approve(session, cadre, session.get(Application, claim))
        return post_notice(session, cadre, "140581100200", now=now, days=5).notice.number


def test_the_period_is_the_notice_days_after_the_day_of_posting(session_factory):
    # Given a notice of 5 days posted at 23:50 on 1 December 2026 (Beijing time)
    number = post_at(session_factory, datetime(2026, 12, 1, 15, 50, tzinfo=UTC), "赵一")
    with session_factory.begin() as session:  # and 赵一's employer in the monitoring records
        person = session.scalars(sa.select(Person).where(Person.name == "赵一")).one()
        session.add(MonitoringEmployment(person_id=person.id, start_month=date(2025, 2, 1),
                                         employer_name="宁波某电子有限公司"))  # fmt: skip
    view = notice_pages.load(session_factory, number)
    assert (view.rows[0].employer, view.rows[0].sex, view.rows[0].age) == (
        "宁波某电子有限公司", Sex.MALE, 34,
    )  # fmt: skip
    # Then its period is 2 to 6 December: five full days, the day of posting not counted
    assert (view.posted_on, view.first_day, view.last_day) == (
        date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 6),
    )  # fmt: skip
    assert view.days == 5 == (view.last_day - view.first_day).days + 1
    assert "公示期：2026年12月2日至2026年12月6日（共5天）" in notice_text.intro(view, "zh_CN")
    assert "Notice period: December 2, 2026 to December 6, 2026 (5 days)" in notice_text.intro(
        view, "en"
    )
    # And it is up until the end of its last day, when the sweep may close it
    with session_factory() as session:
        notice = session.scalars(sa.select(Notice).where(Notice.number == number)).one()
        assert local_date(notice.ends_at - timedelta(seconds=1)) == view.last_day
        assert is_open(notice, datetime(2026, 12, 6, 15, 59, tzinfo=UTC))  # 23:59 on the 6th
        assert not is_open(notice, datetime(2026, 12, 6, 16, 0, tzinfo=UTC))


async def test_the_countys_supervision_phone_is_printed_when_it_has_one(session_factory, tmp_path):
    # Given 高平's county file in the county's own folder naming a supervision phone
    (tmp_path / "140581.yaml").write_text(
        'county: "140581"\nreference: 高平市 notice template\nprocess:\n  supervision_phone:\n'
        '    values:\n      2025-01-01: "0356-5550123"\n',
        encoding="utf-8",
    )
    parameters = load_parameters([tmp_path])
    number = post_at(session_factory, datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "赵一")
    # When the notice is opened, Then the phone is printed and named as a way to object
    page = (await get(session_factory, f"/notices/{number}", parameters)).text
    assert "监督电话：0356-5550123" in page and "拨打监督电话 0356-5550123" in page
    english = (await get(session_factory, f"/notices/{number}?lang=en", parameters)).text
    assert "call the supervision phone 0356-5550123" in english
    # And without the county file the notice sends objections to the village committee
    page = (await get(session_factory, f"/notices/{number}", load_parameters())).text
    assert "监督电话" not in page and "向村委会当面反映" in page


async def test_a_name_that_looks_like_a_formula_stays_text_in_the_spreadsheet(session_factory):
    number = post_at(session_factory, datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "=1+2", "@SUM(A1)")
    response = await get(session_factory, f"/notices/{number}.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = {
        c.value: c for row in sheet.iter_rows() for c in row if c.value in ("=1+2", "@SUM(A1)")
    }
    assert {name: c.data_type for name, c in names.items()} == {"=1+2": "s", "@SUM(A1)": "s"}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_the_chat_tells_the_poster_the_same_period(chat, registry, session_factory):
    apply_in_chat(chat("worker"))
    cross_check(session_factory)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581100200")
    number = approve_all_and_post(cadre)
    view = notice_pages.load(session_factory, number)
    period = notice_text.intro(view, "zh_CN")[2].removeprefix("公示期：")
    assert f"公示期：{period}" in cadre.text and "（共5天）" in cadre.text
    assert view.first_day == view.posted_on + timedelta(days=1)
