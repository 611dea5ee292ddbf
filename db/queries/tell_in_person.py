"""The cadre's list of people to tell in person: news no channel could deliver."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import ChatIdentity, Notification, Person, TellInPerson
from db.types import utcnow


def record_undelivered(
    session: Session, notification_id: int, channel: str, reason: str
) -> TellInPerson | None:
    """Put an undelivered notification on the list of its person's village: the row, or None
    when the chat is not a registered person's (staff news, an anonymous chat) or the row
    exists already (a redelivered worker message adds nothing)."""
    row = session.execute(
        sa.select(Notification.text, ChatIdentity.person_id, ChatIdentity.staff_id)
        .join(ChatIdentity, ChatIdentity.id == Notification.chat_identity_id)
        .where(Notification.id == notification_id)
    ).one_or_none()
    if row is None or row.person_id is None or row.staff_id is not None:
        return None
    exists = session.scalar(
        sa.select(TellInPerson.id).where(TellInPerson.notification_id == notification_id)
    )
    if exists is not None:
        return None
    region = session.scalar(sa.select(Person.region_code).where(Person.id == row.person_id))
    entry = TellInPerson(
        person_id=row.person_id,
        notification_id=notification_id,
        region_code=region,
        channel=channel,
        reason=reason[:255],
        text=row.text,
    )
    session.add(entry)
    session.flush()
    return entry


def open_for_region(session: Session, region_code: str, limit: int = 20) -> list[TellInPerson]:
    """The entries not yet done for people of `region_code` and below, oldest first."""
    return list(
        session.scalars(
            sa.select(TellInPerson)
            .where(
                TellInPerson.done_at.is_(None),
                TellInPerson.region_code.like(f"{region_code}%"),
            )
            .order_by(TellInPerson.id)
            .limit(limit)
        )
    )


def mark_done(session: Session, entry_id: int, staff_id: int, region_code: str) -> bool:
    """Mark an entry of the staff member's region told; False when not theirs or done."""
    done = session.execute(
        sa.update(TellInPerson)
        .where(
            TellInPerson.id == entry_id,
            TellInPerson.done_at.is_(None),
            TellInPerson.region_code.like(f"{region_code}%"),
        )
        .values(done_at=utcnow(), done_by_staff_id=staff_id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(done)
