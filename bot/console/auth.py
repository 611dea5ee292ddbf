"""Signing in to the console with a one-time code, signing out, and the language switch.

The code is the chat's: an invite (a new staff member, who gives their name on the form) or a
login code from `wugong staff login-code`; `db.queries.staff.redeem_code` redeems both, so the
console and the chat take a role the same way. Sign-in attempts are limited per address.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.web import (
    COOKIE,
    FORM_BYTES,
    LANGUAGE_COOKIE,
    LAPSE_REASONS,
    LAPSED,
    SIGN_IN,
    STALE_FORM,
    Console,
    StaffUser,
    fits,
    language_of,
    same_origin,
    staff_page,
    translate_for,
)
from bot.dialogs.staff import CODE_REFUSED, clean_name
from common.i18n import LANGUAGES, N_
from db.engine import writing
from db.models import WebSession
from db.queries import staff as roles

LOGIN_ATTEMPTS_PER_MINUTE = 10
NEED_NAME = N_("This invite makes you a new staff member: please also give your full name.")
BAD_NAME = N_("Please give your full name as colleagues should see it, for example 王建国.")
NO_CODE = N_("Please type the code you were given.")
TOO_MANY = N_("Too many attempts. Please wait a minute and try again.")
SIGNED_OUT = N_("You have signed out.")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path, never another site."""
    target = unquote(value or "")
    if target.startswith("/staff") and not target.startswith("/staff/login") and "//" not in target:
        return target
    return "/staff"


class SignIn:
    def __init__(self, console: Console) -> None:
        self.console = console

    async def form(self, request: Request) -> Response:
        lapsed = request.query_params.get("lapsed")
        note = ""
        if lapsed in LAPSE_REASONS:
            reason = translate_for(request, LAPSE_REASONS[lapsed])
            note = translate_for(request, LAPSED, reason=reason)
        elif request.query_params.get("out"):
            note = translate_for(request, SIGNED_OUT)
        return self.page(request, note=note)

    def page(self, request: Request, *, status_code: int = 200, **context: Any) -> Response:
        return self.console.render(
            request,
            "login.html",
            status_code=status_code,
            next=safe_next(request.query_params.get("next")),
            **context,
        )

    async def submit(self, request: Request) -> Response:
        if not fits(request, FORM_BYTES):
            return self.page(request, status_code=413, error=translate_for(request, STALE_FORM))
        if not same_origin(request):
            return self.page(request, status_code=403, error=translate_for(request, STALE_FORM))
        refused = await self.console.edge.check(
            [(f"console-login:{self.console.address(request)}", LOGIN_ATTEMPTS_PER_MINUTE)]
        )
        if refused is not None:
            page = self.page(request, status_code=429, error=translate_for(request, TOO_MANY))
            page.headers["Retry-After"] = str(refused.retry_after)
            return page
        form = await request.form()
        code = str(form.get("code", "")).strip()
        typed_name = str(form.get("name", "")).strip()
        target = safe_next(str(form.get("next", "")))
        if not code:
            return self.page(request, status_code=400, error=translate_for(request, NO_CODE))
        name = clean_name(typed_name) if typed_name else None
        if typed_name and name is None:
            return self.page(
                request, status_code=400, error=translate_for(request, BAD_NAME), code=code
            )
        token = secrets.token_urlsafe(32)
        outcome = await asyncio.to_thread(self._redeem, token, code, name)
        if outcome is not None:
            return self.page(
                request,
                status_code=400,
                error=translate_for(request, outcome),
                code=code if outcome == NEED_NAME else "",
                ask_name=outcome in (NEED_NAME, BAD_NAME),
            )
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            path="/staff",
            secure=self.console.secure_cookie,
            httponly=True,
            samesite="strict",
        )
        return response

    def _redeem(self, token: str, code: str, name: str | None) -> str | None:
        """Sign the new session in with `code`; None, or the message saying why not. An invite
        for a new staff member needs the name first (the code is not used up without it)."""
        now = self.console.clock()
        try:
            with writing(self.console.sessions) as session:
                if name is None and roles.invite_needs_name(session, code):
                    return NEED_NAME
                identity = roles.open_console(session, WebSession.hash_token(token), now)
                roles.redeem_code(session, identity, code, now, name or "")
        except roles.CodeRefused as refused:  # raised inside: nothing was written
            return CODE_REFUSED[refused.reason]
        return None

    async def sign_out(self, request: Request, user: StaffUser) -> Response:
        token = request.cookies.get(COOKIE, "")
        await asyncio.to_thread(self._sign_out, token)
        response = RedirectResponse(f"{SIGN_IN}?out=1", status_code=303)
        response.delete_cookie(COOKIE, path="/staff")
        return response

    def _sign_out(self, token: str) -> None:
        with writing(self.console.sessions) as session:
            roles.sign_out(session, WebSession.hash_token(token))

    async def language(self, request: Request) -> Response:
        """GET /staff/lang?to=en&next=…: switch the console's language (a cookie)."""
        wanted = request.query_params.get("to", "")
        response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        if wanted in LANGUAGES and wanted != language_of(request):
            response.set_cookie(
                LANGUAGE_COOKIE, wanted, max_age=365 * 86400, path="/staff", samesite="lax"
            )
        return response


def routes(console: Console) -> list[BaseRoute]:
    sign_in = SignIn(console)
    page = staff_page(console)
    return [
        Route(SIGN_IN, sign_in.form, methods=["GET"]),
        Route(SIGN_IN, sign_in.submit, methods=["POST"]),
        Route("/staff/logout", page(sign_in.sign_out), methods=["POST"]),
        Route("/staff/lang", sign_in.language, methods=["GET"]),
    ]
