"""The dashboard: where the year stands for a county (a city: its counties side by side).

People supported against the target per program, the budget allocated / committed / paid
(执行率), claims by status per township (stacked), submissions per week against last year, the
share paid within 7 working days of the roster reaching finance, satisfaction against its target.
Each chart is drawn in the browser by ECharts (served from /staff/static, SVG, with its ARIA
description and patterns as well as colours) from the same numbers the table beside it shows,
and the same figures download as XLSX (`common.dashboard_xlsx`).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.web import HEADERS, Console, StaffUser, language_of, staff_page, yuan
from common.dashboard_xlsx import STATUS_NAMES, dashboard_xlsx
from common.i18n import translate
from common.texts import program_name
from db.enums import StaffRole
from db.queries.console.dashboard import CountyDashboard, Dashboard, dashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONEY_ROLES = frozenset({StaffRole.COUNTY_ADMIN, StaffRole.CITY_ADMIN})  # see the budget
YEARS_BACK = 3  # the years offered besides this one
FIRST_YEAR = 2000  # a year asked for before this (or after next year) is a typo: this year


@dataclass
class Chart:
    """One chart and its table: `rows` are the table's (first cell the category), `series`
    the chart's (each a name, one value per category, and a "type" when not the chart's)."""

    id: str
    title: str
    kind: str  # bar | stacked | line | percent
    categories: list[str]
    series: list[dict[str, Any]]
    header: list[str]
    rows: list[list[Any]]
    unit: str = ""
    note: str = ""


def scope(user: StaffUser) -> str:
    """The dashboard a staff member sees: a city admin their city, everyone else their county."""
    if user.role == StaffRole.CITY_ADMIN:
        return user.region_code[:4]
    return user.region_code[:6]


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


class Charts:
    """The charts of a dashboard in one language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def t(self, message: str, **values: Any) -> str:
        return translate(self.language, message, **values)

    def program(self, program: Any) -> str:
        return program_name(self.t, program.value)

    def county(self, county: CountyDashboard) -> list[Chart]:
        prefix = f"c{county.code}"
        return [
            self.people(prefix, county),
            *([self.budget(prefix, county)] if county.budget else []),
            self.townships(prefix, county),
            self.weeks(prefix, county),
            self.payment(prefix, [county]),
            self.satisfaction(prefix, county),
        ]

    def people(self, prefix: str, county: CountyDashboard) -> Chart:
        t = self.t
        names = [self.program(p.program) for p in county.people]
        return Chart(
            id=f"{prefix}-people",
            title=t("People supported against the target"),
            kind="bar",
            categories=names,
            series=[
                {"name": t("Supported"), "values": [p.supported for p in county.people]},
                {"name": t("Target"), "values": [p.target for p in county.people]},
            ],
            header=[t("Program"), t("Supported"), t("Target"), t("Share of the target")],
            rows=[
                [n, p.supported, "—" if p.target is None else p.target, percent(p.share)]
                for n, p in zip(names, county.people, strict=True)
            ],
            unit=t("people"),
        )

    def budget(self, prefix: str, county: CountyDashboard) -> Chart:
        t = self.t
        names = [self.program(b.program) for b in county.budget]
        return Chart(
            id=f"{prefix}-budget",
            title=t("Budget: allocated, committed and paid"),
            kind="bar",
            categories=names,
            series=[
                {"name": t("Allocated"), "values": [_y(b.allocated) for b in county.budget]},
                {"name": t("Committed"), "values": [_y(b.committed) for b in county.budget]},
                {"name": t("Paid"), "values": [_y(b.paid) for b in county.budget]},
            ],
            header=[
                t("Program"),
                t("Allocated (yuan)"),
                t("Committed (yuan)"),
                t("Paid (yuan)"),
                t("Execution rate (paid / allocated)"),
            ],
            rows=[
                [n, yuan(b.allocated), yuan(b.committed), yuan(b.paid), percent(b.execution_rate)]
                for n, b in zip(names, county.budget, strict=True)
            ],
            unit=t("yuan"),
        )

    def townships(self, prefix: str, county: CountyDashboard) -> Chart:
        t = self.t
        shown = [
            status
            for status in STATUS_NAMES
            if any(township.counts.get(status) for township in county.townships)
        ]
        names = [township.name for township in county.townships]
        return Chart(
            id=f"{prefix}-townships",
            title=t("Claims by status per township"),
            kind="stacked",
            categories=names,
            series=[
                {
                    "name": t(STATUS_NAMES[status]),
                    "values": [tw.counts.get(status, 0) for tw in county.townships],
                }
                for status in shown
            ],
            header=[t("Township"), *(t(STATUS_NAMES[s]) for s in shown), t("Total")],
            rows=[
                [tw.name, *(tw.counts.get(s, 0) for s in shown), tw.total]
                for tw in county.townships
            ],
            unit=t("claims"),
        )

    def weeks(self, prefix: str, county: CountyDashboard) -> Chart:
        t = self.t
        weeks = county.submissions
        this, last = str(weeks.year), str(weeks.year - 1)
        labels = [t("week {number}", number=n + 1) for n in range(len(weeks.this_year))]
        return Chart(
            id=f"{prefix}-weeks",
            title=t("Submissions per week, {year} against {last}", year=this, last=last),
            kind="line",
            categories=labels,
            series=[
                {"name": this, "values": list(weeks.this_year)},
                {"name": last, "values": list(weeks.last_year)},
            ],
            header=[t("Week"), this, last],
            rows=[
                [label, a, b]
                for label, a, b in zip(labels, weeks.this_year, weeks.last_year, strict=True)
            ],
            unit=t("claims"),
        )

    def payment(self, prefix: str, counties: list[CountyDashboard]) -> Chart:
        t = self.t
        names = [county.name for county in counties]
        return Chart(
            id=f"{prefix}-payment",
            title=t("Paid within 7 working days of the roster reaching finance"),
            kind="percent",
            categories=names,
            series=[
                {
                    "name": t("Share paid on time"),
                    "values": [_pct(county.payment.share) for county in counties],
                }
            ],
            header=[t("County"), t("Paid"), t("Of them on time"), t("Share paid on time")],
            rows=[
                [c.name, c.payment.paid, c.payment.on_time, percent(c.payment.share)]
                for c in counties
            ],
            unit="%",
        )

    def satisfaction(self, prefix: str, county: CountyDashboard) -> Chart:
        t = self.t
        lines = county.satisfaction
        names = [self.program(line.program) for line in lines]
        return Chart(
            id=f"{prefix}-satisfaction",
            title=t("Satisfaction against the target"),
            kind="percent",
            categories=names,
            series=[
                {"name": t("Satisfied"), "values": [_pct(line.share) for line in lines]},
                {
                    "name": t("Target"),
                    "values": [line.target_permille / 10 for line in lines],
                    "type": "line",
                },
            ],
            header=[
                t("Program"),
                t("Satisfied"),
                t("Basically satisfied"),
                t("Dissatisfied"),
                t("Share satisfied"),
                t("Target"),
                t("Target reached"),
            ],
            rows=[
                [
                    n,
                    line.satisfied,
                    line.basically_satisfied,
                    line.dissatisfied,
                    percent(line.share),
                    f"{line.target_permille / 10:.1f}%",
                    {True: t("yes"), False: t("no"), None: "—"}[line.met],
                ]
                for n, line in zip(names, lines, strict=True)
            ],
            unit="%",
            note=t("Satisfied counts 满意 and 基本满意 together, as the budget's report does."),
        )

    def side_by_side(self, board: Dashboard) -> list[Chart]:
        """A city's counties compared: people and execution per county, payment speed."""
        t = self.t
        counties = list(board.counties)
        names = [c.name for c in counties]
        supported = [sum(p.supported for p in c.people) for c in counties]
        targets = [sum(p.target or 0 for p in c.people) or None for c in counties]
        paid = [sum(b.paid for b in c.budget) for c in counties]
        allocated = [sum(b.allocated or 0 for b in c.budget) or None for c in counties]
        return [
            Chart(
                id="city-people",
                title=t("People supported against the target, by county"),
                kind="bar",
                categories=names,
                series=[
                    {"name": t("Supported"), "values": supported},
                    {"name": t("Target"), "values": targets},
                ],
                header=[t("County"), t("Supported"), t("Target")],
                rows=[
                    [n, s, "—" if g is None else g]
                    for n, s, g in zip(names, supported, targets, strict=True)
                ],
                unit=t("people"),
            ),
            Chart(
                id="city-budget",
                title=t("Execution rate by county (paid / allocated)"),
                kind="percent",
                categories=names,
                series=[
                    {
                        "name": t("Execution rate (paid / allocated)"),
                        "values": [
                            _pct(p / a if a else None) for p, a in zip(paid, allocated, strict=True)
                        ],
                    }
                ],
                header=[
                    t("County"),
                    t("Allocated (yuan)"),
                    t("Paid (yuan)"),
                    t("Execution rate (paid / allocated)"),
                ],
                rows=[
                    [n, yuan(a), yuan(p), percent(p / a if a else None)]
                    for n, a, p in zip(names, allocated, paid, strict=True)
                ],
                unit="%",
            ),
            self.payment("city", counties),
        ]


