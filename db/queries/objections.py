"""Objections to a public notice: raising one (holds the claims) and resolving it.

An objection that names people on the notice holds their applications. One that names nobody
is an objection to the notice itself and holds every application on it: the rule is that claims
move on when a notice ends *without objection* (docs/domain.md §2.7), and an objection nobody
can pin on one person leaves none of them without one. The reviewer of the notice's level
resolves it (the county admin when that level has nobody left).

Because an objection holds claims, only a chat verified as a person may raise one, once per
notice and on a few notices a day (`may_object`); the reviewers are told of a notice's first
objection at once and of later ones in one digest (`tell_now`, `take_untold`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from db.enums import ApplicationStatus, NoticeLevel, NoticeStatus, ObjectionStatus, StaffRole
from db.models import Application, ChatIdentity, Notice, Objection, Staff
from db.queries.audit import Actor, change_status, record_audit
from db.queries.notices import current_applications
from db.queries.review import (
    AFTER_NOTICE,
    NOTICE_LEVEL,
    NOTICE_STATUS,
    Action,
    NotAllowed,
    NotAtThisStep,
    NoteRequired,
    authorize,
)


class Outcome(StrEnum):
    DISMISS = "dismiss"  # the claims go back to where they were
    RETURN = "return"  # upheld: the applicant corrects the claim
    REJECT = "reject"  # upheld: the claim is refused


class ObjectionRefused(NotAllowed):
    """Raised when this chat may not object (codes: objection_unverified — not verified as a
    person; objection_repeated — it objected to this notice already; objection_daily_cap)."""


DAY = timedelta(days=1)


def may_object(
    session: Session, identity: ChatIdentity, notice: Notice | None, *, now: datetime, per_day: int
) -> None:
    """Refuse an objection from a chat not verified as a person, a second one to ``notice``
    from the same chat, or one more than ``per_day`` notices objected to in the last 24 hours."""
    if not (identity.phone_verified and identity.person_id is not None):
        raise ObjectionRefused("objection_unverified")
    mine = sa.select(Objection.notice_id).where(Objection.from_chat_identity_id == identity.id)
    if notice is not None and session.scalar(mine.where(Objection.notice_id == notice.id)):
        raise ObjectionRefused("objection_repeated", notice.number)
    recent = session.scalar(
        sa.select(sa.func.count(sa.distinct(Objection.notice_id))).where(
            Objection.from_chat_identity_id == identity.id, Objection.created_at > now - DAY
        )
    )
    if (recent or 0) >= per_day:
        raise ObjectionRefused("objection_daily_cap", str(per_day))


@dataclass(frozen=True)
class Objected:
    objections: Sequence[Objection]
    held: Sequence[Application]  # newly on hold (already held ones are not repeated)


def is_open(notice: Notice, now: datetime) -> bool:
    return notice.status == NoticeStatus.POSTED and now < notice.ends_at


def object_to_notice(
    session: Session,
    identity: ChatIdentity,
    notice: Notice,
    text: str,
    *,
    application_ids: Sequence[int] | None,
    now: datetime,
    per_day: int,
) -> Objected:
    """Record an objection by a verified chat while the notice is up, and hold the claims."""
    words = text.strip()
    if not words:
        raise NoteRequired("note_required")
    if not is_open(notice, now):
        raise NotAtThisStep("notice_not_open", notice.number)
    may_object(session, identity, notice, now=now, per_day=per_day)
    level = NoticeLevel(notice.level)
    listed = current_applications(
        session, notice, [NOTICE_STATUS[level], ApplicationStatus.ON_HOLD]
    )
    if application_ids:
        targets = [a for a in listed if a.id in set(application_ids)]
        if not targets:
            raise NotAtThisStep("not_on_notice", notice.number)
        objections = [
            Objection(
                notice_id=notice.id,
                application_id=a.id,
                text=words,
                from_chat_identity_id=identity.id,
            )
            for a in targets
        ]
    else:
        targets = list(listed)
        objections = [Objection(notice_id=notice.id, text=words, from_chat_identity_id=identity.id)]
    session.add_all(objections)
    session.flush()
    actor = Actor.of_chat_identity(identity)
    held = []
    for application in targets:
        session.refresh(application, with_for_update=True)
        if application.status != NOTICE_STATUS[level]:
            continue
        change_status(
            session,
            application,
            ApplicationStatus.ON_HOLD,
            actor,
            reason=f"objection to notice {notice.number}",
            data={"objections": [o.id for o in objections]},
        )
        held.append(application)
    return Objected(objections, held)


# The role that posts (and answers objections to) each level's notices.
POSTED_BY = {level: role for role, level in NOTICE_LEVEL.items()}


def _nobody_posts_for(notice_level: Any, notice_region: Any) -> sa.ColumnElement[bool]:
    """SQL: no active staff member of the notice's level covers its region any more."""
    cases = [
        sa.and_(
            notice_level == level.value,
            ~sa.select(Staff.id)
            .where(Staff.active.is_(True), Staff.role == role, Staff.region_code == notice_region)
            .exists(),
        )
        for level, role in POSTED_BY.items()
    ]
    return sa.or_(*cases)


