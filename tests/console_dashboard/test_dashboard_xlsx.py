"""The dashboard's XLSX: one sheet per chart, the same numbers as numbers."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from common.dashboard_xlsx import dashboard_xlsx
from db.queries.console.dashboard import dashboard
from tests.console_dashboard.county import CITY, COUNTY, YEAR, build_county


@pytest.fixture
def county(session_factory):
    return build_county(session_factory)


def _rows(workbook, index):
    return [list(row) for row in workbook.worksheets[index].iter_rows(values_only=True)]


def test_each_chart_is_a_sheet_with_a_header_row_and_the_same_numbers(county, session):
    workbook = load_workbook(io.BytesIO(dashboard_xlsx(dashboard(session, COUNTY, YEAR), "en")))
    assert workbook.sheetnames == [
        "People supported", "Budget", "Claims by township", "Submissions per week",
        "Paid on time", "Satisfaction",
    ]  # fmt: skip
    people = _rows(workbook, 0)
    assert people[0] == ["County", "Program", "People supported", "Target", "Share of the target"]
    assert people[1] == ["高平市", "One-off transport subsidy", 5, 800, pytest.approx(5 / 800)]
    assert people[3][2:] == [0, None, None]  # workshop: no target, no share

    budget = _rows(workbook, 1)
    assert budget[1][2:5] == [500_000, Decimal("5700"), 3600]
    assert budget[1][5] == pytest.approx(0.0072)
    assert budget[2][2:5] == [250_000, 1200, 1200]
    assert all(isinstance(value, int | float) for value in budget[1][2:])

    townships = _rows(workbook, 2)
    assert townships[0][:3] == ["County", "Township", "Submitted"]
    assert townships[0][-1] == "Total" and len(townships) == 1 + 15
    mishan = next(row for row in townships if row[1] == "米山镇")
    assert mishan[-1] == 6 and sum(mishan[2:-1]) == 6
    paid_column = townships[0].index("Paid")
    assert mishan[paid_column] == 3

    weeks = _rows(workbook, 3)
    assert weeks[0] == ["County", "ISO week", "2026", "2025"]
    assert len(weeks) == 1 + 53
    assert weeks[10] == ["高平市", 10, 5, 1]
    assert weeks[2] == ["高平市", 2, 1, 0]

    assert _rows(workbook, 4)[1] == ["高平市", 4, 3, 0.75]

    satisfaction = _rows(workbook, 5)
    assert satisfaction[1][:6] == ["高平市", "One-off transport subsidy", 1, 1, 1, 3]
    assert satisfaction[1][6:] == [pytest.approx(2 / 3), 0.95]
    assert workbook.worksheets[5]["G2"].number_format == "0.0%"


def test_a_city_workbook_has_the_counties_side_by_side(county, session):
    workbook = load_workbook(io.BytesIO(dashboard_xlsx(dashboard(session, CITY, YEAR), "en")))
    payment = _rows(workbook, 4)
    assert [row[0] for row in payment[1:]] == [
        "城区",
        "沁水县",
        "阳城县",
        "陵川县",
        "泽州县",
        "高平市",
    ]
    assert payment[5] == ["泽州县", 1, 1, 1.0]
    assert payment[1] == ["城区", 0, 0, None]


def test_formula_like_names_stay_text(county, session):
    from dataclasses import replace

    board = dashboard(session, COUNTY, YEAR)
    (gaoping,) = board.counties
    board = replace(board, counties=(replace(gaoping, name="=HYPERLINK(1)"),))
    workbook = load_workbook(io.BytesIO(dashboard_xlsx(board, "zh_CN")))
    assert workbook.worksheets[0]["A2"].value == "=HYPERLINK(1)"
    assert workbook.worksheets[0]["A2"].data_type == "s"
