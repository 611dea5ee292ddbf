"""The console's audit log: the audit events of a staff member's region, newest first, searched
and paged, and the same rows streamed for an export.

An event is of the region when its claim is (``application.region_code`` under the region) or
when the staff member who acted is (``staff.region_code`` under it). Search takes a claim number
(WG2025-000123, 123), an action (its exact name), a part of the acting staff member's name, and
a range of days in the office's time zone (both ends included).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import ActorKind, ApplicationStatus
from db.models import Application, AuditEvent, Staff
from db.pii import redact
from db.queries.applications import parse_application_number

PER_PAGE = 50
MAX_PER_PAGE = 200
EXPORT_BATCH = 1000
MAX_NAME = 64


@dataclass(frozen=True)
class AuditFilters:
    """What the clerk searched for; None leaves a filter out."""

    claim: str | None = None
    action: str | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None  # included


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    action: str
    actor_kind: ActorKind
    actor_name: str | None  # a staff member's name; None for an applicant or the system
    role: str | None
    application_id: int | None
    claim_number: str | None
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus | None
    reason: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _select(region: str, filters: AuditFilters, zone: tzinfo) -> sa.Select[Any]:
    actor = sa.and_(AuditEvent.actor_kind == ActorKind.STAFF, Staff.id == AuditEvent.actor_id)
    query = (
        sa.select(AuditEvent, Application.year, Staff.name)
        .outerjoin(Application, Application.id == AuditEvent.application_id)
        .outerjoin(Staff, actor)
        .where(
            sa.or_(
                Application.region_code.startswith(region, autoescape=True),
                Staff.region_code.startswith(region, autoescape=True),
            )
        )
    )
    if filters.claim:
        number = parse_application_number(filters.claim)
        query = query.where(AuditEvent.application_id == (number if number is not None else -1))
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(Staff.name.contains(filters.actor[:MAX_NAME], autoescape=True))
    if filters.since:
        query = query.where(AuditEvent.at >= _start_of(filters.since, zone))
    if filters.until:
        query = query.where(AuditEvent.at < _start_of(filters.until + timedelta(days=1), zone))
    return query


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _row(event: AuditEvent, year: int | None, name: str | None) -> AuditRow:
    number = (
        f"WG{year}-{event.application_id:06d}"
        if event.application_id is not None and year is not None
        else None
    )
    return AuditRow(
        id=event.id,
        at=event.at,
        action=event.action,
        actor_kind=event.actor_kind,
        actor_name=name,
        role=event.role,
        application_id=event.application_id,
        claim_number=number,
        from_status=event.from_status,
        to_status=event.to_status,
        reason=redact(event.reason) if event.reason else None,
        data=dict(event.data or {}),
    )


def audit_page(
    session: Session,
    region: str,
    filters: AuditFilters,
    page: int = 1,
    *,
    zone: tzinfo,
    per_page: int = PER_PAGE,
) -> AuditPage:
    """One page of the region's events matching ``filters``, newest first."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    query = _select(region, filters, zone)
    total = int(
        session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    )
    page = max(1, min(page, max(1, -(-total // per_page))))
    found = session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AuditPage([_row(*row) for row in found], total, page, per_page)


def audit_rows(
    session: Session, region: str, filters: AuditFilters, *, zone: tzinfo, limit: int
) -> Iterator[AuditRow]:
    """Every event of the page's search (at most ``limit``), newest first, read in batches."""
    query = (
        _select(region, filters, zone)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    for row in session.execute(query):
        yield _row(*row)


def audit_actions(session: Session, region: str) -> list[str]:
    """The actions the region's log holds, for the search form's choices."""
    query = _select(region, AuditFilters(), UTC).subquery()
    return sorted(session.scalars(sa.select(query.c.action).distinct()))
