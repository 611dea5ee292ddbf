"""The console's pages of the rest of the chain: the notices and the objections of a staff
member's region, each with what this staff member may do about it.

Who sees them is the chat's ``review.authorize`` for viewing (anything in the staff member's
scope); who may post a draft or resolve an objection is decided by the chat's own functions
(``notices.post_notice``, ``objections.may_resolve``): these lists only ask them in advance, to
show a button or not. The actions themselves go through those same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import NoticeLevel, NoticeStatus, ObjectionStatus
from db.models import Application, Notice, NoticeItem, Objection, Person, Staff
from db.pii import mask_id, redact
from db.queries.notices import first_day, last_day
from db.queries.objections import may_resolve
from db.queries.regions import region_words
from db.queries.review import (
    NOTICE_LEVEL,
    REGION_LENGTH,
    Action,
    ReviewError,
    authorize,
)

SHOWN = (NoticeStatus.DRAFT, NoticeStatus.POSTED, NoticeStatus.CLOSED)
ORDER = {NoticeStatus.DRAFT: 0, NoticeStatus.POSTED: 1, NoticeStatus.CLOSED: 2}


@dataclass(frozen=True)
class NoticeLine:
    """A notice of the region: a draft (no number yet, not public) or a posted or closed one."""

    id: int
    number: str | None  # None for a draft
    level: NoticeLevel
    region: str  # in words
    region_code: str
    status: NoticeStatus
    claims: int
    open_objections: int
    first_day: date | None
    last_day: date | None
    may_post: bool


def _in_scope(member: Staff) -> sa.ColumnElement[bool]:
    return Notice.region_code.startswith(member.region_code, autoescape=True)


def may_post(member: Staff, notice: Notice) -> bool:
    """Whether the chat's ``post_notice`` would let this staff member post this draft."""
    try:
        authorize(member, Action.POST_NOTICE, notice.region_code)
    except ReviewError:
        return False
    level = NOTICE_LEVEL.get(member.role)
    return level == notice.level and len(notice.region_code) == REGION_LENGTH[level]


def region_notices(session: Session, staff: Staff | None, *, limit: int = 100) -> list[NoticeLine]:
    """The drafts, the posted and the latest closed notices of the staff member's scope: drafts
    first, then the posted ones, newest first. NotAllowed when the staff member may not view."""
    member = authorize(staff, Action.VIEW, staff.region_code if staff else None)
    claims = (
        sa.select(sa.func.count(NoticeItem.id))
        .where(NoticeItem.notice_id == Notice.id)
        .scalar_subquery()
    )
    objections = (
        sa.select(sa.func.count(Objection.id))
        .where(Objection.notice_id == Notice.id, Objection.status == ObjectionStatus.OPEN)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Notice, claims, objections)
        .where(_in_scope(member), Notice.status.in_(SHOWN))
        .order_by(Notice.starts_at.desc(), Notice.id.desc())
        .limit(limit)
    ).all()
    lines = []
    for notice, count, open_count in rows:
        draft = notice.status == NoticeStatus.DRAFT
        if draft and not count:
            continue  # an emptied draft (its claims withdrawn): nothing to post
        lines.append(
            NoticeLine(
                id=notice.id,
                number=None if draft else notice.number,
                level=NoticeLevel(notice.level),
                region=region_words(session, notice.region_code),
                region_code=notice.region_code,
                status=notice.status,
                claims=int(count or 0),
                open_objections=int(open_count or 0),
                first_day=None if draft else first_day(notice),
                last_day=None if draft else last_day(notice),
                may_post=draft and may_post(member, notice),
            )
        )
    lines.sort(key=lambda line: ORDER[line.status])
    return lines


@dataclass(frozen=True)
class ObjectionLine:
    """An objection to a notice of the region; the text redacted as the chat shows it."""

    id: int
    notice_number: str
    notice_region: str  # in words
    who: str | None  # the person objected to, masked; None for the whole notice
    text: str
    status: ObjectionStatus
    raised_at: datetime
    resolution: str | None
    resolved_at: datetime | None
    may_resolve: bool


def region_objections(
    session: Session, staff: Staff | None, *, limit: int = 200
) -> list[ObjectionLine]:
    """The objections to the notices of the staff member's scope: the open ones first (oldest
    first, as the chat lists them), then the resolved ones, newest first."""
    member = authorize(staff, Action.VIEW, staff.region_code if staff else None)
    base = (
        sa.select(Objection, Notice, Person)
        .join(Notice, Notice.id == Objection.notice_id)
        .outerjoin(Application, Application.id == Objection.application_id)
        .outerjoin(Person, Person.id == Application.person_id)
        .where(_in_scope(member))
    )
    open_rows = session.execute(
        base.where(Objection.status == ObjectionStatus.OPEN).order_by(Objection.id).limit(limit)
    ).all()
    closed_rows = session.execute(
        base.where(Objection.status != ObjectionStatus.OPEN)
        .order_by(Objection.id.desc())
        .limit(limit)
    ).all()
    lines = []
    for objection, notice, person in [*open_rows, *closed_rows]:
        is_open = objection.status == ObjectionStatus.OPEN
        lines.append(
            ObjectionLine(
                id=objection.id,
                notice_number=notice.number,
                notice_region=region_words(session, notice.region_code),
                who=f"{person.name} {mask_id(person.id_number)}" if person is not None else None,
                text=redact(objection.text),
                status=objection.status,
                raised_at=objection.created_at,
                resolution=redact(objection.resolution) if objection.resolution else None,
                resolved_at=objection.resolved_at,
                may_resolve=is_open and _may_resolve(member, notice),
            )
        )
    return lines


def _may_resolve(member: Staff, notice: Notice) -> bool:
    try:
        may_resolve(member, notice)
    except ReviewError:
        return False
    return True
