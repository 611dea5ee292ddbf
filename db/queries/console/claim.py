"""The console's claim page: one claim as the chat's review card shows it, and more — the facts
as declared, the policy's decision, the cross-check's findings with the registry's values, the
files, the audit trail oldest first with who acted, and what this staff member may do now.

Who may see it is the chat's ``review.view`` (NotAllowed outside the staff member's region);
what they may do is the chat's ``precheck`` for each of the review card's buttons. The page
puts it in words with the chat's helpers (``common.texts.decision_text`` for ``decision``,
``common.findings.finding_lines`` for ``findings``, ``common.attachment_links`` for the files).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import (
    ActorKind,
    ApplicationStatus,
    AttachmentKind,
    Capacity,
    Program,
    Severity,
    StaffRole,
)
from db.models import Application, AuditEvent, ChatIdentity, Person, Staff
from db.pii import mask_account, mask_id, redact
from db.queries.applications import application_number
from db.queries.console.queue import SEVERITY_ORDER, _on_draft_notices, may_approve, version
from db.queries.regions import region_words
from db.queries.review import (
    Action,
    NotAllowed,
    ReviewError,
    Unstaffed,
    authorize,
    blocking_findings,
    precheck,
    unstaffed,
    view,
)
from db.queries.roster_notes import FIXED as ROSTER_FIXED
from policy import Decision


@dataclass(frozen=True)
class FindingView:
    """A cross-check finding with the registry values it compared (``finding_lines`` reads it)."""

    code: str
    severity: Severity
    registry_values: dict[str, Any]


@dataclass(frozen=True)
class AttachmentView:
    """A file of the claim. ``stored``: the project keeps its bytes, so the page can link it
    (``common.attachment_links.attachment_url``); otherwise only the channel has it."""

    id: int
    kind: AttachmentKind
    file_name: str | None
    size: int | None
    content_type: str | None
    stored: bool
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One event of the claim's history; ``actor_name`` is the staff member's name, or the name
    of the person a chat identity is verified as (None for the system and unverified chats)."""

    id: int
    at: datetime
    action: str
    actor_kind: ActorKind
    actor_id: int | None
    actor_name: str | None
    role: str | None
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus | None
    reason: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Actions:
    """What the review card would offer this staff member now.

    ``approve`` is the county's confirmation for a county admin (``approve_is_confirm``);
    ``needs_reason`` when blocking findings (``blocking``) stand. ``return_`` and ``reject``
    need words for the applicant. ``assign_region``: a claim nobody below the county can act on
    (``unstaffed`` says why) waits for the county to give it a village. ``roster_note``: the
    备注 the finance bureau reads, until the roster is sent.
    """

    approve: bool
    approve_is_confirm: bool
    needs_reason: bool
    blocking: tuple[str, ...]
    return_: bool
    reject: bool
    assign_region: bool
    roster_note: bool
    unstaffed: Unstaffed | None

    @property
    def any(self) -> bool:
        return self.approve or self.return_ or self.reject or self.assign_region


@dataclass(frozen=True)
class ClaimView:
    """The claim page. ``facts`` as declared (the policy's input), ``decision`` the policy's
    output at the last assessment; ``id_number`` and ``bank_account`` masked as the chat
    masks them; ``review_note`` the words last sent to the applicant (numbers masked)."""

    id: int
    number: str
    program: Program
    year: int
    status: ApplicationStatus
    region_code: str | None
    region: str
    name: str
    id_number: str
    capacity: Capacity
    facts: dict[str, Any]
    decision: Decision
    amount_fen: int | None
    submitted_at: datetime | None
    bank_name: str | None
    bank_account: str | None
    review_note: str | None
    roster_note: str | None
    on_draft_notice: bool
    findings: tuple[FindingView, ...]
    attachments: tuple[AttachmentView, ...]
    audit: tuple[AuditEntry, ...]
    actions: Actions
    version: str  # what the decision form sends back (`batch.version`)


