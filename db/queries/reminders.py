"""Reminders as rows: who is due one, adding it once, and claiming due ones to send.

A reminder is a row with a due time (docs/stack-notes.md §4: no long broker delays). The planner
adds rows under a dedup key, so planning twice adds nothing; the sender claims due rows with an
atomic update, so two schedulers or a redelivered sweep send nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.enums import (
    ApplicationStatus,
    HouseholdType,
    NoticeLevel,
    NoticeStatus,
    Program,
    ReminderStatus,
    StaffRole,
)
from db.models import (
    Application,
    AuditEvent,
    ChatIdentity,
    Household,
    MonitoringEmployment,
    Notice,
    Person,
    Reminder,
    RosterBatch,
    RosterStatus,
    Satisfaction,
    Staff,
)
from db.queries.crosscheck.checks import IN_COUNTY_CHANNELS
from db.queries.notices import last_day
from db.queries.review import REVIEW_STATUS

# A claim older than this was made by a sweep that died: the row may be claimed again.
CLAIM_TIMEOUT = timedelta(minutes=5)
SURVEY_WITHIN = timedelta(days=30)  # ask about payments made this recently


class Kind:
    WINDOW_CLOSING = "window_closing"
    RETURNED_UNFIXED = "returned_unfixed"
    NOTICE_ENDING = "notice_ending"
    REVIEW_BACKLOG = "review_backlog"
    PAYMENT_DUE = "payment_due"
    SATISFACTION = "satisfaction"


@dataclass(frozen=True)
class Due:
    """A reminder to add: for whom, why, and the values of its text."""

    kind: str
    chat_identity_id: int
    dedup_key: str
    payload: dict[str, Any]
    application_id: int | None = None
    person_id: int | None = None


def add(session: Session, due: Due, at: datetime) -> bool:
    """Add the reminder unless one with its dedup key exists; True when added."""
    exists = session.scalar(sa.select(Reminder.id).where(Reminder.dedup_key == due.dedup_key))
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Reminder(
                    kind=due.kind,
                    chat_identity_id=due.chat_identity_id,
                    application_id=due.application_id,
                    person_id=due.person_id,
                    payload=due.payload,
                    due_at=at,
                    dedup_key=due.dedup_key,
                )
            )
    except IntegrityError:
        return False  # another planner added it meanwhile
    return True


def _reachable() -> sa.ColumnElement[bool]:
    return sa.and_(
        ChatIdentity.blocked_at.is_(None),
        ChatIdentity.reminders_enabled.is_(True),
        ChatIdentity.messageable(),
    )


def window_closing(
    session: Session,
    program: Program,
    year: int,
    deadline: date,
    days: int,
    *,
    county: str | None = None,
    other_than: Sequence[str] = (),
) -> Iterator[Due]:
    """People who look eligible from the monitoring records, use the bot and have not applied.

    From the records: a 脱贫户, or a 监测户 whose risk is not eliminated, with a work record in
    the year; for transport outside the home county, for the workshop subsidy at a 帮扶车间.
    Only people of ``county`` when given, and none of the counties ``other_than`` (those with
    windows of their own).
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    works = sa.select(MonitoringEmployment.id).where(
        MonitoringEmployment.person_id == Person.id,
        MonitoringEmployment.start_month <= end,
        sa.or_(MonitoringEmployment.end_month.is_(None), MonitoringEmployment.end_month >= start),
    )
    if program == Program.TRANSPORT:
        works = works.where(
            MonitoringEmployment.work_county_code.is_not(None),
            sa.func.substr(MonitoringEmployment.work_county_code, 1, 6)
            != sa.func.substr(Person.region_code, 1, 6),
            sa.or_(
                MonitoringEmployment.channel.is_(None),
                MonitoringEmployment.channel.not_in(IN_COUNTY_CHANNELS),
            ),
        )
    elif program == Program.WORKSHOP_EMPLOYMENT:
        works = works.where(MonitoringEmployment.channel == "帮扶车间")
    applied = sa.select(Application.id).where(
        Application.person_id == Person.id,
        Application.identity_verified.is_(True),  # another's draft does not count
        Application.program == program,
        Application.year == year,
    )
    rows = session.execute(
        sa.select(ChatIdentity.id, Person.id)
        .join(Person, Person.id == ChatIdentity.person_id)
        .join(Household, Household.id == Person.household_id)
        .where(
            _reachable(),
            sa.or_(
                Household.household_type == HouseholdType.POVERTY_ALLEVIATED,
                sa.and_(
                    Household.household_type == HouseholdType.MONITORED,
                    Household.risk_eliminated.is_(False),
                ),
            ),
            works.exists(),
            ~applied.exists(),
            *_of_counties(county, other_than),
        )
        .order_by(ChatIdentity.id)
    )
    for identity_id, person_id in rows:
        yield Due(
            Kind.WINDOW_CLOSING,
            identity_id,
            f"window:{program.value}:{year}:{days}:{identity_id}",
            {
                "program": program.value,
                "year": year,
                "deadline": deadline.isoformat(),
                "days": days,
            },
            person_id=person_id,
        )


def _of_counties(county: str | None, other_than: Sequence[str]) -> list[sa.ColumnElement[bool]]:
    home = sa.func.substr(Person.region_code, 1, 6)
    conditions = []
    if county is not None:
        conditions.append(home == county)
    if other_than:
        conditions.append(sa.or_(Person.region_code.is_(None), home.not_in(list(other_than))))
    return conditions


