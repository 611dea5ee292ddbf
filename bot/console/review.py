"""The work queue (filters, search, age order, pages, batch approval) and the claim page (facts,
decision, findings with the registry's values, files viewed in the page, the audit trail, and
the chat's actions). Who may see and decide what is `db.queries.review`'s, through
`db.queries.console`; a claim already decided by someone else, or a form loaded before its
claim changed, is left as it is and said so in one line."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy.orm import Session
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.console.web import (
    Console,
    StaffUser,
    staff_page,
    translate_for,
    translator,
    yuan,
)
from bot.dialogs.review import fact_lines
from bot.dialogs.status import STATUS_WORDS
from common.attachment_links import attachment_url
from common.findings import SEVERITY_MARKS, finding_text
from common.i18n import N_
from common.notify import notify_approved_at_level, notify_status_change
from common.texts import decision_text, program_name
from db.engine import writing
from db.enums import ApplicationStatus, Program
from db.models import Application, ChatIdentity, Notice
from db.queries import application_number
from db.queries import review as rules
from db.queries.console import batch
from db.queries.console import claim as claims
from db.queries.console import queue as queues

OUTCOMES = {
    batch.Outcome.APPROVED: N_("approved"),
    batch.Outcome.RETURNED: N_("returned to the applicant"),
    batch.Outcome.REJECTED: N_("rejected; the applicant is told why"),
    batch.Outcome.REASON_REQUIRED: N_("left out: a blocking finding stands; write your reason"),
    batch.Outcome.NOTE_REQUIRED: N_("left out: write a few words for the applicant"),
    batch.Outcome.STALE: N_("left out: it changed since this page was loaded"),
    batch.Outcome.ALREADY_APPROVED: N_("left out: a colleague approved it already"),
    batch.Outcome.NOT_AT_THIS_STEP: N_("left out: it waits at another step"),
    batch.Outcome.NOT_ELIGIBLE: N_("left out: the policy does not grant it"),
    batch.Outcome.NOT_ALLOWED: N_("left out: it is not yours to decide"),
    batch.Outcome.OVER_BUDGET: N_("left out: the county's budget for this program is spent"),
    batch.Outcome.FAILED: N_("left out: it could not be saved; please try again"),
}
BAD_FILTER = N_("A filter was not understood and is left out: {name}.")
NOTHING_CHOSEN = N_("Choose the claims to approve first.")
NO_SUCH_CLAIM = N_("This claim does not exist or is not in your region.")
MAX_PAGE = 100_000  # a page past the end is empty; one past this is a typo
ACTIONS = {
    "approve": rules.Action.APPROVE,
    "return": rules.Action.RETURN,
    "reject": rules.Action.REJECT,
}


def notify(session: Session, application: Application, notice: Notice | None) -> None:
    """After a step, what the chat does after it: the applicant is told (approved at a level
    waits for the notice; a confirmation, a return or a rejection is news at once)."""
    if notice is None:
        notify_status_change(session, application)
    else:
        notify_approved_at_level(session, application, notice.level)


@dataclass(frozen=True)
class Query:
    """The queue's filters as the clerk set them (the URL), with what could not be read."""

    filters: queues.QueueFilters
    sort: queues.Sort
    page: int
    problems: tuple[str, ...]

    @classmethod
    def read(cls, params: QueryParams | Mapping[str, str]) -> Query:
        problems: list[str] = []

        def pick(name: str, kind: Any) -> Any:
            value = (params.get(name) or "").strip()
            if not value:
                return None
            try:
                return kind(value)
            except ValueError:
                problems.append(name)
                return None

        def code(name: str, length: int) -> str | None:
            value = (params.get(name) or "").strip()
            if value and not (value.isdigit() and len(value) == length):
                problems.append(name)
                return None
            return value or None

        filters = queues.QueueFilters(
            status=pick("status", ApplicationStatus),
            township=code("township", 9),
            village=code("village", 12),
            program=pick("program", Program),
            finding=(params.get("finding") or "").strip()[:64] or None,
            search=(params.get("q") or "").strip()[:64] or None,
            waiting_for_me=params.get("mine") == "1",
        )
        sort = pick("sort", queues.Sort) or queues.Sort.OLDEST
        page = pick("page", int) or 1
        return cls(filters, sort, min(max(1, page), MAX_PAGE), tuple(problems))

    def url(self, **changes: Any) -> str:
        f = self.filters
        values = {
            "status": f.status.value if f.status else "",
            "township": f.township or "",
            "village": f.village or "",
            "program": f.program.value if f.program else "",
            "finding": f.finding or "",
            "q": f.search or "",
            "mine": "1" if f.waiting_for_me else "",
            "sort": self.sort.value,
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in changes.items()})
        return "/staff/queue?" + urlencode({k: v for k, v in values.items() if v})