def claim_page(session: Session, staff: Staff | None, application_id: int) -> ClaimView:
    """The claim page for the staff member; NotAllowed (as in the chat) outside their region,
    for a claim that does not exist, and for a draft (which is not a claim yet)."""
    application = view(session, staff, application_id)
    assert staff is not None
    if not application.identity_verified:
        raise _draft(application)
    person = application.person
    drafted = bool(_on_draft_notices(session, [application.id]))
    findings = sorted(application.findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
    return ClaimView(
        id=application.id,
        number=application_number(application),
        program=application.program,
        year=application.year,
        status=application.status,
        region_code=application.region_code,
        region=region_words(session, application.region_code or ""),
        name=person.name,
        id_number=mask_id(person.id_number),
        capacity=application.capacity,
        facts=dict(application.facts or {}),
        decision=Decision.from_dict(
            application.decision or {},
            program=application.program.value,
            amount=(application.amount_fen or 0) // 100,
        ),
        amount_fen=application.amount_fen,
        submitted_at=application.submitted_at,
        bank_name=application.bank_name,
        bank_account=(
            mask_account(application.bank_account_snapshot)
            if application.bank_account_snapshot
            else None
        ),
        review_note=redact(application.review_note) if application.review_note else None,
        roster_note=application.roster_note,
        on_draft_notice=drafted,
        findings=tuple(FindingView(f.code, f.severity, dict(f.registry_values)) for f in findings),
        attachments=tuple(
            AttachmentView(
                a.id,
                a.kind,
                a.file_name,
                a.size,
                a.content_type,
                bool(a.storage_path),
                a.created_at,
            )
            for a in sorted(application.attachments, key=lambda a: a.id)
        ),
        audit=audit_trail(session, application.id),
        actions=actions(session, staff, application, on_draft_notice=drafted),
        version=version(application),
    )


def _draft(application: Application) -> ReviewError:
    return NotAllowed("draft", f"application {application.id} is a draft")


def _allowed(staff: Staff, action: Action, application: Application) -> bool:
    try:
        precheck(staff, action, application)
    except ReviewError:
        return False
    return True


def _authorized(staff: Staff, action: Action, application: Application) -> bool:
    try:
        authorize(staff, action, application.region_code)
    except ReviewError:
        return False
    return True


def actions(
    session: Session, staff: Staff, application: Application, *, on_draft_notice: bool
) -> Actions:
    """The review card's buttons for this staff member and claim, by the chat's rules."""
    blocking = tuple(blocking_findings(application))
    approve = may_approve(staff, application, on_draft_notice=on_draft_notice)
    why = unstaffed(session, application) if staff.role == StaffRole.COUNTY_ADMIN else None
    return Actions(
        approve=approve,
        approve_is_confirm=staff.role == StaffRole.COUNTY_ADMIN,
        needs_reason=approve and bool(blocking),
        blocking=blocking,
        return_=_allowed(staff, Action.RETURN, application),
        reject=_allowed(staff, Action.REJECT, application),
        assign_region=why is not None and _authorized(staff, Action.ASSIGN_REGION, application),
        roster_note=application.status not in ROSTER_FIXED
        and _authorized(staff, Action.ROSTER_NOTE, application),
        unstaffed=why,
    )


def audit_trail(session: Session, application_id: int) -> tuple[AuditEntry, ...]:
    """The claim's audit events, oldest first, with the actors' names (three statements)."""
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.application_id == application_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    staff_ids = {e.actor_id for e in events if e.actor_kind == ActorKind.STAFF and e.actor_id}
    chat_ids = {e.actor_id for e in events if e.actor_kind == ActorKind.PERSON and e.actor_id}
    names: dict[tuple[ActorKind, int], str] = {}
    if staff_ids:
        rows = session.execute(sa.select(Staff.id, Staff.name).where(Staff.id.in_(staff_ids)))
        names.update(((ActorKind.STAFF, i), name) for i, name in rows)
    if chat_ids:
        rows = session.execute(
            sa.select(ChatIdentity.id, Person.name)
            .join(Person, Person.id == ChatIdentity.person_id)
            .where(ChatIdentity.id.in_(chat_ids))
        )
        names.update(((ActorKind.PERSON, i), name) for i, name in rows)
    return tuple(
        AuditEntry(
            id=e.id,
            at=e.at,
            action=e.action,
            actor_kind=e.actor_kind,
            actor_id=e.actor_id,
            actor_name=names.get((e.actor_kind, e.actor_id)) if e.actor_id else None,
            role=e.role,
            from_status=e.from_status,
            to_status=e.to_status,
            reason=redact(e.reason) if e.reason else None,
            data=_redacted(dict(e.data or {})),
        )
        for e in events
    )


def _redacted(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as shown: the reason of an approval over findings masked as notes are."""
    override = data.get("override")
    if isinstance(override, dict) and isinstance(override.get("reason"), str):
        data["override"] = {**override, "reason": redact(override["reason"])}
    return data
