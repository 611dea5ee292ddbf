"""The audit log of the staff member's region: newest first, paged, searched (claim number,
action, staff name, a range of days) and exported as XLSX (the rows of the search).

The events are `db.queries.console.audit`'s: those of the region's claims and of its staff. Any
staff member reads their own region's log (as the claim page shows a claim's trail to whoever
may see the claim). The export is written with openpyxl's write-only workbook through
`db.xlsx` (text that looks like a formula stays text), into memory, never to disk.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.web import Console, StaffUser, staff_page, translate_for
from bot.dialogs.status import STATUS_WORDS
from common.i18n import N_
from db.enums import ActorKind, ApplicationStatus
from db.queries.console import audit as queries
from db.xlsx import add_styles, cells, page_a4

ZONE = ZoneInfo("Asia/Shanghai")
MAX_EXPORT_ROWS = 200_000
BAD_FILTER = N_("A filter was not understood and is left out: {name}.")  # the queue's
REFUSED = N_("The audit log is for staff members.")
ACTORS = {
    ActorKind.PERSON: N_("applicant"),
    ActorKind.SYSTEM: N_("system"),
}
COLUMNS = (
    N_("Time"),
    N_("Claim"),
    N_("Action"),
    N_("Who"),
    N_("Role"),
    N_("From status"),
    N_("To status"),
    N_("Reason"),
)
WIDTHS = (18, 16, 22, 16, 14, 16, 16, 50)


@dataclass(frozen=True)
class AuditQuery:
    """The search as the clerk typed it (the URL), with what could not be read."""

    claim: str
    action: str
    actor: str
    since: str
    until: str
    page: int
    problems: tuple[str, ...]

    @classmethod
    def read(cls, params: QueryParams | Mapping[str, str]) -> AuditQuery:
        problems: list[str] = []

        def text(name: str, limit: int) -> str:
            return (params.get(name) or "").strip()[:limit]

        def day(name: str) -> str:
            value = text(name, 10)
            try:
                return date.fromisoformat(value).isoformat() if value else ""
            except ValueError:
                problems.append(name)
                return ""

        page = text("page", 6)
        return cls(
            claim=text("claim", 32),
            action=text("action", 64),
            actor=text("actor", queries.MAX_NAME),
            since=day("since"),
            until=day("until"),
            page=int(page) if page.isdigit() and int(page) > 0 else 1,
            problems=tuple(problems),
        )

    @property
    def filters(self) -> queries.AuditFilters:
        return queries.AuditFilters(
            claim=self.claim or None,
            action=self.action or None,
            actor=self.actor or None,
            since=date.fromisoformat(self.since) if self.since else None,
            until=date.fromisoformat(self.until) if self.until else None,
        )

    def url(self, path: str = "/staff/audit", **changes: Any) -> str:
        values = {
            "claim": self.claim,
            "action": self.action,
            "actor": self.actor,
            "since": self.since,
            "until": self.until,
            "page": str(self.page) if self.page > 1 else "",
        }
        values.update({k: str(v) for k, v in changes.items()})
        query = urlencode({k: v for k, v in values.items() if v})
        return path + (f"?{query}" if query else "")


class Audit:
    def __init__(self, console: Console) -> None:
        self.console = console

    def _region(self, user: StaffUser) -> str | None:
        with self.console.sessions() as session:
            staff = user.member(session)
            return staff.region_code if staff is not None and staff.active else None

    async def page(self, request: Request, user: StaffUser) -> Response:
        query = AuditQuery.read(request.query_params)
        found = await asyncio.to_thread(self._page, user, query)
        if found is None:
            return self.console.message(request, user, translate_for(request, REFUSED), 403)
        page, actions = found
        t = self._t(request)
        return self.console.render(
            request,
            "audit.html",
            user,
            query=query,
            page=page,
            actions=actions,
            problems=[t(BAD_FILTER, name=name) for name in query.problems],
            export_url=query.url("/staff/audit/export", page=""),
            page_url=lambda number: query.url(page=number),
            when=_when,
            who=lambda row: _who(t, row),
            status_words=lambda status: _status(t, status),
        )

    def _page(
        self, user: StaffUser, query: AuditQuery
    ) -> tuple[queries.AuditPage, list[str]] | None:
        region = self._region(user)
        if region is None:
            return None
        with self.console.sessions() as session:
            page = queries.audit_page(session, region, query.filters, query.page, zone=ZONE)
            return page, queries.audit_actions(session, region)

    async def export(self, request: Request, user: StaffUser) -> Response:
        query = AuditQuery.read(request.query_params)
        content = await asyncio.to_thread(self._export, user, query, self._t(request))
        if content is None:
            return self.console.message(request, user, translate_for(request, REFUSED), 403)
        stamp = self.console.clock().astimezone(ZONE).strftime("%Y%m%d-%H%M")
        name = f"audit-{user.region_code}-{stamp}.xlsx"
        return Response(
            content,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    def _export(self, user: StaffUser, query: AuditQuery, t: Any) -> bytes | None:
        region = self._region(user)
        if region is None:
            return None
        workbook = Workbook(write_only=True)
        add_styles(workbook)
        sheet = workbook.create_sheet(t("Audit log"))
        page_a4(sheet, WIDTHS, landscape=True, footer="&P / &N", title_rows="1:1", freeze="A2")
        sheet.append(cells(sheet, [t(c) for c in COLUMNS], "wg_header"))
        with self.console.sessions() as session:
            for row in queries.audit_rows(
                session, region, query.filters, zone=ZONE, limit=MAX_EXPORT_ROWS
            ):
                values = [
                    _when(row.at),
                    row.claim_number or (str(row.application_id) if row.application_id else ""),
                    row.action,
                    _who(t, row),
                    row.role or "",
                    _status(t, row.from_status),
                    _status(t, row.to_status),
                    row.reason or "",
                ]
                sheet.append(cells(sheet, values, "wg_text_left"))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def _t(self, request: Request) -> Any:
        return lambda message, **values: translate_for(request, message, **values)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _who(t: Any, row: queries.AuditRow) -> str:
    if row.actor_kind == ActorKind.STAFF:
        return row.actor_name or ""
    return str(t(ACTORS[row.actor_kind]))


def _status(t: Any, status: ApplicationStatus | None) -> str:
    return str(t(STATUS_WORDS[status])) if status is not None else ""


def routes(console: Console) -> list[BaseRoute]:
    audit = Audit(console)
    page = staff_page(console)
    return [
        Route("/staff/audit", page(audit.page), methods=["GET"]),
        Route("/staff/audit/export", page(audit.export), methods=["GET"]),
    ]
