"""The console's work queue: the claims a staff member may see, filtered, searched, sorted by
age and paged; and the choices its filter form offers.

Who sees what is the chat's own rule (``db.queries.review``): a staff member sees the claims
of their region and below (``authorize`` with ``Action.VIEW``), and "waiting for me" is the
chat's review queue (``review_queue._waiting``). Drafts (claims made in a chat not verified as
their person) never appear: they are not claims until promoted (``db.queries.drafts``).

Names are shown in full, as the chat's review card shows them to staff; ID numbers are never
read here. Search takes an application number (WG2025-000123, 123), a full ID number (its
blind index), the last 4 characters of an ID number (``person.id_tail_index``, what a masked
ID shows) or a part of a name.

A page costs a handful of statements whatever its size: the count, the page's claims with
their applicants, their findings (one ``IN``), the draft notices holding them and the names
of their villages and townships.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from db.crypto import blind_index
from db.division_names import display_name
from db.enums import ApplicationStatus, NoticeStatus, Program, RegionLevel, Severity
from db.models import Application, Finding, Notice, NoticeItem, Person, Region, Staff
from db.queries.applications import application_number, parse_application_number
from db.queries.review import Action, ReviewError, authorize, blocking_findings, precheck
from db.queries.review.steps import _refuse_ineligible
from db.queries.review_queue import _waiting
from db.types import utcnow

MAX_PER_PAGE = 200
_FULL_ID = re.compile(r"\d{17}[\dX]")
_ID_TAIL = re.compile(r"\d{3}[\dX]")
# What the queue lists: counting claims (never a draft of an unverified chat).
_NOT_DRAFT = sa.and_(
    Application.identity_verified.is_(True), Application.status != ApplicationStatus.DRAFT
)
SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Sort(StrEnum):
    """By age: when the claim was submitted (then its id)."""

    OLDEST = "oldest"
    NEWEST = "newest"


@dataclass(frozen=True)
class QueueFilters:
    """What the clerk narrowed the queue to; None (or False) leaves a filter out.

    ``township`` and ``village`` are division codes (9 and 12 digits), ``finding`` a finding
    code, ``search`` what was typed in the search box. ``waiting_for_me``: only the claims the
    chat's /review would show this staff member (at their level, not yet approved there).
    """

    status: ApplicationStatus | None = None
    township: str | None = None
    village: str | None = None
    program: Program | None = None
    finding: str | None = None
    search: str | None = None
    waiting_for_me: bool = False


@dataclass(frozen=True)
class FindingMark:
    code: str
    severity: Severity


@dataclass(frozen=True)
class QueueRow:
    """One claim of the page. ``age_days``: whole days since it was submitted (since it was
    created when it has no submission time). ``can_approve``: this staff member may approve
    (the county: confirm) it now; ``needs_reason``: only with a reason, a blocking finding
    stands (``blocking`` its codes). ``on_draft_notice``: approved at a level, waiting for
    the notice to be posted."""

    id: int
    number: str
    name: str
    region_code: str | None
    village: str | None
    township: str | None
    program: Program
    year: int
    status: ApplicationStatus
    amount_fen: int | None
    age_days: int
    findings: tuple[FindingMark, ...]
    blocking: tuple[str, ...]
    can_approve: bool
    needs_reason: bool
    on_draft_notice: bool
    version: str  # what the batch form sends back (`batch.version`)


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class Choice:
    code: str
    name: str


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers this staff member: the townships and villages of their
    scope (current register), the programs, the statuses a listed claim can have, and the
    finding codes found on claims of their scope."""

    townships: tuple[Choice, ...]
    villages: tuple[Choice, ...]
    programs: tuple[Program, ...]
    statuses: tuple[ApplicationStatus, ...]
    findings: tuple[str, ...]


def _member(staff: Staff | None) -> Staff:
    """The staff member, refused exactly as the chat's queue refuses them."""
    return authorize(staff, Action.VIEW, staff.region_code if staff else None)


def _in(code: str) -> sa.ColumnElement[bool]:
    return Application.region_code.startswith(code, autoescape=True)


def search_condition(term: str) -> sa.ColumnElement[bool] | None:
    """What a search box's text finds (None for blank text): see the module's docstring.

    The ID alternatives are conditions on ``application`` (the few persons through an ``IN``
    on their index), so an ``OR`` with the number never spans two tables; a name is matched on
    the joined person.
    """
    text = term.strip()
    compact = "".join(text.split()).upper()
    if not compact:
        return None
    persons: list[sa.ColumnElement[bool]] = []
    found: list[sa.ColumnElement[bool]] = []
    if _FULL_ID.fullmatch(compact):
        persons.append(Person.id_index == blind_index("id", compact))
    else:
        number = parse_application_number(compact)
        if number is not None:
            found.append(Application.id == number)
        if _ID_TAIL.fullmatch(compact):
            persons.append(Person.id_tail_index == blind_index("id_tail", compact))
    found += [Application.person_id.in_(sa.select(Person.id).where(p)) for p in persons]
    return sa.or_(*found) if found else Person.name.contains(text, autoescape=True)


def _conditions(member: Staff, filters: QueueFilters) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [_NOT_DRAFT, _in(member.region_code)]
    if filters.waiting_for_me:
        try:
            where.append(_waiting(member))
        except ReviewError:  # a role without a review queue (the city's oversight)
            where.append(sa.false())
    if filters.status is not None:
        where.append(Application.status == filters.status)
    for code in (filters.township, filters.village):
        if code:
            where.append(_in(code))
    if filters.program is not None:
        where.append(Application.program == filters.program)
    if filters.finding:
        where.append(
            sa.exists().where(
                Finding.application_id == Application.id, Finding.code == filters.finding
            )
        )
    if filters.search:
        found = search_condition(filters.search)
        if found is not None:
            where.append(found)
    return where


