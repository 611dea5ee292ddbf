"""Public notices (公示): posting a village's or township's approvals, the list, and closing.

A notice runs for the county's notice days (the policy parameter ``process.notice_days``, looked
up by the caller) as whole calendar days after the day it is posted, the day of posting not
counted (as 民法典 第二百零一条 counts a period of days): posted on 1 December with 5 days, its
period is 2 to 6 December and it is up until the end of 6 December. Its number reads
GS-<region>-<year>-<sequence>, e.g. GS-140581100200-2025-001.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from db.enums import ApplicationStatus, NoticeLevel, NoticeStatus, Program, Sex
from db.models import Application, Notice, NoticeItem, Person, Staff
from db.pii import mask_id
from db.queries.audit import Actor, change_status
from db.queries.employers import employers_of
from db.queries.persons import sex_and_birth
from db.queries.review import (
    AFTER_NOTICE,
    NOTICE_LEVEL,
    NOTICE_STATUS,
    REGION_LENGTH,
    REVIEW_STATUS,
    Action,
    NotAllowed,
    NothingToPost,
    authorize,
    draft_notice,
)
from policy import Month, PolicyError, age_on

LOCAL = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"GS-(\d{9}|\d{12})-(\d{4})-(\d{3,})", re.IGNORECASE)
PUBLIC = (NoticeStatus.POSTED, NoticeStatus.CLOSED)


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def period_end(starts_at: datetime, days: int) -> datetime:
    """The end of the notice: midnight after the last of ``days`` full days after posting."""
    last_day = local_date(starts_at) + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=LOCAL)


def first_day(notice: Notice) -> date:
    """The first of the notice's full days, as printed: the day after it was posted."""
    return local_date(notice.starts_at) + timedelta(days=1)


def last_day(notice: Notice) -> date:
    """The last calendar day of the notice, as printed."""
    return local_date(notice.ends_at) - timedelta(days=1)


def _next_number(session: Session, region_code: str, year: int) -> str:
    prefix = f"GS-{region_code}-{year}-"
    taken = session.scalars(
        sa.select(Notice.number).where(Notice.number.startswith(prefix, autoescape=True))
    ).all()
    sequence = max((int(number.rsplit("-", 1)[1]) for number in taken), default=0) + 1
    return f"{prefix}{sequence:03d}"


@dataclass(frozen=True)
class Posted:
    notice: Notice
    applications: Sequence[Application]


def post_notice(
    session: Session, staff: Staff | None, region_code: str, *, now: datetime, days: int
) -> Posted:
    """Post the draft notice of ``region_code`` (a village for a cadre, a township for township
    staff): numbered, dated, and every application on it moved to the notice status."""
    member = authorize(staff, Action.POST_NOTICE, region_code)
    level = NOTICE_LEVEL[member.role]
    if len(region_code) != REGION_LENGTH[level]:
        raise NotAllowed("wrong_level", f"{level.value} notice for {region_code}")
    notice = draft_notice(session, level, region_code)
    if notice is None:
        raise NothingToPost("nothing_to_post", region_code)
    waiting = REVIEW_STATUS[member.role]
    applications = []
    for item in list(notice.items):
        application = session.get(Application, item.application_id, with_for_update=True)
        if application is None or application.status != waiting:
            session.delete(item)  # withdrawn or sent back since the approval
            continue
        applications.append(application)
    if not applications:
        raise NothingToPost("nothing_to_post", region_code)
    notice.number = _next_number(session, region_code, local_date(now).year)
    notice.starts_at = now
    notice.ends_at = period_end(now, days)
    notice.status = NoticeStatus.POSTED
    notice.created_by_staff_id = member.id
    session.flush()
    actor = Actor.of_staff(member)
    for application in applications:
        change_status(
            session,
            application,
            NOTICE_STATUS[level],
            actor,
            reason=f"on notice {notice.number}",
            data={"notice": notice.number, "ends_at": notice.ends_at.isoformat()},
        )
    return Posted(notice, applications)


def find_notice(session: Session, number: str) -> Notice | None:
    """A posted or closed notice by its number as people type it; drafts are not public."""
    match = NUMBER.fullmatch(number.strip())
    if match is None:
        return None
    canonical = f"GS-{match[1]}-{match[2]}-{match[3]}"
    return session.scalars(
        sa.select(Notice).where(Notice.number == canonical, Notice.status.in_(PUBLIC))
    ).one_or_none()