def may_resolve(staff: Staff | None, notice: Notice) -> Staff:
    """The staff member, if they are the reviewer of the notice's level and region, or the
    county admin of a notice whose level has nobody left to answer it."""
    member = authorize(staff, Action.RESOLVE_OBJECTION, notice.region_code)
    if NOTICE_LEVEL.get(member.role) == notice.level:
        return member
    if member.role == StaffRole.COUNTY_ADMIN:
        session = object_session(notice)
        assert session is not None
        nobody = session.scalar(
            sa.select(sa.literal(True)).where(_nobody_posts_for(notice.level, notice.region_code))
        )
        if nobody:
            return member
    raise NotAllowed("wrong_level", f"{member.role.value} for a {notice.level} notice")


def open_objections(session: Session, staff: Staff | None) -> Sequence[Objection]:
    """The open objections to the notices of the staff member's level and scope (for a
    county admin: to the county's notices whose level has nobody left to answer them)."""
    member = authorize(staff, Action.RESOLVE_OBJECTION, staff.region_code if staff else None)
    if member.role == StaffRole.COUNTY_ADMIN:
        level = _nobody_posts_for(Notice.level, Notice.region_code)
    else:
        level = Notice.level == NOTICE_LEVEL[member.role]
    return session.scalars(
        sa.select(Objection)
        .join(Notice, Notice.id == Objection.notice_id)
        .where(
            Objection.status == ObjectionStatus.OPEN,
            level,
            Notice.region_code.startswith(member.region_code, autoescape=True),
        )
        .order_by(Objection.id)
    ).all()


@dataclass(frozen=True)
class Resolved:
    objection: Objection
    notice: Notice
    changed: Sequence[Application]


def _still_held(session: Session, objection: Objection, application: Application) -> bool:
    """Whether another open objection to the same notice still covers the application."""
    return (
        session.scalar(
            sa.select(Objection.id).where(
                Objection.notice_id == objection.notice_id,
                Objection.id != objection.id,
                Objection.status == ObjectionStatus.OPEN,
                sa.or_(
                    Objection.application_id.is_(None),
                    Objection.application_id == application.id,
                ),
            )
        )
        is not None
    )