def queue_page(
    session: Session,
    staff: Staff | None,
    filters: QueueFilters,
    sort: Sort,
    page: int,
    per_page: int = 50,
    *,
    now: datetime | None = None,
) -> QueuePage:
    """One page (from 1) of the claims the staff member may see, with the total count.

    Refused (NotAllowed) for whoever the chat's queue refuses: nobody, a revoked role, a role
    whose code does not fit its level.
    """
    member = _member(staff)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    where = _conditions(member, filters)
    counted = sa.select(sa.func.count()).select_from(Application)
    if filters.search and filters.search.strip():
        counted = counted.join(Person, Person.id == Application.person_id)
    total = session.scalar(counted.where(*where)) or 0
    if sort == Sort.OLDEST:
        order = (Application.submitted_at.asc().nulls_last(), Application.id.asc())
    else:
        order = (Application.submitted_at.desc().nulls_first(), Application.id.desc())
    rows = session.execute(
        sa.select(Application, Person.name)
        .join(Person, Person.id == Application.person_id)
        .where(*where)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(selectinload(Application.findings))
    ).all()
    claims = [(application, name) for application, name in rows]
    drafted = _on_draft_notices(session, [a.id for a, _ in claims])
    names = region_names(session, (a.region_code for a, _ in claims))
    moment = now or utcnow()
    return QueuePage(
        rows=tuple(
            _row(member, application, name, names, application.id in drafted, moment)
            for application, name in claims
        ),
        total=total,
        page=page,
        per_page=per_page,
    )


def _on_draft_notices(session: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            sa.select(NoticeItem.application_id)
            .join(Notice, Notice.id == NoticeItem.notice_id)
            .where(Notice.status == NoticeStatus.DRAFT, NoticeItem.application_id.in_(ids))
        )
    )


def region_names(session: Session, codes: Iterable[str | None]) -> dict[str, str]:
    """The register's names (villages as people say them) of the villages and townships of
    ``codes``, in one statement."""
    wanted: set[str] = set()
    for code in codes:
        if code:
            wanted.update(code[:n] for n in (9, 12) if len(code) >= n)
    if not wanted:
        return {}
    rows = session.execute(sa.select(Region.code, Region.name).where(Region.code.in_(wanted)))
    return {code: display_name(name) for code, name in rows}


def may_approve(staff: Staff, application: Application, *, on_draft_notice: bool) -> bool:
    """Whether the chat's rules let the staff member approve the claim now (a reason aside)."""
    if on_draft_notice:
        return False
    try:
        precheck(staff, Action.APPROVE, application)
        _refuse_ineligible(application)
    except ReviewError:
        return False
    return True


def _age(application: Application, now: datetime) -> int:
    since = application.submitted_at or application.created_at
    return max(0, (now - since).days) if since else 0


def version(application: Application) -> str:
    """What a form says of the claim it was made for: its last change (every change of the
    row moves it), so a claim that left a status and came back to it is still stale."""
    return application.updated_at.isoformat() if application.updated_at else ""


def _row(
    member: Staff,
    application: Application,
    name: str,
    names: dict[str, str],
    on_draft_notice: bool,
    now: datetime,
) -> QueueRow:
    code = application.region_code
    blocking = tuple(blocking_findings(application))
    can_approve = may_approve(member, application, on_draft_notice=on_draft_notice)
    findings = sorted(application.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
    return QueueRow(
        id=application.id,
        number=application_number(application),
        name=name,
        region_code=code,
        village=names.get(code[:12]) if code and len(code) >= 12 else None,
        township=names.get(code[:9]) if code and len(code) >= 9 else None,
        program=application.program,
        year=application.year,
        status=application.status,
        amount_fen=application.amount_fen,
        age_days=_age(application, now),
        findings=tuple(FindingMark(f.code, f.severity) for f in findings),
        blocking=blocking,
        can_approve=can_approve,
        needs_reason=can_approve and bool(blocking),
        on_draft_notice=on_draft_notice,
        version=version(application),
    )


def filter_choices(session: Session, staff: Staff | None) -> FilterChoices:
    """What the filter form offers the staff member (refused as ``queue_page`` is)."""
    member = _member(staff)
    scope = member.region_code

    def regions(level: RegionLevel, length: int) -> tuple[Choice, ...]:
        inside = sa.or_(
            Region.code.startswith(scope, autoescape=True),
            Region.code == scope[:length],  # a cadre's own township
        )
        rows = session.execute(
            sa.select(Region.code, Region.name)
            .where(Region.level == level, Region.valid_to.is_(None), inside)
            .order_by(Region.code)
        )
        return tuple(Choice(code, display_name(name)) for code, name in rows)

    codes = session.scalars(
        sa.select(Finding.code)
        .join(Application, Application.id == Finding.application_id)
        .where(_NOT_DRAFT, _in(scope))
        .distinct()
        .order_by(Finding.code)
    ).all()
    return FilterChoices(
        townships=regions(RegionLevel.TOWNSHIP, 9),
        villages=regions(RegionLevel.VILLAGE, 12),
        programs=tuple(Program),
        statuses=tuple(s for s in ApplicationStatus if s != ApplicationStatus.DRAFT),
        findings=tuple(codes),
    )
