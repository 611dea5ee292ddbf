"""A reviewer's steps on one claim: approve, confirm at the county, return or reject.

A cadre's or township's approval puts the claim on their draft notice (``draft_notice``), posted
later as a 公示 (``db.queries.notices``); the county's confirmation approves it for the roster
within the budget. Approving over a blocking finding needs a reason, kept in the audit.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.enums import ApplicationStatus, NoticeLevel, NoticeStatus, Severity, StaffRole
from db.models import Application, Notice, NoticeItem, Staff
from db.queries.audit import Actor, change_status, record_audit
from db.queries.budgets import check_budget, county_of
from db.queries.review.errors import NotAtThisStep, NoteRequired, ReasonRequired
from db.queries.review.rules import NOTICE_LEVEL, Action, at_level, authorize, notice_region
from db.types import utcnow


def lock(session: Session, application: Application) -> Application:
    """The application, locked for the transaction and read again."""
    # Two reviewers tapping at once: the second waits here and then sees the new status.
    session.refresh(application, with_for_update=True)
    return application


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
    lock(session, application)
    status = at_level(member, application)
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
    lock(session, application)
    at_level(member, application)
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
    lock(session, application)
    at_level(member, application, fallback=True)
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