def resolve_objection(
    session: Session,
    staff: Staff | None,
    objection: Objection,
    outcome: Outcome,
    note: str | None,
    *,
    now: datetime,
) -> Resolved:
    """Uphold (return or reject the held claims) or dismiss (release them) with the reason.

    A dismissed claim goes back onto its notice while the notice is up, and on to the next
    review once it has ended: the objection was the only thing that held it.
    """
    notice = session.get(Notice, objection.notice_id)
    assert notice is not None
    member = may_resolve(staff, notice)
    words = (note or "").strip()
    if not words:
        raise NoteRequired("note_required")
    session.refresh(objection, with_for_update=True)
    if objection.status != ObjectionStatus.OPEN:
        raise NotAtThisStep("objection_resolved", f"objection {objection.id}")
    objection.status = (
        ObjectionStatus.DISMISSED if outcome == Outcome.DISMISS else ObjectionStatus.UPHELD
    )
    objection.resolution = words
    objection.resolved_by_staff_id = member.id
    objection.resolved_at = now
    level = NoticeLevel(notice.level)
    held = current_applications(session, notice, [ApplicationStatus.ON_HOLD])
    if objection.application_id is not None:
        held = [a for a in held if a.id == objection.application_id]
    actor = Actor.of_staff(member)
    changed = []
    for application in held:
        session.refresh(application, with_for_update=True)
        record_audit(
            session,
            actor,
            "objection_resolved",
            application=application,
            reason=words,
            data={"objection": objection.id, "outcome": outcome.value},
        )
        if application.status != ApplicationStatus.ON_HOLD:
            continue
        if outcome == Outcome.DISMISS:
            if _still_held(session, objection, application):
                continue
            to_status = NOTICE_STATUS[level] if is_open(notice, now) else AFTER_NOTICE[level]
            reason = f"objection to notice {notice.number} dismissed: {words}"
        else:
            application.review_note = words
            to_status = (
                ApplicationStatus.RETURNED
                if outcome == Outcome.RETURN
                else ApplicationStatus.REJECTED
            )
            reason = f"objection to notice {notice.number} upheld: {words}"
        change_status(session, application, to_status, actor, reason=reason)
        changed.append(application)
    return Resolved(objection, notice, changed)


def tell_now(
    session: Session, notice: Notice, objections: Sequence[Objection], *, now: datetime,
    window: timedelta,
) -> bool:  # fmt: skip
    """Whether the reviewers are to be told of ``objections`` at once: yes when they were told
    of no objection to the notice within ``window``; then the objections are marked told.
    Otherwise the digest sweep tells them (`take_untold`). The notice row is locked first, so
    two objections at once do not both count as the first."""
    session.refresh(notice, with_for_update=True)
    told = session.scalar(
        sa.select(sa.func.max(Objection.reviewers_told_at)).where(Objection.notice_id == notice.id)
    )
    if told is not None and told > now - window:
        return False
    for objection in objections:
        objection.reviewers_told_at = now
    session.flush()
    return True


def notices_with_untold(session: Session, *, now: datetime, window: timedelta) -> Sequence[int]:
    """The notices with objections the reviewers were not told of, and were told of nothing
    about within ``window`` (their digest is due)."""
    last_told = (
        sa.select(sa.func.max(Objection.reviewers_told_at))
        .where(Objection.notice_id == Notice.id)
        .scalar_subquery()
    )
    untold = sa.select(Objection.id).where(
        Objection.notice_id == Notice.id, Objection.reviewers_told_at.is_(None)
    )
    return session.scalars(
        sa.select(Notice.id)
        .where(untold.exists(), sa.or_(last_told.is_(None), last_told <= now - window))
        .order_by(Notice.id)
    ).all()


def take_untold(session: Session, notice_id: int, *, now: datetime) -> int:
    """Mark the notice's untold objections told and return how many people raised them (one
    objection naming two claims is two rows, one objection): the count its digest tells. The
    UPDATE claims the rows, so of two sweeps at once only one counts them."""
    objectors = session.scalars(
        sa.update(Objection)
        .where(Objection.notice_id == notice_id, Objection.reviewers_told_at.is_(None))
        .values(reviewers_told_at=now)
        .returning(Objection.from_chat_identity_id)
    ).all()
    return len(set(objectors))


def reviewers(session: Session, notice: Notice) -> Sequence[ChatIdentity]:
    """The chats of the staff who resolve objections to this notice."""
    code = notice.region_code
    prefixes = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    return session.scalars(
        sa.select(ChatIdentity)
        .join(Staff, Staff.id == ChatIdentity.staff_id)
        .where(
            ChatIdentity.messageable(),
            Staff.active.is_(True),
            Staff.role == POSTED_BY[NoticeLevel(notice.level)],
            Staff.region_code.in_(prefixes),
        )
    ).all()
