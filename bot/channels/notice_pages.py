"""GET /notices/{number} (a printable A4 page) and /notices/{number}.xlsx: a public notice (公示)
with the columns of a village's notice template, its period in dates and days, and how to object.

What the notice says is bot.channels.notice_text's. A notice is public by nature, so no
credential is asked; drafts are never shown, and ID numbers arrive here already masked by
db.queries.notices.
"""

from __future__ import annotations

import asyncio
import io
from html import escape
from urllib.parse import quote

from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.notice_text import (
    FOOTER,
    LAYOUT,
    TITLES,
    NoticeView,
    intro,
    row_values,
    total,
    yuan,
)
from common.i18n import N_, long_date, normalize_language, translate
from db.enums import NoticeLevel, NoticeStatus
from db.queries.notices import NoticeRow, find_notice, first_day, last_day, local_date, notice_rows
from db.queries.regions import region_words
from db.xlsx import add_styles, cell, cells, fit_height, merge, page_a4
from policy import Parameters, load_parameters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_FOUND = N_("There is no public notice with this number.")
HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


def load(
    sessions: sessionmaker[Session], number: str, parameters: Parameters | None = None
) -> NoticeView | None:
    with sessions() as session:
        notice = find_notice(session, number)
        if notice is None:
            return None
        posted_on = local_date(notice.starts_at)
        phone = (parameters or load_parameters()).get(
            "process.supervision_phone", posted_on, notice.region_code[:6]
        )
        return NoticeView(
            number=notice.number,
            level=NoticeLevel(notice.level),
            region=region_words(session, notice.region_code),
            posted_on=posted_on,
            first_day=first_day(notice),
            last_day=last_day(notice),
            closed=notice.status == NoticeStatus.CLOSED,
            rows=notice_rows(session, notice),
            phone=phone,
        )


STYLE = """
@page { size: A4 landscape; margin: 14mm 12mm; }
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; font-size: 11pt;
       color: #000; max-width: 273mm; margin: 0 auto; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 8pt; letter-spacing: 2pt; }
p { margin: 3pt 0; line-height: 1.5; }
table { width: 100%; border-collapse: collapse; margin: 8pt 0; }
th, td { border: 1px solid #000; padding: 3pt 4pt; text-align: center; }
th, td.short { white-space: nowrap; }
td.amount { text-align: right; white-space: nowrap; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
p.signed { text-align: right; margin-top: 12pt; }
@media screen and (max-width: 640px) {
  /* A phone: one card per claim, each value under its column's name; print keeps the table. */
  body { padding: 0 12px; font-size: 15px; }
  h1 { font-size: 20px; }
  thead { display: none; }
  table, tbody, tr, td { display: block; width: auto; }
  table { border: 0; }
  tr { border: 1px solid #000; margin: 0 0 10px; padding: 4px 8px; }
  td, td.short, td.amount { border: 0; padding: 2px 0; text-align: left; white-space: normal; }
  td::before { content: attr(data-label) "："; font-weight: bold; }
}
"""


# Per column: kept on one line (short), or wrapped (the employer and the place can be long).
CLASSES = ("short", "short", "short", "short", "", "", "short", "short", "amount")


def _html_cells(row: NoticeRow, language: str) -> str:
    values = row_values(row, language)
    values[-1] = yuan(row.amount_fen)
    labels = [translate(language, column) for column, _ in LAYOUT]
    return "".join(
        f'<td class="{kind}" data-label="{escape(label)}">'
        f"{escape('' if value is None else str(value))}</td>"
        for kind, label, value in zip(CLASSES, labels, values, strict=True)
    )


def render_html(view: NoticeView, language: str) -> str:
    """The notice as a self-contained page that prints on A4 landscape (no external resources)."""
    lang = "zh-CN" if language == "zh_CN" else "en"
    title = translate(language, TITLES[view.level])
    head = "".join(f"<th>{escape(translate(language, c))}</th>" for c, _ in LAYOUT)
    body = "".join(f"<tr>{_html_cells(row, language)}</tr>" for row in view.rows)
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in intro(view, language))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} {escape(view.number)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{paragraphs}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<p>{escape(total(view, language))}</p>"
        f'<p class="signed">{escape(view.region)}<br>'
        f"{escape(long_date(language, view.posted_on))}</p></body></html>"
    )


def render_xlsx(view: NoticeView, language: str) -> bytes:
    """The notice as a workbook that prints like the page: the title, the lines above the list,
    the columns (repeated on every printed page), the total, the region and the date."""
    book = Workbook(write_only=True)
    add_styles(book)
    sheet = book.create_sheet(translate(language, "Notice"))
    width = len(LAYOUT)
    lines = intro(view, language)
    header_row = 2 + len(lines)
    page_a4(sheet, [w for _, w in LAYOUT], landscape=True,
            footer=translate(language, FOOTER), title_rows=f"{header_row}:{header_row}",
            freeze=f"A{header_row + 1}")  # fmt: skip
    sheet.row_dimensions[1].height = 32
    merge(sheet, 1, 1, width)
    sheet.append([cell(sheet, translate(language, TITLES[view.level]), "wg_title")])
    for row, line in enumerate(lines, start=2):
        merge(sheet, row, 1, width)
        fit_height(sheet, row, [line], [sum(w for _, w in LAYOUT)])
        sheet.append([cell(sheet, line, "wg_caption")])
    sheet.append(cells(sheet, [translate(language, c) for c, _ in LAYOUT], "wg_header"))
    styles = ["wg_text"] * width
    styles[2], styles[-1] = "wg_int", "wg_money"
    widths = [w for _, w in LAYOUT]
    for row, notice_row in enumerate(view.rows, start=header_row + 1):
        values = row_values(notice_row, language)
        fit_height(sheet, row, values, widths)
        sheet.append([cell(sheet, v, st) for v, st in zip(values, styles, strict=True)])
    last = header_row + len(view.rows) + 1
    merge(sheet, last, 1, width)
    sheet.append([cell(sheet, total(view, language), "wg_caption")])
    sheet.append([])
    for row, text in enumerate((view.region, long_date(language, view.posted_on)), last + 2):
        merge(sheet, row, width - 3, width)  # signed at the right, as on the page
        sheet.append([*[""] * (width - 4), cell(sheet, text, "wg_caption_right")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def routes(
    sessions: sessionmaker[Session], parameters: Parameters | None = None
) -> list[BaseRoute]:
    """The notice page and its spreadsheet; the .xlsx route comes first (it is more specific).
    ``parameters``: the policy tree whose county values (the supervision phone) apply."""

    def language_of(request: Request) -> str:
        return normalize_language(request.query_params.get("lang"))

    async def view_of(request: Request) -> NoticeView | None:
        return await asyncio.to_thread(load, sessions, request.path_params["number"], parameters)

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
