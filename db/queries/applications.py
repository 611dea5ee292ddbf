"""Applications: submitting (one per person, program and year), listing and withdrawing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import (
    MOVABLE_STATUSES,
    WITHDRAWABLE_STATUSES,
    ApplicationStatus,
    AttachmentKind,
    Capacity,
    Program,
)
from db.models import Application, Attachment, ChatIdentity, Person
from db.queries.audit import Actor, change_status, record_audit, record_audits
from db.types import utcnow
from policy.divisions import successor


def application_number(application: Application) -> str:
    """The number people quote: WG2025-000123."""
    return f"WG{application.year}-{application.id:06d}"


def parse_application_number(text: str) -> int | None:
    """The id inside a quoted number (WG2025-000123, wg2025-123, 123), or None."""
    digits = text.strip().upper().removeprefix("WG").split("-")[-1]
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None


@dataclass(frozen=True)
class NewFile:
    """A proof file the user sent: the channel's file id, and the project's encrypted copy
    (``storage_path``, with the SHA-256 of its bytes) when the channel kept one."""

    kind: AttachmentKind
    file_id: str
    content_type: str | None = None
    size: int | None = None
    name: str | None = None
    storage_path: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Submitted:
    """The outcome for one program: the new application, or the one that already exists."""

    program: Program
    application: Application
    existing: bool


def submit(
    session: Session,
    *,
    person: Person,
    program: Program,
    year: int,
    facts: dict[str, Any],
    decision: dict[str, Any],
    amount: int,
    actor: Actor,
    submitted_by: ChatIdentity,
    capacity: Capacity = Capacity.SELF,
    staff_id: int | None = None,
    consent_kind: str | None = None,
    consent_ref: str | None = None,
    bank_account: str | None = None,
    bank_name: str | None = None,
    files: Iterable[NewFile] = (),
    status: ApplicationStatus = ApplicationStatus.SUBMITTED,
    identity_verified: bool = True,
) -> Submitted:
    """Write the application with its audit event; an existing live claim is returned as is.

    A withdrawn claim is taken up again in its own row: the database allows one counting claim
    per person, program and year. The row lock makes two submissions at once wait for each
    other. A claim from a chat not verified as the person (`identity_verified` false) is a
    draft that holds nothing: it is written beside any claim, taking up only the same author's
    earlier draft.
    """
    if not identity_verified:
        status = ApplicationStatus.DRAFT
    application = session.scalars(
        _same_claim(person, program, year, None if identity_verified else submitted_by)
    ).one_or_none()
    live = application is not None and application.status != ApplicationStatus.WITHDRAWN
    if live and identity_verified:
        assert application is not None
        return Submitted(program, application, existing=True)
    if application is None:
        application = Application(
            person_id=person.id, program=program, year=year, identity_verified=identity_verified
        )
        session.add(application)
    # A person the registry places nowhere finer is reviewed in the county of their ID number
    # (the county admin's queue then shows the claim, to be given its village).
    application.region_code = person.region_code or successor(person.id_number[:6])
    application.facts = facts
    application.decision = decision
    application.amount_fen = amount * 100
    application.submitted_by_chat_identity_id = submitted_by.id
    application.submitted_by_staff_id = staff_id
    application.capacity = capacity
    application.consent_kind = consent_kind
    application.consent_ref = consent_ref
    application.bank_account_snapshot = bank_account
    application.bank_name = bank_name
    application.submitted_at = utcnow()
    session.flush()
    change_status(
        session,
        application,
        status,
        actor,
        reason="submitted" if capacity == Capacity.SELF else f"submitted by {capacity.value}",
        data={"capacity": capacity.value, "consent": consent_kind},
    )
    for file in files:
        session.add(
            Attachment(
                application_id=application.id,
                kind=file.kind,
                file_id=file.file_id,
                file_name=file.name,
                storage_path=file.storage_path,
                content_type=file.content_type,
                size=file.size,
                # The bytes' hash when the project keeps them; else (the bytes only with the
                # channel) the channel's reference's, so the same upload is recognised.
                sha256=(
                    file.sha256
                    if file.storage_path and file.sha256
                    else hashlib.sha256(file.file_id.encode()).hexdigest()
                ),
                uploaded_by_chat_identity_id=submitted_by.id,
            )
        )
    return Submitted(program, application, existing=False)


def _same_claim(
    person: Person, program: Program, year: int, drafted_by: ChatIdentity | None
) -> sa.Select[tuple[Application]]:
    """The counting claim (drafted_by None), or that author's latest draft, locked."""
    query = sa.select(Application).where(
        Application.person_id == person.id,
        Application.program == program,
        Application.year == year,
        Application.identity_verified.is_(drafted_by is None),
    )
    if drafted_by is not None:
        query = query.where(
            Application.submitted_by_chat_identity_id == drafted_by.id,
            Application.status == ApplicationStatus.DRAFT,
        )
    return query.order_by(Application.id.desc()).limit(1).with_for_update()


def applications_of(session: Session, identity: ChatIdentity) -> Sequence[Application]:
    """The applications a chat user may follow: their own, and those they submitted."""
    conditions = [Application.submitted_by_chat_identity_id == identity.id]
    if identity.person_id is not None:
        conditions.append(Application.person_id == identity.person_id)
    return session.scalars(
        sa.select(Application).where(sa.or_(*conditions)).order_by(Application.id.desc())
    ).all()


def withdraw(
    session: Session, application: Application, actor: Actor, *, reason: str | None = None
) -> bool:
    """Withdraw a claim not yet approved; False when it is too late."""
    if application.status not in WITHDRAWABLE_STATUSES:
        return False
    change_status(session, application, ApplicationStatus.WITHDRAWN, actor, reason=reason)
    return True


def record_consent(
    session: Session, application: Application, actor: Actor, *, given: bool
) -> None:
    """The beneficiary's answer to a delegated application waiting for their consent."""
    application.consent_kind = "chat_confirmed" if given else "chat_refused"
    if given:
        application.submitted_at = utcnow()
        change_status(
            session, application, ApplicationStatus.SUBMITTED, actor, reason="consent given"
        )
    else:
        change_status(
            session, application, ApplicationStatus.WITHDRAWN, actor, reason="consent refused"
        )
    record_audit(session, actor, "consent", application=application, data={"given": given})


def follow_their_people(session: Session, actor: Actor, **data: Any) -> int:
    """Claims not yet on a notice go where their person now is (an import found their village,
    or moved them): the number of claims moved, each with an audit event naming both codes.

    A claim takes its person's region at submission; reviewers see it by that code, so a
    person placed more precisely later would otherwise leave the claim with the county.
    """
    moved = session.execute(
        sa.select(Application.id, Application.region_code, Person.region_code)
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.status.in_(MOVABLE_STATUSES),
            Person.region_code.is_not(None),
            sa.or_(
                Application.region_code.is_(None), Application.region_code != Person.region_code
            ),
        )
        .order_by(Application.id)
    ).all()
    if not moved:
        return 0
    now = utcnow()
    session.execute(
        sa.update(Application),
        [{"id": id_, "region_code": new, "updated_at": now} for id_, _, new in moved],
    )
    record_audits(
        session,
        actor,
        "region_moved",
        [(id_, {"from": old, "to": new, **data}) for id_, old, new in moved],
    )
    return len(moved)
