"""What every console page shares: the signed-in staff member, the language, rendering, the
form token, and the answers to a refusal.

A console session is a random token in an HttpOnly, SameSite=Strict cookie (`COOKIE`, path
/staff); the database keeps its SHA-256 as the external id of a chat identity of channel
"console", which holds the staff role. So the role lapses after WUGONG_STAFF_IDLE_HOURS idle and
WUGONG_STAFF_MAX_DAYS, is ended by signing out and by `wugong staff revoke`, exactly as on the
web chat (db/queries/staff.py). Every form carries a token derived from the session (`csrf`),
and a POST whose Origin is another site is refused.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.channels.edge import EdgeLimits, client_address
from bot.dialogs.budget import yuan as budget_yuan
from common.i18n import LANGUAGES, N_, normalize_language, translate
from db.crypto import keyring
from db.engine import writing
from db.enums import StaffRole
from db.models import Staff, WebSession
from db.queries import staff as roles
from db.queries.regions import region_words
from db.types import utcnow

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
COOKIE = "wugong_staff"
LANGUAGE_COOKIE = "wugong_lang"
SIGN_IN = "/staff/login"
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "object-src 'self'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
ROLE_NAMES = {
    StaffRole.CADRE: N_("village cadre"),
    StaffRole.TOWNSHIP: N_("township staff"),
    StaffRole.COUNTY_ADMIN: N_("county administrator"),
    StaffRole.CITY_ADMIN: N_("city administrator"),
}
LAPSED = N_("Your sign-in has ended ({reason}). Please sign in again with a new code.")
LAPSE_REASONS = {
    "idle": N_("unused for too long"),
    "max_age": N_("it was too old"),
}
STALE_FORM = N_("This form is out of date. Please reload the page and try again.")
TOO_LARGE = N_("What was sent is too large (at most {size} MB here).")
FORM_BYTES = 256 * 1024  # a form without a file: the largest is a broadcast's text
ENVELOPE_BYTES = 64 * 1024  # the multipart envelope around an uploaded file and its fields


@dataclass(frozen=True)
class StaffUser:
    """The staff member a request acts as, and the session's form token."""

    identity_id: int
    staff_id: int
    name: str
    role: StaffRole
    region_code: str
    region: str  # the region in words
    csrf: str

    def member(self, session: Session) -> Staff | None:
        """The staff row this session acts as (read again in the caller's transaction)."""
        return session.get(Staff, self.staff_id)


@dataclass
class Console:
    """The console's dependencies: the database, the clock, the role limits, the edge."""

    sessions: sessionmaker[Session]
    edge: EdgeLimits
    limits: roles.StaffLimits
    secure_cookie: bool = False
    clock: Callable[[], datetime] = utcnow
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    # -- who is asking ------------------------------------------------------------------

    def user(self, token: str | None) -> StaffUser | str | None:
        """The staff member of the session `token`; the lapse reason when the role has just
        lapsed; None when the session holds none."""
        if not token or len(token) > 128:
            return None
        token_hash = WebSession.hash_token(token)
        now = self.clock()
        with self.sessions() as session:  # most requests only read: no write lock for them
            found = roles.console_staff(session, token_hash, now, self.limits)
            if not (session.new or session.dirty or session.deleted):
                return self._user(session, found, token_hash)
        # The use to record (at most once a minute) or a lapse to end: again, as a writer.
        with writing(self.sessions) as session:
            found = roles.console_staff(session, token_hash, now, self.limits)
            return self._user(session, found, token_hash)

    def _user(
        self, session: Session, found: roles.ConsoleStaff | str | None, token_hash: str
    ) -> StaffUser | str | None:
        if found is None or isinstance(found, str):
            return found
        staff = found.staff
        return StaffUser(
            identity_id=found.identity_id,
            staff_id=staff.id,
            name=staff.name,
            role=staff.role,
            region_code=staff.region_code,
            region=region_words(session, staff.region_code),
            csrf=form_token(token_hash),
        )

    def address(self, request: Request) -> str:
        return client_address(request, self.edge.trusted)

    # -- pages --------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        user: StaffUser | None = None,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        language = language_of(request)

        def t(message: str, **values: Any) -> str:
            return translate(language, message, **values)

        page = self.templates.get_template(template).render(
            t=t,
            language=language,
            languages=LANGUAGES,
            user=user,
            role_name=t(ROLE_NAMES[user.role]) if user else "",
            path=request.url.path,
            here=quote(_here(request), safe=""),
            **context,
        )
        return HTMLResponse(page, status_code=status_code, headers=HEADERS)

    def message(
        self, request: Request, user: StaffUser | None, text: str, status_code: int
    ) -> HTMLResponse:
        """A page of one line (a refusal, something not found)."""
        return self.render(request, "message.html", user, status_code=status_code, text=text)


Handler = Callable[[Request, StaffUser], Awaitable[Response]]


def staff_page(
    console: Console, upload_bytes: int | None = None, too_large: str = TOO_LARGE
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a page for signed-in staff only: others go to the sign-in page (and back after);
    a POST must carry the session's form token and come from this site, and its body (by its
    declared length, before anything is read) be a form's at most, or for a page that takes a
    file, `upload_bytes` and the envelope around it; else `too_large` (with its {size} in MB)."""
    limit = FORM_BYTES if upload_bytes is None else upload_bytes + ENVELOPE_BYTES
    size = f"{round((upload_bytes or FORM_BYTES) / 1_048_576, 1):g}"

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def page(request: Request) -> Response:
            if request.method == "POST" and not fits(request, limit):
                text = translate_for(request, too_large, size=size)
                return console.message(request, None, text, 413)
            token = request.cookies.get(COOKIE)
            found = await asyncio.to_thread(console.user, token)
            if not isinstance(found, StaffUser):
                return to_sign_in(request, lapsed=found)
            if request.method == "POST":
                if not same_origin(request):
                    return console.message(request, found, translate_for(request, STALE_FORM), 403)
                form = await request.form()
                if not hmac.compare_digest(str(form.get("csrf", "")), found.csrf):
                    return console.message(request, found, translate_for(request, STALE_FORM), 403)
            return await handler(request, found)

        return page

    return wrap


def fits(request: Request, max_body: int) -> bool:
    """The declared length is there and at most `max_body` (uvicorn reads no more than it)."""
    declared = request.headers.get("content-length", "")
    return declared.isdigit() and int(declared) <= max_body


def to_sign_in(request: Request, lapsed: str | None = None) -> RedirectResponse:
    target = f"{SIGN_IN}?next={quote(_here(request), safe='')}"
    if lapsed:
        target += f"&lapsed={quote(lapsed)}"
    return RedirectResponse(target, status_code=303)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def form_token(token_hash: str) -> str:
    """The form token of a session: forms of another session (or another site) do not carry it."""
    return keyring().code_mac("console-form", token_hash)[:32]


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (Origin, else Referer)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source is None
    return urlsplit(source).netloc == request.headers.get("host", "")


def language_of(request: Request) -> str:
    return normalize_language(request.cookies.get(LANGUAGE_COOKIE) or LANGUAGES[0])


def translate_for(request: Request, message: str, **values: Any) -> str:
    return translate(language_of(request), message, **values)


def translator(request: Request) -> Callable[..., str]:
    """`t(message, **values)` in the request's language."""
    language = language_of(request)
    return lambda message, **values: translate(language, message, **values)


def yuan(fen: int | None) -> str:
    """An amount in fen as the chat writes it (12,345 or 12,345.67); "—" when there is none."""
    return "—" if fen is None else budget_yuan(fen)
