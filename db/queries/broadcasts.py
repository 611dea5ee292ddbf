"""Broadcasts: who an audience is, the delivery rows, claiming one row to send, progress.

Every recipient is a Delivery row written when the broadcast is confirmed, so the rows, not the
queue, are the record: a sender claims a pending row before it sends and records the outcome
after (docs/stack-notes.md §3). On PostgreSQL the row is locked (FOR UPDATE SKIP LOCKED) while
the sender waits for its turn under the rate limit, and marked claimed only just before the
send: a sender killed while waiting leaves its row pending for the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.engine import lock_for_writing
from db.enums import (
    ApplicationStatus,
    BroadcastStatus,
    Channel,
    DeliveryStatus,
    Program,
    StaffRole,
)
from db.models import Application, Broadcast, ChatIdentity, Delivery, Person, Staff
from db.queries.audit import Actor, record_audit
from db.types import utcnow

WHO = ("everyone", "beneficiaries", "staff", *(role.value for role in StaffRole))
MAX_TEXT = 4096  # Telegram's limit for a message
MAX_CAPTION = 1024  # … and for the caption of a photo or document
# A claimed row without an outcome after this long belonged to a sender that died mid-send.
CLAIM_TIMEOUT = timedelta(seconds=60)


class AudienceError(ValueError):
    """Raised for an audience that names an unknown role, program, status or region."""


@dataclass(frozen=True)
class Audience:
    """Who gets a broadcast. `scope` is the region its author may address (None: anyone, for
    the command line); `region` narrows it further; program, status and year select people
    with such an application."""

    who: str = "everyone"
    scope: str | None = None
    region: str | None = None
    program: str | None = None
    status: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        if self.who not in WHO:
            raise AudienceError(f"unknown audience {self.who!r}; one of {', '.join(WHO)}")
        if self.program is not None and self.program not in {p.value for p in Program}:
            raise AudienceError(f"unknown program {self.program!r}")
        if self.status is not None and self.status not in {s.value for s in ApplicationStatus}:
            raise AudienceError(f"unknown application status {self.status!r}")
        for code in (self.scope, self.region):
            if code is not None and (not code.isdigit() or len(code) not in (2, 4, 6, 9, 12)):
                raise AudienceError(f"{code!r} is not a division code")
        if self.scope and self.region and not self.region.startswith(self.scope):
            raise AudienceError(f"region {self.region} is outside {self.scope}")

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def parse(cls, words: list[str], *, scope: str | None = None) -> Audience:
        """From command-line words: everyone, beneficiaries, staff, a role, region:CODE,
        program:ID, status:STATUS, year:YYYY (combined: all must hold)."""
        values: dict[str, Any] = {"scope": scope}
        for word in words:
            key, _, value = word.partition(":")
            if not value:
                values["who"] = key
            elif key in ("region", "program", "status"):
                values[key] = value
            elif key == "year" and value.isdigit():
                values["year"] = int(value)
            else:
                raise AudienceError(f"cannot read audience {word!r}")
        return cls(**values)


def recipients_query(audience: Audience) -> sa.Select[tuple[int]]:
    """The chat identities of the audience that have not blocked the bot, each once."""
    query = (
        sa.select(ChatIdentity.id)
        .outerjoin(Person, Person.id == ChatIdentity.person_id)
        .outerjoin(Staff, sa.and_(Staff.id == ChatIdentity.staff_id, Staff.active.is_(True)))
        .where(ChatIdentity.blocked_at.is_(None), ChatIdentity.messageable())
    )
    if audience.who == "beneficiaries":
        query = query.where(ChatIdentity.person_id.is_not(None))
    elif audience.who == "staff":
        query = query.where(Staff.id.is_not(None))
    elif audience.who != "everyone":
        query = query.where(Staff.role == StaffRole(audience.who))
    for prefix in (audience.scope, audience.region):
        if prefix:
            query = query.where(
                sa.or_(Person.region_code.startswith(prefix), Staff.region_code.startswith(prefix))
            )
    if audience.program or audience.status or audience.year:
        applied = sa.select(Application.id).where(
            Application.person_id == ChatIdentity.person_id,
            Application.identity_verified.is_(True),  # another's draft is not the person's claim
        )
        if audience.program:
            applied = applied.where(Application.program == Program(audience.program))
        if audience.status:
            applied = applied.where(Application.status == ApplicationStatus(audience.status))
        if audience.year:
            applied = applied.where(Application.year == audience.year)
        query = query.where(applied.exists())
    return query


def count_recipients(session: Session, audience: Audience) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(recipients_query(audience).subquery())
        )
        or 0
    )


def create_broadcast(
    session: Session,
    audience: Audience,
    text: str,
    *,
    attachment_kind: str | None = None,
    attachment: str | None = None,
    staff_id: int | None = None,
    chat_identity_id: int | None = None,
    started: bool = True,
) -> Broadcast:
    """Write the broadcast and one pending delivery per recipient, ready to send.

    `started=False` says no sender was enqueued: the scheduler's sweep starts them."""
    limit = MAX_CAPTION if attachment else MAX_TEXT
    if not text.strip() or len(text) > limit:
        raise AudienceError(f"the text must have 1 to {limit} characters")
    broadcast = Broadcast(
        text=text,
        audience=audience.as_json(),
        attachment_kind=attachment_kind if attachment else None,
        attachment=attachment,
        created_by_staff_id=staff_id,
        created_by_chat_identity_id=chat_identity_id,
        status=BroadcastStatus.SENDING,
        heartbeat_at=utcnow() if started else None,
    )
    session.add(broadcast)
    session.flush()
    recipients = recipients_query(audience).subquery()
    session.execute(
        sa.insert(Delivery).from_select(
            ["broadcast_id", "chat_identity_id", "status", "attempts"],
            sa.select(
                sa.literal(broadcast.id),
                recipients.c.id,
                sa.literal(DeliveryStatus.PENDING.value),
                sa.literal(0),
            ),
        )
    )
    broadcast.total = int(
        session.scalar(sa.select(sa.func.count()).where(Delivery.broadcast_id == broadcast.id)) or 0
    )
    return broadcast


