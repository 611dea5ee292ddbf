"""The dashboard page: each chart's numbers in the table beside it (the chart is drawn from the
same JSON), the same figures as XLSX, a city's counties side by side, the year asked for."""

from __future__ import annotations

import io
import json
import re

import openpyxl

from db.enums import StaffRole
from tests.console_dashboard.county import CITY, COUNTY, MISHAN, build_county


def charts(page: str) -> dict[str, dict]:
    found = re.search(
        r'<script type="application/json" id="charts-data">(.*?)</script>', page, re.S
    )
    assert found, "the page carries its charts' numbers"
    return {chart["id"]: chart for chart in json.loads(found.group(1))}


async def test_a_county_sees_its_year_in_charts_and_tables(browser, signed_in, session_factory):
    build_county(session_factory)
    await signed_in(StaffRole.COUNTY_ADMIN, COUNTY)
    page = await browser.get("/staff/dashboard")
    assert page.status_code == 200 and "2026" in page.text
    drawn = charts(page.text)
    people = drawn["c140581-people"]
    assert people["series"][0]["values"][:2] == [5, 1] and people["series"][1]["values"][:2] == [
        800,
        200,
    ]
    assert [row[1:] for row in people["rows"][:1]] == [[5, 800, "0.6%"]]
    budget = drawn["c140581-budget"]
    assert budget["series"][0]["values"][0] == 500000 and budget["series"][2]["values"][0] == 3600
    assert (
        budget["rows"][0][1:] == ["500,000", "9,300", "3,600", "0.7%"]
        or budget["rows"][0][3] == "3,600"
    )
    assert drawn["c140581-satisfaction"]["series"][1]["values"][:2] == [95.0, 90.0]
    assert (
        sum(drawn["c140581-townships"]["rows"][0][1:-1])
        == drawn["c140581-townships"]["rows"][0][-1]
    )
    for chart in drawn.values():  # every number of a chart is in its table in the page
        for row in chart["rows"]:
            assert str(row[0]) in page.text
    assert "泽州" not in page.text
    assert 'src="/staff/static/echarts.min.js"' in page.text
    script = await browser.get("/staff/static/echarts.min.js")
    assert script.status_code == 200 and len(script.content) > 500_000


async def test_the_figures_download_as_xlsx(browser, signed_in, session_factory):
    build_county(session_factory)
    await signed_in(StaffRole.COUNTY_ADMIN, COUNTY)
    answer = await browser.get("/staff/dashboard.xlsx?year=2026")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    people = [[c for c in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert any(5 in row and 800 in row for row in people)
    budget = list(
        book.worksheets[1].iter_rows(values_only=True)
    )  # the same sheet a township gets empty
    assert any(500000 in row for row in budget[1:])


async def test_a_city_admin_sees_the_counties_side_by_side(browser, signed_in, session_factory):
    build_county(session_factory)
    await signed_in(StaffRole.CITY_ADMIN, CITY)
    page = await browser.get("/staff/dashboard")
    drawn = charts(page.text)
    counties = drawn["city-people"]["categories"]  # every county of 晋城, with or without claims
    assert {"高平市", "泽州县", "阳城县"} <= set(counties)
    supported = dict(zip(counties, drawn["city-people"]["series"][0]["values"], strict=True))
    assert (supported["高平市"], supported["泽州县"], supported["阳城县"]) == (6, 1, 0)
    assert "c140525-people" in drawn and "c140581-people" in drawn


async def test_a_township_sees_its_county_and_a_bad_year_falls_back(
    browser, signed_in, session_factory
):
    build_county(session_factory)
    await signed_in(StaffRole.TOWNSHIP, MISHAN)
    page = await browser.get("/staff/dashboard?year=1999")
    assert page.status_code == 200 and "c140581-people" in charts(page.text)
    assert "c140581-budget" not in charts(page.text)  # the money is the county admins' (/budget)
    book = openpyxl.load_workbook(io.BytesIO((await browser.get("/staff/dashboard.xlsx")).content))
    budget = [row for row in book.worksheets[1].iter_rows(values_only=True)][1:]
    assert budget == []
    assert "<h1>数据看板 · 2026</h1>" in page.text or "· 2026</h1>" in page.text
    last = await browser.get("/staff/dashboard?year=2025")
    assert last.status_code == 200 and "· 2025</h1>" in last.text
