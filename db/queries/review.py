"""The review chain's rules: who may do what, where, and the transitions of one application.

This module is the single place that decides whether a staff member may view, approve, return,
reject, post a notice, resolve an objection or confirm at county level. A staff member's scope
is their region code and everything below it; each role acts at one level of the chain.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from db.enums import ApplicationStatus, NoticeLevel, NoticeStatus, Severity, StaffRole
from db.errors import DbError
from db.models import (
    Application,
    ChatIdentity,
    Household,
    Notice,
    NoticeItem,
    Person,
    Region,
    Staff,
)
from db.queries.applications import MOVABLE
from db.queries.audit import Actor, change_status, record_audit
from db.queries.budgets import check_budget, county_of
from db.types import utcnow


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


class ReviewError(DbError):
    """Base class of the review chain's refusals; ``code`` names the case for the message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class NotAllowed(ReviewError):
    """Raised when the actor's role or region does not allow the action (codes: not_staff,
    inactive, scope_mismatch, wrong_role, wrong_level, outside_region, not_yours)."""


class NotAtThisStep(ReviewError):
    """Raised when the application, notice or objection is no longer where the action needs it
    (someone else acted first, it moved on, or it was already approved at this level)."""


class NoteRequired(ReviewError):
    """Raised when returning, rejecting or resolving without saying why."""


class ReasonRequired(ReviewError):
    """Raised when approving a claim with a blocking (error) finding without saying why it is
    approved anyway; ``codes`` are those findings."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__("reason_required", ", ".join(codes))
        self.codes = codes


class NothingToPost(ReviewError):
    """Raised when a notice is posted but no application was approved for one."""


# A role's region code has the length of its level; any other length is a misconfigured role.
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
# Where a claim may still be given its village: before any notice listed it by its region.
ASSIGNABLE = MOVABLE


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


def _lock(session: Session, application: Application) -> Application:
    # Two reviewers tapping at once: the second waits here and then sees the new status.
    session.refresh(application, with_for_update=True)
    return application


def _at_level(
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
    _at_level(member, application, fallback=action in (Action.RETURN, Action.REJECT))
    return member


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if not text:
        raise NoteRequired("note_required")
    return text


def draft_notice(
    session: Session, level: NoticeLevel, region_code: str, *, create: bool = False
) -> Notice | None:
    """The one draft notice of a village or township (locked), where approvals wait for posting.

    At most one draft exists per level and region: its placeholder number is unique, so two
    reviewers approving at once share it instead of creating two.
    """
    number = f"draft-{level.value}-{region_code}"
    if create:
        now = utcnow()
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(
            insert(Notice)
            .values(
                level=level.value,
                region_code=region_code,
                number=number,
                starts_at=now,
                ends_at=now,
                status=NoticeStatus.DRAFT.value,
            )
            .on_conflict_do_nothing(index_elements=["number"])
        )
    return session.scalars(
        sa.select(Notice).where(Notice.number == number).with_for_update()
    ).one_or_none()


def _drop_from_drafts(session: Session, application: Application) -> None:
    drafts = sa.select(Notice.id).where(Notice.status == NoticeStatus.DRAFT)
    session.execute(
        sa.delete(NoticeItem).where(
            NoticeItem.application_id == application.id, NoticeItem.notice_id.in_(drafts)
        )
    )


def blocking_findings(application: Application) -> list[str]:
    """The codes of the claim's error findings (⛔), which approving must give a reason for."""
    return sorted(f.code for f in application.findings if f.severity == Severity.ERROR)


def _override(application: Application, reason: str | None) -> dict[str, Any]:
    """The audit data of an approval over blocking findings; refused without a reason."""
    blocking = blocking_findings(application)
    if not blocking:
        return {}
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired(blocking)
    return {"override": {"findings": blocking, "reason": text}}


def approve(
    session: Session,
    staff: Staff | None,
    application: Application,
    *,
    reason: str | None = None,
) -> Notice | None:
    """Approve at the staff member's level: a cadre's or township's approval puts the claim on
    their draft notice (None is returned after a county confirmation, which approves it).

    A claim with a blocking finding (an error of the cross-check) is approved only with a
    ``reason``, kept in the audit event.
    """
    member = authorize(staff, Action.APPROVE, application.region_code)
    if member.role == StaffRole.COUNTY_ADMIN:
        confirm(session, member, application, reason=reason)
        return None
    _lock(session, application)
    status = _at_level(member, application)
    _refuse_ineligible(application)
    override = _override(application, reason)
    level = NOTICE_LEVEL[member.role]
    notice = draft_notice(session, level, notice_region(level, application), create=True)
    assert notice is not None
    taken = session.scalar(
        sa.select(NoticeItem.id).where(
            NoticeItem.notice_id == notice.id, NoticeItem.application_id == application.id
        )
    )
    if taken is not None:
        raise NotAtThisStep("already_approved", f"application {application.id}")
    session.add(NoticeItem(notice_id=notice.id, application_id=application.id))
    record_audit(
        session,
        Actor.of_staff(member),
        "approve",
        application=application,
        from_status=status,
        reason=f"approved at {level.value} level; waits for the notice",
        data={"draft_notice": notice.id, **override},
    )
    return notice