def attachment_channel(session: Session, broadcast: Broadcast) -> str:
    """The channel whose file id `broadcast.attachment` is: that of the chat it was composed
    in, or Telegram for a broadcast from the command line (`--photo` takes a Telegram file id
    or a URL)."""
    if broadcast.created_by_chat_identity_id is not None:
        channel = session.scalar(
            sa.select(ChatIdentity.channel).where(
                ChatIdentity.id == broadcast.created_by_chat_identity_id
            )
        )
        if channel is not None:
            return str(channel)
    return Channel.TELEGRAM.value


@dataclass(frozen=True)
class Claim:
    """A delivery claimed for sending, with what the sender needs."""

    delivery_id: int
    chat_identity_id: int
    channel: str
    external_id: str
    language: str
    attempts: int  # tries of this row, this one included


def claim_next(
    session: Session, broadcast_id: int, wait_turn: Callable[[str | None], bool]
) -> Claim | None:
    """Claim the next pending delivery of the broadcast, after `wait_turn(chat)` said go.

    Returns None when no pending row is left, or when `wait_turn` gave up (the row stays
    pending). Call inside a transaction; the claim holds once it commits. SQLite cannot lock
    one row, and a writer waiting there would stop every other writer, so there the turn is
    taken first, for any chat (the embedded mode's one process dies whole or not at all).
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if not postgres:
        if not wait_turn(None):
            return None
        # A writer from the first statement: the claim below must not find its snapshot stale.
        lock_for_writing(session)
    row = session.execute(
        sa.select(
            Delivery.id,
            Delivery.chat_identity_id,
            Delivery.attempts,
            ChatIdentity.channel,
            ChatIdentity.external_id,
            ChatIdentity.language,
        )
        .join(ChatIdentity, ChatIdentity.id == Delivery.chat_identity_id)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == DeliveryStatus.PENDING)
        .order_by(Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Delivery)
    ).first()
    if row is None:
        return None
    if postgres and not wait_turn(row.external_id):
        return None  # the lock goes with the rollback; the row stays pending
    claimed = session.execute(
        sa.update(Delivery)
        .where(Delivery.id == row.id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CLAIMED, claimed_at=utcnow(), attempts=Delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return None
    return Claim(
        row.id,
        row.chat_identity_id,
        str(row.channel),
        row.external_id,
        row.language,
        row.attempts + 1,
    )


def record_outcome(
    session: Session,
    delivery_id: int,
    status: DeliveryStatus,
    error: str | None = None,
    *,
    refund_try: bool = False,
) -> None:
    """The outcome of a claimed delivery; `pending` hands it back (nothing was sent), with
    its try given back when `refund_try` (the claim counted one)."""
    values: dict[str, Any] = {"status": status, "error": error[:500] if error else None}
    if status == DeliveryStatus.SENT:
        values["sent_at"] = utcnow()
    if status == DeliveryStatus.PENDING:
        values["claimed_at"] = None
        if refund_try:
            values["attempts"] = Delivery.attempts - 1
    session.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.CLAIMED)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def has_pending(session: Session, broadcast_id: int) -> bool:
    """Whether a delivery of the broadcast still waits to be claimed."""
    pending = sa.select(Delivery.id).where(
        Delivery.broadcast_id == broadcast_id, Delivery.status == DeliveryStatus.PENDING
    )
    return bool(session.scalar(sa.select(pending.exists())))


def progress(session: Session, broadcast_id: int) -> dict[str, int]:
    """Deliveries per status, every status present (0 when none)."""
    counts = {status.value: 0 for status in DeliveryStatus}
    for status, count in session.execute(
        sa.select(Delivery.status, sa.func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    ):
        counts[DeliveryStatus(status).value] = count
    return counts


def _totals(counts: dict[str, int]) -> dict[str, int]:
    """The broadcast's final counts from its deliveries' statuses."""
    return {
        "sent": counts[DeliveryStatus.SENT],
        "failed": counts[DeliveryStatus.FAILED],
        "blocked": counts[DeliveryStatus.BLOCKED],
        "ambiguous": counts[DeliveryStatus.AMBIGUOUS],
    }


def expire_stale_claims(session: Session, broadcast_id: int, now: datetime) -> int:
    """Claimed rows of senders that died mid-send: their outcome is unknown (ambiguous)."""
    result = session.execute(
        sa.update(Delivery)
        .where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.status == DeliveryStatus.CLAIMED,
            Delivery.claimed_at < now - CLAIM_TIMEOUT,
        )
        .values(status=DeliveryStatus.AMBIGUOUS, error="the sender stopped mid-send")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def finish_if_done(session: Session, broadcast_id: int, now: datetime) -> Broadcast | None:
    """Mark the broadcast finished once no delivery is pending or in flight; the broadcast
    when this call finished it (exactly one caller gets it), else None."""
    counts = progress(session, broadcast_id)
    if counts[DeliveryStatus.PENDING] or counts[DeliveryStatus.CLAIMED]:
        return None
    finished = session.execute(
        sa.update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SENDING)
        .values(status=BroadcastStatus.FINISHED, finished_at=now, **_totals(counts))
        .execution_options(synchronize_session=False)
    )
    if not finished.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(Broadcast, broadcast_id, populate_existing=True)


def cancel(session: Session, broadcast_id: int, now: datetime) -> bool:
    """Stop a broadcast that is still sending; its pending rows are left unsent."""
    counts = progress(session, broadcast_id)
    result = session.execute(
        sa.update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status.in_([BroadcastStatus.QUEUED, BroadcastStatus.SENDING]),
        )
        .values(status=BroadcastStatus.CANCELLED, finished_at=now, **_totals(counts))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# -- what a staff member does (the chat's /broadcast and the console) ----------------------------


def in_region(broadcast: Broadcast | None, staff: Staff) -> bool:
    """Whether ``broadcast`` was addressed within ``staff``'s region (theirs to follow)."""
    scope = (broadcast.audience or {}).get("scope") if broadcast is not None else None
    return bool(scope) and str(scope).startswith(staff.region_code)


