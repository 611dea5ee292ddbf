"""Who may do what, where: the roles' actions and scopes, and the level a claim waits at.

A staff member's scope is their region code and everything below it; each role acts at one
level of the chain (``authorize``). A claim waiting at a level below the county where nobody can
act on it (no reviewer there, or a region code coarser than the level: ``unstaffed``) is the
county admin's to return or reject (``at_level`` with ``fallback``).
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from db.enums import ApplicationStatus, NoticeLevel, StaffRole
from db.models import Application, ChatIdentity, Staff
from db.queries.review.errors import NotAllowed, NotAtThisStep


class Action(StrEnum):
    VIEW = "view"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    POST_NOTICE = "post_notice"
    RESOLVE_OBJECTION = "resolve_objection"
    CONFIRM = "confirm"
    ASSIGN_REGION = "assign_region"
    ROSTER_NOTE = "roster_note"


SCOPE_LENGTH = {
    StaffRole.CADRE: 12,
    StaffRole.TOWNSHIP: 9,
    StaffRole.COUNTY_ADMIN: 6,
    StaffRole.CITY_ADMIN: 4,
}
REVIEW_ACTIONS = frozenset(
    {Action.VIEW, Action.APPROVE, Action.RETURN, Action.REJECT, Action.ROSTER_NOTE}
)
ALLOWED = {
    StaffRole.CADRE: REVIEW_ACTIONS | {Action.POST_NOTICE, Action.RESOLVE_OBJECTION},
    StaffRole.TOWNSHIP: REVIEW_ACTIONS | {Action.POST_NOTICE, Action.RESOLVE_OBJECTION},
    # The county also answers what its lower levels cannot: objections to notices whose
    # poster is gone (db.queries.objections.may_resolve), claims nobody below can review.
    StaffRole.COUNTY_ADMIN: REVIEW_ACTIONS
    | {Action.CONFIRM, Action.ASSIGN_REGION, Action.RESOLVE_OBJECTION},
    StaffRole.CITY_ADMIN: frozenset({Action.VIEW}),  # oversight: sees its city, changes nothing
}
REVIEW_STATUS = {
    StaffRole.CADRE: ApplicationStatus.VILLAGE_REVIEW,
    StaffRole.TOWNSHIP: ApplicationStatus.TOWNSHIP_REVIEW,
    StaffRole.COUNTY_ADMIN: ApplicationStatus.COUNTY_REVIEW,
}
NOTICE_LEVEL = {StaffRole.CADRE: NoticeLevel.VILLAGE, StaffRole.TOWNSHIP: NoticeLevel.TOWNSHIP}
REGION_LENGTH = {NoticeLevel.VILLAGE: 12, NoticeLevel.TOWNSHIP: 9}
NOTICE_STATUS = {
    NoticeLevel.VILLAGE: ApplicationStatus.VILLAGE_NOTICE,
    NoticeLevel.TOWNSHIP: ApplicationStatus.TOWNSHIP_NOTICE,
}
AFTER_NOTICE = {
    NoticeLevel.VILLAGE: ApplicationStatus.TOWNSHIP_REVIEW,
    NoticeLevel.TOWNSHIP: ApplicationStatus.COUNTY_REVIEW,
}
# The review statuses that wait for a level below the county: the role that reviews there and
# the length of the region code that role's scope has.
WAITS_FOR = {
    ApplicationStatus.VILLAGE_REVIEW: (StaffRole.CADRE, 12),
    ApplicationStatus.TOWNSHIP_REVIEW: (StaffRole.TOWNSHIP, 9),
}


class Unstaffed(StrEnum):
    """Why nobody below the county can act on a claim waiting at their level."""

    NO_VILLAGE = "no_village"  # its region code is coarser than a village (or a township)
    NO_REVIEWER = "no_reviewer"  # no active staff member of that level covers its region


def unstaffed_condition() -> sa.ColumnElement[bool]:
    """SQL: the application waits at a level below the county where nobody can act on it."""
    cases = []
    for status, (role, length) in WAITS_FOR.items():
        staffed = (
            sa.select(Staff.id)
            .where(
                Staff.active.is_(True),
                Staff.role == role,
                Staff.region_code == sa.func.substr(Application.region_code, 1, length),
            )
            .exists()
        )
        cases.append(
            sa.and_(
                Application.status == status,
                sa.or_(sa.func.length(Application.region_code) < length, ~staffed),
            )
        )
    return sa.or_(*cases)


def unstaffed(session: Session, application: Application) -> Unstaffed | None:
    """Why the claim's level has nobody to act on it, or None when someone can (or when it
    does not wait at a level below the county)."""
    waiting = WAITS_FOR.get(application.status)
    if waiting is None:
        return None
    role, length = waiting
    code = application.region_code or ""
    if len(code) < length:
        return Unstaffed.NO_VILLAGE
    staffed = session.scalar(
        sa.select(Staff.id)
        .where(Staff.active.is_(True), Staff.role == role, Staff.region_code == code[:length])
        .limit(1)
    )
    return None if staffed is not None else Unstaffed.NO_REVIEWER


def authorize(staff: Staff | None, action: Action, region_code: str | None) -> Staff:
    """The staff member, if their role may take ``action`` on something in ``region_code``."""
    if staff is None:
        raise NotAllowed("not_staff")
    if not staff.active:
        raise NotAllowed("inactive", f"staff {staff.id}")
    scope = staff.region_code
    if not scope.isdigit() or len(scope) != SCOPE_LENGTH[staff.role]:
        raise NotAllowed("scope_mismatch", f"{staff.role.value} with region {scope}")
    if action not in ALLOWED[staff.role]:
        raise NotAllowed("wrong_role", f"{staff.role.value} may not {action.value}")
    if region_code is None or not region_code.startswith(scope):
        raise NotAllowed("outside_region", f"{region_code} is outside {scope}")
    return staff


def staff_of(session: Session, identity: ChatIdentity) -> Staff | None:
    """The staff member a chat identity acts as, or None for everyone else."""
    return session.get(Staff, identity.staff_id) if identity.staff_id is not None else None


def notice_region(level: NoticeLevel, application: Application) -> str:
    """The village or township whose notice lists this application."""
    return (application.region_code or "")[: REGION_LENGTH[level]]


def view(session: Session, staff: Staff | None, application_id: int) -> Application:
    """An application the staff member may see (anything in their scope)."""
    application = session.get(Application, application_id)
    authorize(staff, Action.VIEW, application.region_code if application else None)
    assert application is not None
    return application


def at_level(
    staff: Staff, application: Application, *, fallback: bool = False
) -> ApplicationStatus:
    """The status at which the staff member acts on the claim now.

    With ``fallback``, a county admin also acts (returns or rejects) on a claim waiting at a
    lower level where nobody can: the county is where such claims are seen.
    """
    status = REVIEW_STATUS.get(staff.role)
    if status is not None and application.status == status:
        return status
    if (
        fallback
        and staff.role == StaffRole.COUNTY_ADMIN
        and unstaffed(_session_of(application), application) is not None
    ):
        return application.status
    raise NotAtThisStep("not_at_this_step", f"{application.status.value}")


def _session_of(application: Application) -> Session:
    session = object_session(application)
    assert session is not None, "the application must belong to a session"
    return session


def precheck(staff: Staff | None, action: Action, application: Application) -> Staff:
    """Whether ``action`` would be allowed now (before asking the reviewer for a reason)."""
    member = authorize(staff, action, application.region_code)
    at_level(member, application, fallback=action in (Action.RETURN, Action.REJECT))
    return member