def returned_unfixed(session: Session, now: datetime, after: timedelta) -> Iterator[Due]:
    """Applicants (and delegates) of claims returned for correction longer than `after` ago."""
    returned_at = (
        sa.select(sa.func.max(AuditEvent.at))
        .where(
            AuditEvent.application_id == Application.id,
            AuditEvent.to_status == ApplicationStatus.RETURNED,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            Application.id,
            Application.person_id,
            Application.submitted_by_chat_identity_id,
            returned_at.label("returned_at"),
        )
        .where(Application.status == ApplicationStatus.RETURNED)
        .order_by(Application.id)
    ).all()
    for application_id, person_id, submitter_id, at in rows:
        if at is None or _aware(at) > now - after:
            continue
        identities = session.scalars(
            sa.select(ChatIdentity.id).where(
                _reachable(),
                sa.or_(ChatIdentity.person_id == person_id, ChatIdentity.id == submitter_id),
            )
        ).all()
        for identity_id in identities:
            yield Due(
                Kind.RETURNED_UNFIXED,
                identity_id,
                f"returned:{application_id}:{_aware(at):%Y%m%d%H%M}:{identity_id}",
                {"returned": _aware(at).date().isoformat()},
                application_id=application_id,
            )


def notices_ending(session: Session, today: date, within_days: int) -> Iterator[Due]:
    """The reviewers of notices that end within `within_days` days (the last day included)."""
    role = {NoticeLevel.VILLAGE: StaffRole.CADRE, NoticeLevel.TOWNSHIP: StaffRole.TOWNSHIP}
    for notice in session.scalars(sa.select(Notice).where(Notice.status == NoticeStatus.POSTED)):
        end = last_day(notice)
        if not 0 <= (end - today).days <= within_days:
            continue
        for identity_id in _staff_identities(session, role[notice.level], notice.region_code):
            yield Due(
                Kind.NOTICE_ENDING,
                identity_id,
                f"notice:{notice.id}:{identity_id}",
                {"notice": notice.number, "date": end.isoformat()},
            )


def review_backlog(session: Session, now: datetime, older_than: timedelta) -> Iterator[Due]:
    """Reviewers with claims waiting in their queue for longer than `older_than`; once a day."""
    today = now.date().isoformat()
    rows = session.execute(
        sa.select(ChatIdentity.id, Staff.role, Staff.region_code)
        .join(Staff, Staff.id == ChatIdentity.staff_id)
        .where(_reachable(), Staff.active.is_(True), Staff.role.in_(list(REVIEW_STATUS)))
    ).all()
    for identity_id, role, region in rows:
        count = session.scalar(
            sa.select(sa.func.count())
            .select_from(Application)
            .where(
                Application.status == REVIEW_STATUS[role],
                Application.region_code.startswith(region, autoescape=True),
                Application.updated_at < now - older_than,
            )
        )
        if count:
            yield Due(
                Kind.REVIEW_BACKLOG,
                identity_id,
                f"backlog:{identity_id}:{today}",
                {"count": int(count), "days": older_than.days},
            )


def payments_due(session: Session, today: date, within_days: int = 2) -> Iterator[Due]:
    """County administrators of rosters sent to finance whose payment falls due soon."""
    batches = session.scalars(
        sa.select(RosterBatch).where(
            RosterBatch.status == RosterStatus.SENT, RosterBatch.due_date.is_not(None)
        )
    ).all()
    for batch in batches:
        assert batch.due_date is not None
        if not 0 <= (batch.due_date - today).days <= within_days:
            continue
        for identity_id in _staff_identities(session, StaffRole.COUNTY_ADMIN, batch.county_code):
            yield Due(
                Kind.PAYMENT_DUE,
                identity_id,
                f"payment:{batch.id}:{identity_id}",
                {
                    "batch": batch.id,
                    "program": batch.program.value,
                    "year": batch.year,
                    "date": batch.due_date.isoformat(),
                },
            )


def surveys(session: Session, now: datetime) -> Iterator[Due]:
    """Beneficiaries paid recently who have not rated the service for that payment."""
    rated = sa.select(Satisfaction.id).where(Satisfaction.application_id == Application.id)
    rows = session.execute(
        sa.select(ChatIdentity.id, Application.id)
        .join(Application, Application.person_id == ChatIdentity.person_id)
        .where(
            _reachable(),
            Application.status == ApplicationStatus.PAID,
            Application.paid_at >= now - SURVEY_WITHIN,
            ~rated.exists(),
        )
        .order_by(Application.id)
    ).all()
    for identity_id, application_id in rows:
        yield Due(
            Kind.SATISFACTION,
            identity_id,
            f"survey:{application_id}:{identity_id}",
            {},
            application_id=application_id,
        )


def _staff_identities(session: Session, role: StaffRole, region: str) -> Sequence[int]:
    return session.scalars(
        sa.select(ChatIdentity.id)
        .join(Staff, Staff.id == ChatIdentity.staff_id)
        .where(
            _reachable(), Staff.active.is_(True), Staff.role == role, Staff.region_code == region
        )
    ).all()


def claim_due(session: Session, now: datetime, limit: int = 200) -> list[int]:
    """Claim pending reminders that are due (or whose claim was abandoned); their ids."""
    due = (
        sa.select(Reminder.id)
        .where(
            Reminder.status == ReminderStatus.PENDING,
            Reminder.due_at <= now,
            sa.or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < now - CLAIM_TIMEOUT),
        )
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            sa.update(Reminder)
            .where(Reminder.id.in_(ids))
            .values(claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