def broadcast_by(
    session: Session,
    staff: Staff,
    audience: Audience,
    text: str,
    *,
    chat_identity_id: int | None,
    attachment_kind: str | None = None,
    attachment: str | None = None,
    note: dict[str, Any] | None = None,
) -> Broadcast:
    """``staff`` sends a broadcast: its rows and the audit event ``broadcast_sent`` (with
    ``note`` added to its data). The caller enqueues the senders after the commit."""
    broadcast = create_broadcast(
        session,
        audience,
        text,
        attachment_kind=attachment_kind,
        attachment=attachment,
        staff_id=staff.id,
        chat_identity_id=chat_identity_id,
    )
    record_audit(
        session,
        Actor.of_staff(staff),
        "broadcast_sent",
        data={
            "broadcast": broadcast.id,
            "audience": audience.as_json(),
            "total": broadcast.total,
            **(note or {}),
        },
    )
    return broadcast


def cancel_by(session: Session, staff: Staff, broadcast_id: int, now: datetime) -> bool:
    """``staff`` cancels a broadcast still sending (audited); False when it no longer was."""
    if not cancel(session, broadcast_id, now):
        return False
    record_audit(
        session, Actor.of_staff(staff), "broadcast_cancelled", data={"broadcast": broadcast_id}
    )
    return True
