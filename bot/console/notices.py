"""The notices (公示) and the objections to them, at a desk: the region's drafts and posted
notices with the links to print them, posting a draft (the chat's "Post the public notice"),
and the objections raised, open first, resolved with the words the chat asks for.

Every rule is the chat's: ``post_notice`` and ``resolve_objection`` decide, and a refusal is the
chat's refusal (bot.dialogs.refusals) in one line; after a step, the people concerned are told
as the chat tells them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.web import Console, StaffUser, language_of, staff_page, translator
from bot.dialogs.notices import PAGE_PATH, XLSX_PATH, notice_days, notice_path
from bot.dialogs.objections import tell_resolved
from bot.dialogs.refusals import REFUSALS
from common.i18n import N_, long_date
from common.notify import notify_status_change
from db.engine import writing
from db.enums import NoticeLevel, NoticeStatus, ObjectionStatus
from db.models import Objection
from db.queries import review as rules
from db.queries.console import chain
from db.queries.notices import first_day, last_day, local_date, post_notice
from db.queries.objections import Outcome, resolve_objection

# The chat's message after posting (bot.dialogs.notices.post), with the links to print.
POSTED = N_(
    "Notice {number} is posted today with {count} claim(s). Notice period: {start} to "
    "{end} ({days} days).\n"
    "Printable page: {page}\n"
    "List as a spreadsheet: {xlsx}\n"
    "Anyone can object in this chat by sending: /object {number} and the reason."
)
RESOLVED = N_("The objection is resolved; the people concerned are told.")
CHOOSE_OUTCOME = N_("Choose how the objection is resolved.")
LEVELS = {NoticeLevel.VILLAGE: N_("village notice"), NoticeLevel.TOWNSHIP: N_("township notice")}
NOTICE_STATES = {
    NoticeStatus.DRAFT: N_("draft, not yet posted"),
    NoticeStatus.POSTED: N_("posted"),
    NoticeStatus.CLOSED: N_("closed"),
}
OBJECTION_STATES = {
    ObjectionStatus.OPEN: N_("open"),
    ObjectionStatus.UPHELD: N_("upheld"),
    ObjectionStatus.DISMISSED: N_("dismissed"),
}
# The chat's three decisions (bot.dialogs.objections.show_open), in its words.
OUTCOME_WORDS = {
    Outcome.DISMISS: N_("Dismiss the objection"),
    Outcome.RETURN: N_("Uphold: return for correction"),
    Outcome.REJECT: N_("Uphold: reject"),
}


def refusal(error: rules.ReviewError) -> tuple[str, int]:
    """The chat's words for a refusal, and the HTTP status: 403 for who may not, 409 for
    something that is no longer where the action needs it (someone acted first)."""
    status = 403 if isinstance(error, rules.NotAllowed) else 409
    if isinstance(error, rules.NoteRequired):
        status = 400
    return REFUSALS.get(error.code, REFUSALS["wrong_role"]), status


@dataclass(frozen=True)
class PostedNotice:
    number: str
    count: int
    days: int
    start: Any
    end: Any


class Notices:
    def __init__(self, console: Console) -> None:
        self.console = console

    async def _load(
        self, request: Request, user: StaffUser, load: Callable[[StaffUser], list[Any]]
    ) -> list[Any] | Response:
        """A listing's lines read off the event loop, or the page saying the role may not."""
        try:
            return await asyncio.to_thread(load, user)
        except rules.ReviewError as refused:
            words, code = refusal(refused)
            return self.console.message(request, user, translator(request)(words), code)

    # -- the notices ----------------------------------------------------------------------

    async def notices(self, request: Request, user: StaffUser) -> Response:
        return await self.show_notices(request, user)

    async def show_notices(
        self, request: Request, user: StaffUser, *, outcome: str = "", error: str = "",
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        t = translator(request)
        lines = await self._load(request, user, self._notices)
        if isinstance(lines, Response):
            return lines
        return self.console.render(
            request,
            "chain_notices.html",
            user,
            status_code=status_code,
            notices=lines,
            outcome=outcome,
            error=error,
            page_path=lambda number: PAGE_PATH.format(number=number),
            xlsx_path=lambda number: XLSX_PATH.format(number=number),
            level_words=lambda level: t(LEVELS[level]),
            state_words=lambda status: t(NOTICE_STATES[status]),
            day=lambda value: long_date(language_of(request), value) if value else "",
        )

    def _notices(self, user: StaffUser) -> list[chain.NoticeLine]:
        with self.console.sessions() as session:
            return chain.region_notices(session, user.member(session))

    async def post(self, request: Request, user: StaffUser) -> Response:
        """POST /staff/notices/post: post the draft of ``region`` (the staff member's own
        village or township), as the chat's "Post the public notice" does."""
        form = await request.form()
        region = str(form.get("region", "")).strip() or user.region_code
        t = translator(request)
        try:
            posted = await asyncio.to_thread(self._post, user, region[:12])
        except rules.ReviewError as refused:
            words, code = refusal(refused)
            return await self.show_notices(request, user, error=t(words), status_code=code)
        language = language_of(request)
        outcome = t(
            POSTED,
            number=posted.number,
            count=posted.count,
            start=long_date(language, posted.start),
            end=long_date(language, posted.end),
            days=posted.days,
            page=notice_path(posted.number),
            xlsx=notice_path(posted.number, xlsx=True),
        )
        return await self.show_notices(request, user, outcome=outcome)

    def _post(self, user: StaffUser, region: str) -> PostedNotice:
        now = self.console.clock()
        with writing(self.console.sessions) as session:
            staff = user.member(session)
            if staff is None:
                raise rules.NotAllowed("not_staff")
            days = notice_days(region, local_date(now))
            posted = post_notice(session, staff, region, now=now, days=days)
            notice = posted.notice
            for application in posted.applications:
                notify_status_change(session, application, notice=notice)
            return PostedNotice(
                number=notice.number,
                count=len(posted.applications),
                days=days,
                start=first_day(notice),
                end=last_day(notice),
            )

    # -- the objections -------------------------------------------------------------------

    async def objections(self, request: Request, user: StaffUser) -> Response:
        return await self.show_objections(request, user)

    async def show_objections(
        self, request: Request, user: StaffUser, *, outcome: str = "", error: str = "",
        status_code: int = 200,
    ) -> Response:  # fmt: skip
        t = translator(request)
        lines = await self._load(request, user, self._objections)
        if isinstance(lines, Response):
            return lines
        return self.console.render(
            request,
            "chain_objections.html",
            user,
            status_code=status_code,
            objections=lines,
            outcome=outcome,
            error=error,
            outcomes=[(o.value, t(words)) for o, words in OUTCOME_WORDS.items()],
            state_words=lambda status: t(OBJECTION_STATES[status]),
            page_path=lambda number: PAGE_PATH.format(number=number),
            moment=lambda value: (
                long_date(language_of(request), local_date(value)) if value else ""
            ),
        )

    def _objections(self, user: StaffUser) -> list[chain.ObjectionLine]:
        with self.console.sessions() as session:
            return chain.region_objections(session, user.member(session))

    async def resolve(self, request: Request, user: StaffUser) -> Response:
        """POST /staff/objections/{id}/resolve: dismiss, or uphold (return or reject), with the
        reason the objector and the applicant read."""
        form = await request.form()
        t = translator(request)
        try:
            outcome = Outcome(str(form.get("outcome", "")))
        except ValueError:
            return await self.show_objections(
                request, user, error=t(CHOOSE_OUTCOME), status_code=400
            )
        note = str(form.get("note", "")).strip()
        if len(note) < 2:  # the chat asks for a few words, as it does in the dialog
            return await self.show_objections(
                request, user, error=t(REFUSALS["note_required"]), status_code=400
            )
        try:
            found = await asyncio.to_thread(
                self._resolve, user, request.path_params["id"], outcome, note
            )
        except rules.ReviewError as refused:
            words, code = refusal(refused)
            return await self.show_objections(request, user, error=t(words), status_code=code)
        if not found:  # told as one outside the region is: ids of others are not revealed
            words, code = refusal(rules.NotAllowed("outside_region"))
            return await self.show_objections(request, user, error=t(words), status_code=code)
        return await self.show_objections(request, user, outcome=t(RESOLVED))

    def _resolve(self, user: StaffUser, objection_id: int, outcome: Outcome, note: str) -> bool:
        with writing(self.console.sessions) as session:
            objection = session.get(Objection, objection_id)
            if objection is None:
                return False
            resolved = resolve_objection(
                session, user.member(session), objection, outcome, note, now=self.console.clock()
            )
            tell_resolved(session, resolved, outcome)
            return True


def routes(console: Console) -> list[BaseRoute]:
    notices = Notices(console)
    page = staff_page(console)
    return [
        Route("/staff/notices", page(notices.notices), methods=["GET"]),
        Route("/staff/notices/post", page(notices.post), methods=["POST"]),
        Route("/staff/objections", page(notices.objections), methods=["GET"]),
        Route("/staff/objections/{id:int}/resolve", page(notices.resolve), methods=["POST"]),
    ]