class Review:
    def __init__(self, console: Console) -> None:
        self.console = console

    # -- the queue ------------------------------------------------------------------------

    async def queue(self, request: Request, user: StaffUser) -> Response:
        query = Query.read(request.query_params)
        page, choices = await asyncio.to_thread(self._queue, user, query)
        return self.render_queue(request, user, query, page, choices)

    def _queue(
        self, user: StaffUser, query: Query
    ) -> tuple[queues.QueuePage, queues.FilterChoices]:
        with self.console.sessions() as session:
            staff = user.member(session)
            page = queues.queue_page(
                session, staff, query.filters, query.sort, query.page, now=self.console.clock()
            )
            return page, queues.filter_choices(session, staff)

    def render_queue(
        self,
        request: Request,
        user: StaffUser,
        query: Query,
        page: queues.QueuePage,
        choices: queues.FilterChoices,
        *,
        outcomes: list[tuple[str, str]] | None = None,
        error: str = "",
        status_code: int = 200,
    ) -> Response:
        t = translator(request)
        problems = [t(BAD_FILTER, name=name) for name in query.problems]
        pages = max(1, -(-page.total // page.per_page))
        return self.console.render(
            request,
            "queue.html",
            user,
            status_code=status_code,
            query=query,
            page=page,
            pages=pages,
            choices=choices,
            problems=problems,
            outcomes=outcomes or [],
            error=error,
            status_words=lambda status: t(STATUS_WORDS[status]),
            program_words=lambda program: program_name(t, program.value),
            finding_words=lambda code: finding_text(t, code, {}),
            marks=SEVERITY_MARKS,
            yuan=yuan,
        )

    async def approve(self, request: Request, user: StaffUser) -> Response:
        form = await request.form()
        query = Query.read(_unprefix(form))
        ids = _ids(form.getlist("id"))
        if not ids:
            page, choices = await asyncio.to_thread(self._queue, user, query)
            error = translate_for(request, NOTHING_CHOSEN)
            return self.render_queue(
                request, user, query, page, choices, error=error, status_code=400
            )
        expected = {i: str(form.get(f"status-{i}", "")) for i in ids}
        versions = {i: str(form.get(f"version-{i}", "")) for i in ids}  # missing: stale
        reasons = {i: str(form.get(f"reason-{i}", "")).strip() for i in ids}
        reasons = {i: r for i, r in reasons.items() if r}
        result = await asyncio.to_thread(self._approve, user, ids, reasons, expected, versions)
        t = translator(request)
        outcomes = [(number, t(OUTCOMES[o.outcome])) for number, o in result]
        page, choices = await asyncio.to_thread(self._queue, user, query)
        return self.render_queue(request, user, query, page, choices, outcomes=outcomes)

    def _approve(
        self,
        user: StaffUser,
        ids: list[int],
        reasons: dict[int, str],
        expected: dict[int, str],
        versions: dict[int, str],
    ) -> list[tuple[str, batch.ClaimOutcome]]:
        with writing(self.console.sessions) as session:
            staff = user.member(session)
            result = batch.approve_batch(
                session, staff, ids, reasons, expected, after=notify, expected_version=versions
            )
            return [
                (
                    f"#{o.application_id}"  # not theirs: not even its number is told
                    if o.outcome == batch.Outcome.NOT_ALLOWED
                    else _number(session, o.application_id),
                    o,
                )
                for o in result.outcomes
            ]

    # -- a claim --------------------------------------------------------------------------

    async def claim(self, request: Request, user: StaffUser) -> Response:
        return await self.show_claim(request, user, request.path_params["id"])

    async def show_claim(
        self,
        request: Request,
        user: StaffUser,
        application_id: int,
        *,
        outcome: str = "",
        status_code: int = 200,
    ) -> Response:
        t = translator(request)
        found = await asyncio.to_thread(self._claim, user, application_id, t)
        if found is None:
            return self.console.message(request, user, t(NO_SUCH_CLAIM), 404)
        view, links, facts = found
        return self.render_claim(
            request, user, view, links, facts, outcome=outcome, status_code=status_code
        )

    def _claim(
        self, user: StaffUser, application_id: int, t: Any
    ) -> tuple[claims.ClaimView, dict[int, str], list[str]] | None:
        with self.console.sessions() as session:
            staff = user.member(session)
            try:
                view = claims.claim_page(session, staff, application_id)
            except rules.NotAllowed:
                return None
            identity = session.get(ChatIdentity, user.identity_id)
            links = {  # the path alone: the console may be opened at another host (intranet)
                a.id: urlsplit(attachment_url(a.id, identity, staff)).path
                for a in view.attachments
                if a.stored and identity is not None and staff is not None
            }
            application = session.get(Application, application_id)
            facts = fact_lines(t, application) if application is not None else []
            return view, links, facts

    async def decide(self, request: Request, user: StaffUser) -> Response:
        """POST /staff/claims/{id}/decide: approve, return (what to fix) or reject (why)."""
        application_id = request.path_params["id"]
        form = await request.form()
        action = ACTIONS.get(str(form.get("action", "")))
        if action is None:
            return await self.show_claim(
                request,
                user,
                application_id,
                outcome=translator(request)(NOTHING_CHOSEN),
                status_code=400,
            )
        text = str(form.get("text", "")).strip() or None
        expected = str(form.get("status", ""))  # a form without it is stale: it changes nothing
        version = str(form.get("version", ""))
        outcome = await asyncio.to_thread(
            self._decide, user, application_id, action, (expected, version), text
        )
        done = outcome.outcome in batch.DONE
        return await self.show_claim(
            request,
            user,
            application_id,
            outcome=translator(request)(OUTCOMES[outcome.outcome]),
            status_code=200 if done else 409,
        )

    def _decide(
        self,
        user: StaffUser,
        application_id: int,
        action: rules.Action,
        expected: tuple[str, str],
        text: str | None,
    ) -> batch.ClaimOutcome:
        """`expected`: the status and the version the form was made for."""
        status, version = expected
        with writing(self.console.sessions) as session:
            staff = user.member(session)
            return batch.decide(
                session,
                staff,
                application_id,
                action,
                status,
                text,
                after=notify,
                expected_version=version,
            )

    def render_claim(
        self,
        request: Request,
        user: StaffUser,
        view: claims.ClaimView,
        links: dict[int, str],
        facts: list[str],
        *,
        outcome: str = "",
        status_code: int = 200,
    ) -> Response:
        t = translator(request)
        return self.console.render(
            request,
            "claim.html",
            user,
            status_code=status_code,
            claim=view,
            links=links,
            facts=facts,
            outcome=outcome,
            decision=decision_text(t, view.decision),
            status_words=lambda status: t(STATUS_WORDS[status]),
            program_words=lambda program: program_name(t, program.value),
            finding=lambda f: finding_text(t, f.code, f.registry_values),
            marks=SEVERITY_MARKS,
            yuan=yuan,
        )


def _unprefix(form: FormData) -> dict[str, str]:
    return {k[2:]: str(v) for k, v in form.items() if k.startswith("f-")}


def _ids(values: list[Any]) -> list[int]:
    ids = []
    for value in values:
        text = str(value)
        if text.isdigit() and 0 < int(text) < 2**31:
            ids.append(int(text))
    return list(dict.fromkeys(ids))


def _number(session: Session, application_id: int) -> str:
    application = session.get(Application, application_id)
    return application_number(application) if application else f"#{application_id}"


def routes(console: Console) -> list[BaseRoute]:
    review = Review(console)
    page = staff_page(console)
    return [
        Route("/staff/queue", page(review.queue), methods=["GET"]),
        Route("/staff/queue/approve", page(review.approve), methods=["POST"]),
        Route("/staff/claims/{id:int}", page(review.claim), methods=["GET"]),
        Route("/staff/claims/{id:int}/decide", page(review.decide), methods=["POST"]),
    ]
