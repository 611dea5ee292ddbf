"""Putting a claim right: the applicant's corrected facts, the county giving it its village.

A returned claim goes back to the cross-check and review with the applicant's new facts
(``resubmit``); a claim whose region is coarser than a village is given one by the county
admin, with its person, household and every open claim of theirs (``assign_region``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import MOVABLE_STATUSES, ApplicationStatus
from db.models import Application, ChatIdentity, Household, Person, Region, Staff
from db.queries.audit import Actor, change_status, record_audit
from db.queries.review.errors import NotAllowed, NotAtThisStep
from db.queries.review.rules import Action, authorize
from db.queries.review.steps import lock
from db.types import utcnow


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
    lock(session, application)
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
    lock(session, application)
    if application.status not in MOVABLE_STATUSES:
        raise NotAtThisStep("not_at_this_step", application.status.value)
    person = session.get(Person, application.person_id)
    assert person is not None
    moved = list(
        session.scalars(
            sa.select(Application)
            .where(Application.person_id == person.id, Application.status.in_(MOVABLE_STATUSES))
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