def _refuse_ineligible(application: Application) -> None:
    if (application.decision or {}).get("eligible") is False:
        raise NotAtThisStep("not_eligible", f"application {application.id}")


def confirm(
    session: Session, staff: Staff | None, application: Application, *, reason: str | None = None
) -> None:
    """The county's confirmation: approved for the roster, within the county's budget (with a
    ``reason`` when a blocking finding stands)."""
    member = authorize(staff, Action.CONFIRM, application.region_code)
    _lock(session, application)
    _at_level(member, application)
    _refuse_ineligible(application)
    override = _override(application, reason)
    check_budget(
        session,
        county_code=county_of(application.region_code or ""),
        year=application.year,
        program=application.program,
        amount_fen=application.amount_fen or 0,
    )
    change_status(
        session,
        application,
        ApplicationStatus.APPROVED,
        Actor.of_staff(member),
        reason="confirmed by the county",
        data=override,
    )


def _send_back(
    session: Session,
    staff: Staff | None,
    application: Application,
    action: Action,
    to_status: ApplicationStatus,
    note: str | None,
) -> None:
    member = authorize(staff, action, application.region_code)
    text = _note(note)
    _lock(session, application)
    _at_level(member, application, fallback=True)
    _drop_from_drafts(session, application)  # an approval not yet posted can still be undone
    application.review_note = text
    change_status(
        session,
        application,
        to_status,
        Actor.of_staff(member),
        reason=text,
        data={"action": action.value},
    )


def return_for_correction(
    session: Session, staff: Staff | None, application: Application, note: str | None
) -> None:
    """Send the claim back to the applicant with what to fix (shown to them)."""
    _send_back(session, staff, application, Action.RETURN, ApplicationStatus.RETURNED, note)


def reject(
    session: Session, staff: Staff | None, application: Application, note: str | None
) -> None:
    """Refuse the claim with the reason (shown to the applicant)."""
    _send_back(session, staff, application, Action.REJECT, ApplicationStatus.REJECTED, note)


def may_follow(identity: ChatIdentity, application: Application) -> bool:
    """Whether a chat user is the applicant or the one who submitted for them."""
    return (
        identity.person_id is not None and identity.person_id == application.person_id
    ) or application.submitted_by_chat_identity_id == identity.id


def resubmit(
    session: Session,
    identity: ChatIdentity,
    application: Application,
    *,
    facts: dict[str, Any],
    now: datetime | None = None,
) -> None:
    """The applicant's corrected facts: the claim goes back to the cross-check and review."""
    if not may_follow(identity, application):
        raise NotAllowed("not_yours", f"application {application.id}")
    _lock(session, application)
    if application.status != ApplicationStatus.RETURNED:
        raise NotAtThisStep("not_returned", f"{application.status.value}")
    application.facts = facts
    application.submitted_at = now or utcnow()
    change_status(
        session,
        application,
        ApplicationStatus.SUBMITTED,
        Actor.of_chat_identity(identity),
        reason="corrected after being returned",
        data={"returned_for": application.review_note},
    )


def assign_region(
    session: Session, staff: Staff | None, application: Application, region_code: str
) -> list[Application]:
    """The county admin gives a claim's person their village: the person, their household and
    every open claim of theirs move to it (before any notice listed them). Returns the claims
    moved; raises NotAllowed for a village outside the county or not in the register."""
    member = authorize(staff, Action.ASSIGN_REGION, application.region_code)
    code = region_code.strip()
    if len(code) != 12 or not code.startswith(member.region_code):
        raise NotAllowed("outside_region", f"{code} is not a village of {member.region_code}")
    if session.get(Region, code) is None:
        raise NotAllowed("unknown_region", code)
    _lock(session, application)
    if application.status not in ASSIGNABLE:
        raise NotAtThisStep("not_at_this_step", application.status.value)
    person = session.get(Person, application.person_id)
    assert person is not None
    moved = list(
        session.scalars(
            sa.select(Application)
            .where(Application.person_id == person.id, Application.status.in_(ASSIGNABLE))
            .order_by(Application.id)
            .with_for_update()
        )
    )
    for claim in moved:
        before = claim.region_code
        claim.region_code = code
        record_audit(
            session,
            Actor.of_staff(member),
            "assign_region",
            application=claim,
            reason=f"village assigned by the county: {before} -> {code}",
            data={"from": before, "to": code},
        )
    person.region_code = code
    if person.household_id is not None:
        household = session.get(Household, person.household_id)
        if household is not None:
            household.region_code = code
    return moved