def numbers_in(text: str) -> list[str]:
    """The notice numbers quoted in a text, upper-cased."""
    return [match.group(0).upper() for match in NUMBER.finditer(text)]


def current_applications(
    session: Session, notice: Notice, statuses: Sequence[ApplicationStatus]
) -> Sequence[Application]:
    """The notice's applications in one of ``statuses`` whose latest notice of this level it
    is: a claim returned, corrected and listed again is governed by the newer notice."""
    later = aliased(NoticeItem)
    later_notice = aliased(Notice)
    newer = (
        sa.select(later.id)
        .join(later_notice, later_notice.id == later.notice_id)
        .where(
            later.application_id == Application.id,
            later.notice_id > notice.id,
            later_notice.level == notice.level,
            later_notice.status != NoticeStatus.CANCELLED,
        )
        .exists()
    )
    return session.scalars(
        sa.select(Application)
        .join(NoticeItem, NoticeItem.application_id == Application.id)
        .where(NoticeItem.notice_id == notice.id, Application.status.in_(statuses), ~newer)
        .order_by(Application.id)
    ).all()


@dataclass(frozen=True)
class NoticeRow:
    """One line of a printed notice; the ID number is already masked. The age is the person's
    on the first day of the work, as on the roster."""

    name: str
    sex: Sex | None
    age: int | None
    masked_id: str
    employer: str | None
    work_place: str  # the division code the applicant gave
    work_from: str
    work_to: str | None
    program: Program
    amount_fen: int


def _age(born: date | None, work_from: str, year: int) -> int | None:
    if born is None:
        return None
    try:
        start = Month.parse(work_from).first_day()
    except PolicyError:
        start = date(year, 1, 1)
    return age_on(born, start)


def notice_rows(session: Session, notice: Notice) -> list[NoticeRow]:
    """The lines of a notice as posted, in the order the applications were approved."""
    query = (
        sa.select(Application, Person)
        .join(NoticeItem, NoticeItem.application_id == Application.id)
        .join(Person, Person.id == Application.person_id)
        .where(NoticeItem.notice_id == notice.id)
        .order_by(NoticeItem.id)
    )
    listed = session.execute(query).tuples().all()
    employers = employers_of(session, [application for application, _ in listed])
    rows = []
    for application, person in listed:
        facts = application.facts or {}
        sex, born = sex_and_birth(person)
        work_from = str(facts.get("work_from") or "")
        rows.append(
            NoticeRow(
                name=person.name,
                sex=sex,
                age=_age(born, work_from, application.year),
                masked_id=mask_id(person.id_number),
                employer=employers.get(application.id),
                work_place=str(facts.get("work_place") or ""),
                work_from=work_from,
                work_to=facts.get("work_to"),
                program=application.program,
                amount_fen=application.amount_fen or 0,
            )
        )
    return rows


def due_notice_ids(session: Session, now: datetime, limit: int = 200) -> Sequence[int]:
    """Posted notices whose period is over."""
    return session.scalars(
        sa.select(Notice.id)
        .where(Notice.status == NoticeStatus.POSTED, Notice.ends_at <= now)
        .order_by(Notice.ends_at, Notice.id)
        .limit(limit)
    ).all()


def close_notice(session: Session, notice_id: int, now: datetime) -> Sequence[Application] | None:
    """Claim and close one due notice and move its applications on; None if not claimed.

    The claim is an atomic UPDATE … WHERE status = 'posted', so two sweeps cannot both close
    it. Applications held by an objection are on hold, not in the notice status, and stay.
    """
    claim = session.execute(
        sa.update(Notice)
        .where(
            Notice.id == notice_id,
            Notice.status == NoticeStatus.POSTED,
            Notice.ends_at <= now,
        )
        .values(status=NoticeStatus.CLOSED, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not cast("sa.CursorResult[Any]", claim).rowcount:
        return None
    notice = session.get(Notice, notice_id, populate_existing=True)
    assert notice is not None
    level = NoticeLevel(notice.level)
    moved = []
    actor = Actor.system("notice_sweep")
    for application in current_applications(session, notice, [NOTICE_STATUS[level]]):
        session.refresh(application, with_for_update=True)
        if application.status != NOTICE_STATUS[level]:
            continue
        change_status(
            session,
            application,
            AFTER_NOTICE[level],
            actor,
            reason=f"notice {notice.number} ended without objection",
            data={"notice": notice.number},
        )
        moved.append(application)
    return moved