def _y(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


class Page:
    def __init__(self, console: Console) -> None:
        self.console = console

    def year(self, request: Request) -> tuple[int, list[int]]:
        this = self.console.clock().astimezone(SHANGHAI).year
        offered = [this - n for n in range(YEARS_BACK + 1)]
        asked = request.query_params.get("year", "")
        year = int(asked) if asked.isdigit() and FIRST_YEAR <= int(asked) <= this + 1 else this
        if year not in offered:
            offered = sorted({*offered, year}, reverse=True)
        return year, offered

    def _load(self, user: StaffUser, year: int) -> Dashboard:
        with self.console.sessions() as session:
            board = dashboard(session, scope(user), year)
        if user.role in MONEY_ROLES:
            return board
        # The money is the county's administrators' (as the chat's /budget and /staff/budgets)
        return replace(board, counties=tuple(replace(c, budget=()) for c in board.counties))

    async def show(self, request: Request, user: StaffUser) -> Response:
        year, offered = self.year(request)
        board = await asyncio.to_thread(self._load, user, year)
        charts = Charts(language_of(request))
        sections = []
        if len(board.counties) > 1:
            sections.append((charts.t("Counties side by side"), charts.side_by_side(board)))
        for county in board.counties:
            sections.append((county.name, charts.county(county)))
        data = [asdict(chart) for _, section in sections for chart in section]
        return self.console.render(
            request,
            "dashboard.html",
            user,
            year=year,
            years=offered,
            sections=sections,
            data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"),
        )

    async def xlsx(self, request: Request, user: StaffUser) -> Response:
        year, _ = self.year(request)
        board = await asyncio.to_thread(self._load, user, year)
        content = await asyncio.to_thread(dashboard_xlsx, board, language_of(request))
        name = f"dashboard-{board.region_code}-{year}.xlsx"
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(content, media_type=XLSX, headers=headers)


def routes(console: Console) -> list[BaseRoute]:
    page = Page(console)
    wrap = staff_page(console)
    return [
        Route("/staff/dashboard", wrap(page.show), methods=["GET"]),
        Route("/staff/dashboard.xlsx", wrap(page.xlsx), methods=["GET"]),
    ]
