"""GET /notices/{number} (a printable A4 page) and /notices/{number}.xlsx: a public notice (公示).

A notice is public by nature, so no credential is asked; drafts are never shown, and ID numbers
arrive here already masked by db.queries.notices.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import quote

from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.texts import program_name
from db.enums import NoticeLevel, NoticeStatus
from db.queries.notices import NoticeRow, find_notice, last_day, local_date, notice_rows
from db.queries.regions import region_words
from policy import place_name
from wugong.i18n import N_, normalize_language, translate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FOUND = N_("There is no public notice with this number.")
TITLES = {
    NoticeLevel.VILLAGE: N_("Public notice of work subsidies (village review)"),
    NoticeLevel.TOWNSHIP: N_("Public notice of work subsidies (township review)"),
}
COLUMNS = (
    N_("Name"),
    N_("ID number"),
    N_("Work place"),
    N_("Work period"),
    N_("Subsidy"),
    N_("Amount (yuan)"),
)
HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class NoticeView:
    """What a printed notice shows, read in one go from the database."""

    number: str
    level: NoticeLevel
    region: str
    first_day: date
    last_day: date
    closed: bool
    rows: list[NoticeRow]


def load(sessions: sessionmaker[Session], number: str) -> NoticeView | None:
    with sessions() as session:
        notice = find_notice(session, number)
        if notice is None:
            return None
        return NoticeView(
            number=notice.number,
            level=NoticeLevel(notice.level),
            region=region_words(session, notice.region_code),
            first_day=local_date(notice.starts_at),
            last_day=last_day(notice),
            closed=notice.status == NoticeStatus.CLOSED,
            rows=notice_rows(session, notice),
        )


def cells(row: NoticeRow, language: str) -> list[str]:
    """One row's six cells as text, in the order of COLUMNS."""

    def t(message: str, **values: object) -> str:
        return translate(language, message, **values)

    try:
        place = place_name(row.work_place)
    except (LookupError, ValueError):
        place = row.work_place
    return [
        row.name,
        row.masked_id,
        place,
        t("{start} to {end}", start=row.work_from, end=row.work_to or t("ongoing")),
        program_name(t, row.program.value),
        yuan(row.amount_fen),
    ]


def yuan(fen: int) -> str:
    whole, cents = divmod(fen, 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}"


def intro(view: NoticeView, language: str) -> list[str]:
    where = (
        translate(language, "the village committee")
        if view.level == NoticeLevel.VILLAGE
        else translate(language, "the township government")
    )
    lines = [
        translate(language, "Notice number: {number}", number=view.number),
        translate(language, "Region: {region}", region=view.region),
        translate(
            language,
            "Notice period: {start} to {end} (both days included)",
            start=view.first_day.isoformat(),
            end=view.last_day.isoformat(),
        ),
        translate(
            language,
            "The applications below have been reviewed and are made public. Anyone who objects "
            "may tell {where} within the notice period, or send “/object {number}” with the "
            "reason to the subsidy assistant in the chat.",
            where=where,
            number=view.number,
        ),
    ]
    if view.closed:
        lines.append(translate(language, "This notice has ended."))
    return lines


def total(view: NoticeView, language: str) -> str:
    return translate(
        language,
        "Total: {count} claim(s), {amount} yuan",
        count=len(view.rows),
        amount=yuan(sum(row.amount_fen for row in view.rows)),
    )


STYLE = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 11pt;
       color: #000; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 8pt; }
p { margin: 3pt 0; line-height: 1.5; }
table { width: 100%; border-collapse: collapse; margin: 8pt 0; }
th, td { border: 1px solid #000; padding: 3pt 4pt; text-align: center; }
td.amount { text-align: right; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
"""


def render_html(view: NoticeView, language: str) -> str:
    """The notice as a self-contained page that prints on A4 (no external resources)."""
    lang = "zh-CN" if language == "zh_CN" else "en"
    title = translate(language, TITLES[view.level])
    head = "".join(f"<th>{escape(translate(language, c))}</th>" for c in COLUMNS)
    body = []
    for row in view.rows:
        values = cells(row, language)
        tds = "".join(f"<td>{escape(v)}</td>" for v in values[:-1])
        body.append(f'<tr>{tds}<td class="amount">{escape(values[-1])}</td></tr>')
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in intro(view, language))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} {escape(view.number)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{paragraphs}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<p>{escape(total(view, language))}</p>"
        f'<p style="text-align:right">{escape(view.region)}<br>'
        f"{escape(view.first_day.isoformat())}</p></body></html>"
    )


def render_xlsx(view: NoticeView, language: str) -> bytes:
    """The notice list as a workbook: a few heading lines, the six columns, then the total."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(translate(language, "Notice"))
    sheet.append([translate(language, TITLES[view.level])])
    for line in intro(view, language):
        sheet.append([line])
    sheet.append([])
    sheet.append([translate(language, c) for c in COLUMNS])
    for row in view.rows:
        values: list[object] = list(cells(row, language))
        values[-1] = row.amount_fen // 100 if row.amount_fen % 100 == 0 else row.amount_fen / 100
        sheet.append(values)
    sheet.append([total(view, language)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def routes(sessions: sessionmaker[Session]) -> list[BaseRoute]:
    """The notice page and its spreadsheet; the .xlsx route comes first (it is more specific)."""

    def language_of(request: Request) -> str:
        return normalize_language(request.query_params.get("lang"))

    async def view_of(request: Request) -> NoticeView | None:
        return await asyncio.to_thread(load, sessions, request.path_params["number"])

    async def page(request: Request) -> Response:
        language = language_of(request)
        view = await view_of(request)
        if view is None:
            return PlainTextResponse(translate(language, NOT_FOUND), status_code=404)
        return HTMLResponse(render_html(view, language), headers=HEADERS)

    async def spreadsheet(request: Request) -> Response:
        language = language_of(request)
        view = await view_of(request)
        if view is None:
            return PlainTextResponse(translate(language, NOT_FOUND), status_code=404)
        content = await asyncio.to_thread(render_xlsx, view, language)
        return Response(
            content,
            media_type=XLSX,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(view.number)}.xlsx",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return [
        Route("/notices/{number}.xlsx", spreadsheet, methods=["GET"]),
        Route("/notices/{number}", page, methods=["GET"]),
    ]
