"""Broadcasts from the browser: compose, see how many the audience reaches, send; then the
broadcast's live progress (sent / failed / pending) and its cancellation.

Everything is the chat's /broadcast: who may (`ADMINS`), the audiences it offers
(`AUDIENCES`, `SIMPLE_AUDIENCES`, a township or village of the region by `region_problem`, the
applicants of a program this year), `Audience` within the staff member's region, `broadcast_by`
and the `START_BROADCAST` job, `cancel_by`, and its lines. The confirm step's form carries a
random draft token recorded with the broadcast, so a send submitted twice sends once. Files are
not attached here (the chat's attachments are its platform's file ids).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.web import HEADERS, Console, StaffUser, staff_page, translate_for
from bot.dialogs.broadcast import ADMINS, AUDIENCES, SIMPLE_AUDIENCES, region_problem
from common import jobs
from common.i18n import N_
from common.texts import program_name
from db.engine import writing
from db.enums import BroadcastStatus, Program
from db.models import AuditEvent, Broadcast, Staff
from db.queries import broadcasts as rows

REFUSED = N_("Only county and city administrators can send broadcasts.")  # the chat's
NOT_HERE = N_("There is no such broadcast in your region.")  # the chat's
NOBODY = N_("Nobody is in that audience; nothing was sent.")  # the chat's
NO_LONGER = N_("Broadcast {number} is no longer sending.")  # the chat's
CANCELLED = N_("Broadcast {number} is cancelled.")  # the chat's
NO_TEXT = N_("Please send the text of the notice.")  # the chat's
TOO_LONG = N_("That is too long: please keep it under {limit} characters.")  # the chat's
CHOOSE = N_("Choose who should get it.")
ALREADY_SENT = N_("This broadcast was sent already; here is its progress.")
STATUS_WORDS = {
    BroadcastStatus.QUEUED: N_("sending"),
    BroadcastStatus.SENDING: N_("sending"),
    BroadcastStatus.FINISHED: N_("finished"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
}
RECENT = 20


@dataclass(frozen=True)
class Draft:
    """The compose form as the clerk filled it."""

    text: str = ""
    audience: str = ""
    program: str = ""
    region: str = ""
    token: str = ""

    @classmethod
    def read(cls, form: FormData) -> Draft:
        def value(name: str, limit: int) -> str:
            return str(form.get(name, "")).strip()[:limit]

        return cls(
            text=str(form.get("text", "")).strip()[: rows.MAX_TEXT + 1],
            audience=value("audience", 32),
            program=value("program", 32),
            region=value("region", 16).replace(" ", ""),
            token=value("draft", 64),
        )


@dataclass(frozen=True)
class Progress:
    id: int
    status: BroadcastStatus
    text: str
    total: int
    sent: int
    failed: int
    pending: int

    @property
    def done(self) -> int:
        return self.total - self.pending

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "done": self.status in (BroadcastStatus.FINISHED, BroadcastStatus.CANCELLED),
            "sent": self.sent,
            "failed": self.failed,
            "pending": self.pending,
            "total": self.total,
            "value": self.done,
            "max": max(self.total, 1),
            "rows": self.done,
        }


class Broadcasts:
    def __init__(self, console: Console) -> None:
        self.console = console

    def _admin(self, session: Any, user: StaffUser) -> Staff | None:
        staff = user.member(session)
        if staff is None or not staff.active or staff.role not in ADMINS:
            return None
        return staff

    def _is_admin(self, user: StaffUser) -> bool:
        with self.console.sessions() as session:
            return self._admin(session, user) is not None

    def _refused(self, request: Request, user: StaffUser) -> Response:
        return self.console.message(request, user, translate_for(request, REFUSED), 403)

    # -- compose and confirm ------------------------------------------------------------

    async def page(self, request: Request, user: StaffUser) -> Response:
        if not await asyncio.to_thread(self._is_admin, user):
            return self._refused(request, user)
        return await self.compose(request, user, Draft())

    async def compose(
        self,
        request: Request,
        user: StaffUser,
        draft: Draft,
        *,
        error: str = "",
        status_code: int = 200,
    ) -> Response:
        recent = await asyncio.to_thread(self._recent, user)
        return self.console.render(
            request,
            "broadcasts.html",
            user,
            status_code=status_code,
            draft=draft,
            error=error,
            recent=recent,
            audiences=[(key, translate_for(request, label)) for key, label in AUDIENCES.items()],
            programs=[(p.value, program_name(self._t(request), p.value)) for p in Program],
            status_words=lambda status: translate_for(request, STATUS_WORDS[status]),
            limit=rows.MAX_TEXT,
        )

    def _recent(self, user: StaffUser) -> list[Progress]:
        with self.console.sessions() as session:
            scope = Broadcast.audience["scope"].as_string()
            found = session.scalars(
                sa.select(Broadcast)
                .where(scope.startswith(user.region_code, autoescape=True))
                .order_by(Broadcast.id.desc())
                .limit(RECENT)
            )
            return [self._progress_of(session, b) for b in found]

    def _audience(self, draft: Draft, staff: Staff, year: int) -> rows.Audience | str:
        """The draft's audience within ``staff``'s region, or the message id of its problem."""
        if draft.audience in SIMPLE_AUDIENCES:
            chosen = SIMPLE_AUDIENCES[draft.audience]
        elif draft.audience == "program":
            if draft.program not in {p.value for p in Program}:
                return CHOOSE
            chosen = {"who": "beneficiaries", "program": draft.program, "year": year}  # type: ignore[dict-item]
        elif draft.audience == "region":
            problem = region_problem(draft.region, staff)
            if problem is not None:
                return problem
            chosen = {"who": "everyone", "region": draft.region}
        else:
            return CHOOSE
        values = {k: v for k, v in chosen.items() if v is not None}
        try:
            return rows.Audience(scope=staff.region_code, **values)  # type: ignore[arg-type]
        except rows.AudienceError:
            return CHOOSE

    def _text_problem(self, request: Request, draft: Draft) -> str | None:
        if not draft.text:
            return translate_for(request, NO_TEXT)
        if len(draft.text) > rows.MAX_TEXT:
            return translate_for(request, TOO_LONG, limit=rows.MAX_TEXT)
        return None

    def _count(self, user: StaffUser, draft: Draft) -> int | str | None:
        """How many the draft reaches; its problem (a message id); None: not an admin."""
        with self.console.sessions() as session:
            staff = self._admin(session, user)
            if staff is None:
                return None
            audience = self._audience(draft, staff, self.console.clock().year)
            if isinstance(audience, str):
                return audience
            return rows.count_recipients(session, audience)

    async def confirm(self, request: Request, user: StaffUser) -> Response:
        draft = Draft.read(await request.form())
        problem = self._text_problem(request, draft)
        counted = await asyncio.to_thread(self._count, user, draft)
        if counted is None:
            return self._refused(request, user)
        if isinstance(counted, str):
            problem = problem or translate_for(request, counted, code=draft.region)
        if problem is not None:
            return await self.compose(request, user, draft, error=problem, status_code=400)
        if str((await request.form()).get("change", "")) == "1":
            return await self.compose(request, user, draft)
        return self.console.render(
            request,
            "broadcast_confirm.html",
            user,
            draft=Draft(draft.text, draft.audience, draft.program, draft.region, _token()),
            count=counted,
            audience_words=self._audience_words(request, draft),
        )

    def _audience_words(self, request: Request, draft: Draft) -> str:
        words = translate_for(request, AUDIENCES.get(draft.audience, ""))
        if draft.audience == "program" and draft.program:
            words += f" · {program_name(self._t(request), draft.program)}"
        if draft.audience == "region":
            words += f" · {draft.region}"
        return words

    # -- send -----------------------------------------------------------------------------

    async def send(self, request: Request, user: StaffUser) -> Response:
        draft = Draft.read(await request.form())
        problem = self._text_problem(request, draft)
        if problem is not None or len(draft.token) != 32:
            line = problem or translate_for(request, CHOOSE)
            return await self.compose(request, user, draft, error=line, status_code=400)
        outcome = await asyncio.to_thread(self._send, user, draft)
        if outcome is None:
            return self._refused(request, user)
        if isinstance(outcome, str):
            line = translate_for(request, outcome, code=draft.region)
            return await self.compose(request, user, draft, error=line, status_code=400)
        number, fresh = outcome
        if fresh:
            jobs.START_BROADCAST.send(number)
            return RedirectResponse(f"/staff/broadcasts/{number}", status_code=303)
        return await self.show(request, user, number, note=translate_for(request, ALREADY_SENT))

    def _send(self, user: StaffUser, draft: Draft) -> tuple[int, bool] | str | None:
        with writing(self.console.sessions) as session:
            staff = self._admin(session, user)
            if staff is None:
                return None
            # One send at a time per staff member (PostgreSQL's row lock; SQLite's write lock
            # is taken already): a double click's second request then finds the first's.
            session.execute(sa.select(Staff.id).where(Staff.id == staff.id).with_for_update())
            sent = session.scalar(
                sa.select(AuditEvent.data["broadcast"].as_integer()).where(
                    AuditEvent.action == "broadcast_sent",
                    AuditEvent.data["draft"].as_string() == draft.token,
                )
            )
            if sent is not None:
                return int(sent), False
            audience = self._audience(draft, staff, self.console.clock().year)
            if isinstance(audience, str):
                return audience
            if rows.count_recipients(session, audience) == 0:
                return NOBODY
            broadcast = rows.broadcast_by(
                session,
                staff,
                audience,
                draft.text,
                chat_identity_id=user.identity_id,
                note={"draft": draft.token, "via": "console"},
            )
            return broadcast.id, True

    # -- one broadcast --------------------------------------------------------------------

    def _progress_of(self, session: Any, broadcast: Broadcast) -> Progress:
        counts = rows.progress(session, broadcast.id)
        return Progress(
            id=broadcast.id,
            status=broadcast.status,
            text=broadcast.text,
            total=broadcast.total,
            sent=counts["sent"],
            failed=counts["failed"] + counts["blocked"] + counts["ambiguous"],
            pending=counts["pending"] + counts["claimed"],
        )

    def _find(self, user: StaffUser, number: int) -> Progress | bool | None:
        """The broadcast's progress; None when it is not of the region; False: not an admin."""
        with self.console.sessions() as session:
            staff = self._admin(session, user)
            if staff is None:
                return False
            broadcast = session.get(Broadcast, number)
            if broadcast is None or not rows.in_region(broadcast, staff):
                return None
            return self._progress_of(session, broadcast)

    async def broadcast(self, request: Request, user: StaffUser) -> Response:
        return await self.show(request, user, request.path_params["id"])

    async def show(
        self,
        request: Request,
        user: StaffUser,
        number: int,
        *,
        note: str = "",
        status_code: int = 200,
    ) -> Response:
        found = await asyncio.to_thread(self._find, user, number)
        if found is False:
            return self._refused(request, user)
        if not isinstance(found, Progress):
            return self.console.message(request, user, translate_for(request, NOT_HERE), 404)
        return self.console.render(
            request,
            "broadcast.html",
            user,
            status_code=status_code,
            broadcast=found,
            note=note,
            status_words=lambda status: translate_for(request, STATUS_WORDS[status]),
        )

    async def progress(self, request: Request, user: StaffUser) -> Response:
        found = await asyncio.to_thread(self._find, user, request.path_params["id"])
        if not isinstance(found, Progress):
            return JSONResponse({"error": "not found"}, status_code=404, headers=HEADERS)
        return JSONResponse(found.as_json(), headers=HEADERS)

    async def cancel(self, request: Request, user: StaffUser) -> Response:
        number = request.path_params["id"]
        found = await asyncio.to_thread(self._find, user, number)
        if found is False:
            return self._refused(request, user)
        if found is None:
            return self.console.message(request, user, translate_for(request, NOT_HERE), 404)
        cancelled = await asyncio.to_thread(self._cancel, user, number)
        line = translate_for(request, CANCELLED if cancelled else NO_LONGER, number=number)
        return await self.show(
            request, user, number, note=line, status_code=200 if cancelled else 409
        )

    def _cancel(self, user: StaffUser, number: int) -> bool:
        with writing(self.console.sessions) as session:
            staff = self._admin(session, user)
            if staff is None:
                return False
            return rows.cancel_by(session, staff, number, self.console.clock())

    def _t(self, request: Request) -> Any:
        return lambda message, **values: translate_for(request, message, **values)


def _token() -> str:
    return secrets.token_hex(16)


def routes(console: Console) -> list[BaseRoute]:
    broadcasts = Broadcasts(console)
    page = staff_page(console)
    return [
        Route("/staff/broadcasts", page(broadcasts.page), methods=["GET"]),
        Route("/staff/broadcasts/confirm", page(broadcasts.confirm), methods=["POST"]),
        Route("/staff/broadcasts/send", page(broadcasts.send), methods=["POST"]),
        Route("/staff/broadcasts/{id:int}", page(broadcasts.broadcast), methods=["GET"]),
        Route("/staff/broadcasts/{id:int}/progress", page(broadcasts.progress), methods=["GET"]),
        Route("/staff/broadcasts/{id:int}/cancel", page(broadcasts.cancel), methods=["POST"]),
    ]
