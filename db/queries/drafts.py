"""Drafts that hold nothing: claims made in a chat not verified as their person.

They are listed to the person (once verified) and to the village cadre, and become counting
claims (`promote`) when their author is verified as the person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import ApplicationStatus
from db.models import Application, Attachment, ChatIdentity, Person
from db.queries.audit import Actor, change_status, record_audit

_S = ApplicationStatus


def _drafts() -> sa.Select[tuple[Application]]:
    return sa.select(Application).where(
        Application.identity_verified.is_(False), Application.status == _S.DRAFT
    )


def drafts_in_name(session: Session, person_id: int) -> Sequence[Application]:
    """The person's drafts made in any chat, oldest first."""
    return session.scalars(
        _drafts().where(Application.person_id == person_id).order_by(Application.id)
    ).all()


def drafts_of_author(
    session: Session, identity: ChatIdentity, person_id: int
) -> Sequence[Application]:
    """The drafts `identity` made for the person."""
    return session.scalars(
        _drafts()
        .where(
            Application.person_id == person_id,
            Application.submitted_by_chat_identity_id == identity.id,
        )
        .order_by(Application.id)
    ).all()


def drafts_in_region(session: Session, region_prefix: str) -> Sequence[Application]:
    """The drafts of persons registered in the region (a village cadre's own)."""
    return session.scalars(
        _drafts()
        .join(Person, Person.id == Application.person_id)
        .where(Person.region_code.startswith(region_prefix, autoescape=True))
        .order_by(Application.id)
        .limit(50)
    ).all()


def verify_identity(identity: ChatIdentity, person: Person, *, via: str, now: datetime) -> None:
    """`identity` is verified as `person` (via sms | contact | cadre)."""
    identity.phone_verified = True
    identity.person_id = person.id
    identity.verified_via = via
    identity.verified_at = now


@dataclass(frozen=True)
class Promoted:
    """The counting claim a draft became, or None when the person already has one."""

    draft: Application
    claim: Application | None


def promote(
    session: Session,
    draft: Application,
    actor: Actor,
    *,
    facts: dict[str, Any],
    decision: dict[str, Any],
    amount: int,
    now: datetime,
) -> Promoted:
    """Make the draft a submitted, counting claim with the registry's facts and decision.

    A withdrawn claim of the same person, program and year is taken up with the draft's
    answers (the database keeps one counting row); a live one wins, and the draft stays.
    """
    counting = session.scalars(
        sa.select(Application)
        .where(
            Application.person_id == draft.person_id,
            Application.program == draft.program,
            Application.year == draft.year,
            Application.identity_verified.is_(True),
        )
        .with_for_update()
    ).one_or_none()
    if counting is not None and counting.status != _S.WITHDRAWN:
        return Promoted(draft, None)
    claim = draft if counting is None else _take_up(session, counting, draft, actor)
    claim.identity_verified = True
    claim.facts = facts
    claim.decision = decision
    claim.amount_fen = amount * 100
    claim.submitted_at = now
    session.flush()
    change_status(session, claim, _S.SUBMITTED, actor, reason="identity verified")
    return Promoted(draft, claim)


_COPIED = (
    "region_code",
    "submitted_by_chat_identity_id",
    "submitted_by_staff_id",
    "capacity",
    "consent_kind",
    "consent_ref",
    "bank_name",
    "bank_account_snapshot",
)


def _take_up(
    session: Session, counting: Application, draft: Application, actor: Actor
) -> Application:
    for name in _COPIED:
        setattr(counting, name, getattr(draft, name))
    session.execute(
        sa.update(Attachment)
        .where(Attachment.application_id == draft.id)
        .values(application_id=counting.id)
    )
    change_status(session, draft, _S.WITHDRAWN, actor, reason="taken up by its counting claim")
    record_audit(session, actor, "draft_taken_up", application=counting, data={"draft": draft.id})
    return counting
