"""Staff roles on chat identities: taking one, its lapse on a web chat, login codes, revocation.

Which channels a role lapses on: those whose chat identity is a bearer token the client holds
(`LAPSING_CHANNELS`: the web chat, whose identity is a session string). Whoever has the string
has the role, so it lapses after ``idle`` without use and ``max_age`` after it was taken, and a
fresh one-time code (`wugong staff login-code`, or a new invite) signs the person in again. A
Telegram (and later WeChat) identity is the person's own account on their own phone, so its role
lasts until revoked. Revocation (`revoke`) applies to every channel at once: the staff member is
made inactive and every chat identity holding the role is detached, so each role check, which
reads ``chat_identity.staff_id`` and ``staff.active``, refuses from the next message on.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import Channel, StaffRole
from db.errors import DbError
from db.models import ChatIdentity, Staff, StaffInvite
from db.queries.audit import Actor, record_audit

LAPSING_CHANNELS = frozenset({str(Channel.WEB), str(Channel.CONSOLE)})
# Use is recorded at most this often, so a busy reviewer's turns do not all write the staff row.
TOUCH_EVERY = timedelta(minutes=1)
DIVISION_LENGTHS = (2, 4, 6, 9, 12)


@dataclass(frozen=True)
class StaffLimits:
    """How long a role lasts on a lapsing channel: without use, and at most."""

    idle: timedelta
    max_age: timedelta


class UnknownStaff(DbError):
    """No staff member has this id (``revoked`` False), or it is revoked (True)."""

    def __init__(self, staff_id: int, *, revoked: bool = False, name: str = "") -> None:
        super().__init__(f"staff {staff_id}: {'revoked' if revoked else 'unknown'}")
        self.staff_id = staff_id
        self.revoked = revoked
        self.name = name


def is_division_code(code: str) -> bool:
    return code.isdigit() and len(code) in DIVISION_LENGTHS


def lapse_reason(identity: ChatIdentity, now: datetime, limits: StaffLimits) -> str | None:
    """Why the role this identity holds has lapsed ("idle", "max_age"), or None.

    A role attached without its times (taken before they were recorded, or written directly)
    has not lapsed: `touch` starts its clock now.
    """
    if identity.staff_id is None or identity.channel not in LAPSING_CHANNELS:
        return None
    since = identity.staff_since or now
    if now - since >= limits.max_age:
        return "max_age"
    seen = identity.staff_seen_at or since
    return "idle" if now - seen >= limits.idle else None


def end_role(session: Session, identity: ChatIdentity, reason: str) -> None:
    """Detach the identity from its staff role, audited; the staff member keeps the role."""
    staff_id = identity.staff_id
    _detach(identity)
    record_audit(
        session,
        Actor.of_chat_identity(identity),
        "staff_session_ended",
        data={"staff": staff_id, "channel": identity.channel, "reason": reason},
    )


def touch(identity: ChatIdentity, staff: Staff, now: datetime) -> None:
    """Record that the identity acts as staff now (the identity row is written each turn
    anyway; the staff row at most once a minute)."""
    if identity.staff_since is None:
        identity.staff_since = now
    if identity.staff_seen_at is None or now - identity.staff_seen_at >= TOUCH_EVERY:
        identity.staff_seen_at = now
    if staff.last_used_at is None or now - staff.last_used_at >= TOUCH_EVERY:
        staff.last_used_at = now


def attach(identity: ChatIdentity, staff: Staff, now: datetime) -> None:
    """Give the identity the staff member's role from now on."""
    identity.staff_id = staff.id
    identity.staff_since = now
    identity.staff_seen_at = now
    staff.last_used_at = now


def _detach(identity: ChatIdentity) -> None:
    identity.staff_id = None
    identity.staff_since = None
    identity.staff_seen_at = None


class CodeRefused(DbError):
    """A staff code that cannot be redeemed: ``reason`` "invalid" (unknown, used, or for a
    revoked member) or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"staff code {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Redeemed:
    """What a code did: made a new staff member (`joined`, an invite) or signed in an existing
    one (a login code)."""

    staff: Staff
    joined: bool


def redeem_code(
    session: Session, identity: ChatIdentity, code: str, now: datetime, name: str
) -> Redeemed:
    """Give `identity` the role of a valid, unused, unexpired invite (a new staff member called
    `name` until they say otherwise), or, for a login code, sign it in as that staff member.
    The code is used up either way; audited. Raises CodeRefused."""
    invite = session.scalars(
        sa.select(StaffInvite)
        .where(StaffInvite.code_hash == StaffInvite.hash_code(code))
        .with_for_update()
    ).one_or_none()
    if invite is None or invite.used_at is not None:
        raise CodeRefused("invalid")
    if invite.expires_at <= now:
        raise CodeRefused("expired")
    if invite.staff_id is not None:
        staff = session.get(Staff, invite.staff_id)
        if staff is None or not staff.active:
            raise CodeRefused("invalid")
        invite.used_at = now
        invite.used_by_staff_id = staff.id
        attach(identity, staff, now)
        record_audit(
            session,
            Actor.of_staff(staff),
            "staff_signed_in",
            data={"channel": identity.channel, "code": invite.id},
        )
        return Redeemed(staff, joined=False)
    staff = Staff(name=name[:64], role=invite.role, region_code=invite.region_code)
    session.add(staff)
    session.flush()
    invite.used_at = now
    invite.used_by_staff_id = staff.id
    attach(identity, staff, now)
    record_audit(
        session,
        Actor.of_staff(staff),
        "staff_joined",
        data={"role": staff.role.value, "region": staff.region_code, "invite": invite.id},
    )
    return Redeemed(staff, joined=True)


def issue_login_code(session: Session, staff_id: int, hours: int, now: datetime) -> str:
    """A one-time code that signs a chat in as this active staff member; only its hash is kept.

    Raises UnknownStaff for an unknown or revoked id."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise UnknownStaff(staff_id, revoked=staff is not None, name=staff.name if staff else "")
    code = secrets.token_urlsafe(12)
    expires_at = now + timedelta(hours=hours)
    session.add(
        StaffInvite(
            code_hash=StaffInvite.hash_code(code),
            role=staff.role,
            region_code=staff.region_code,
            expires_at=expires_at,
            staff_id=staff.id,
        )
    )
    record_audit(
        session,
        Actor.system("cli"),
        "staff_login_code",
        data={"staff": staff.id, "expires_at": expires_at.isoformat()},
    )
    return code


@dataclass
class StaffRow:
    """One staff member as `wugong staff list` shows it; ``channels`` counts signed-in chats."""

    staff: Staff
    channels: Counter[str] = field(default_factory=Counter)


def list_staff(session: Session, region: str | None = None) -> list[StaffRow]:
    """Every staff member (of ``region`` and below), by region and id, with its chats."""
    statement = sa.select(Staff).order_by(Staff.region_code, Staff.id)
    if region:
        statement = statement.where(Staff.region_code.startswith(region))
    rows = {staff.id: StaffRow(staff) for staff in session.scalars(statement)}
    signed_in = session.execute(
        sa.select(ChatIdentity.staff_id, ChatIdentity.channel, sa.func.count())
        .where(ChatIdentity.staff_id.in_(list(rows)))
        .group_by(ChatIdentity.staff_id, ChatIdentity.channel)
    )
    for staff_id, channel, count in signed_in:
        rows[staff_id].channels[channel] = count
    return list(rows.values())


@dataclass(frozen=True)
class Revoked:
    """What revoking one staff member ended: chats signed out per channel, codes made void."""

    staff: Staff
    channels: Counter[str]
    codes: int
    already: bool


def revoke(session: Session, staff_id: int, now: datetime) -> Revoked:
    """End the role at once on every channel: the staff member inactive, each chat identity
    detached, unused login codes void, audited. Raises UnknownStaff for an unknown id."""
    staff = session.get(Staff, staff_id, with_for_update=True)
    if staff is None:
        raise UnknownStaff(staff_id)
    return _revoke(session, staff, now)


def revoke_region(session: Session, region: str, now: datetime) -> tuple[list[Revoked], int]:
    """Revoke every active staff member of ``region`` and below, and void the unused invites
    for that region: (what was revoked, how many invites were voided)."""
    members = session.scalars(
        sa.select(Staff)
        .where(Staff.active.is_(True), Staff.region_code.startswith(region))
        .order_by(Staff.region_code, Staff.id)
        .with_for_update()
    ).all()
    revoked = [_revoke(session, staff, now) for staff in members]
    invites = _void(
        session,
        now,
        StaffInvite.staff_id.is_(None),
        StaffInvite.region_code.startswith(region),
    )
    if invites:
        record_audit(
            session,
            Actor.system("cli"),
            "staff_invites_voided",
            data={"region": region, "count": invites},
        )
    return revoked, invites


def _revoke(session: Session, staff: Staff, now: datetime) -> Revoked:
    already = not staff.active
    identities = session.scalars(
        sa.select(ChatIdentity).where(ChatIdentity.staff_id == staff.id).with_for_update()
    ).all()
    channels = Counter(identity.channel for identity in identities)
    for identity in identities:
        _detach(identity)
    codes = _void(session, now, StaffInvite.staff_id == staff.id)
    staff.active = False
    staff.revoked_at = staff.revoked_at or now
    record_audit(
        session,
        Actor.system("cli"),
        "staff_revoked",
        data={
            "staff": staff.id,
            "role": staff.role.value,
            "region": staff.region_code,
            "channels": dict(channels),
            "codes_voided": codes,
        },
    )
    session.flush()
    return Revoked(staff, channels, codes, already)


def _void(session: Session, now: datetime, *where: sa.ColumnElement[bool]) -> int:
    """Make the unused, unexpired invites or login codes matching ``where`` expire now."""
    pending = session.scalars(
        sa.select(StaffInvite).where(
            StaffInvite.used_at.is_(None), StaffInvite.expires_at > now, *where
        )
    ).all()
    for invite in pending:
        invite.expires_at = now
    return len(pending)


# -- the staff console's sessions ---------------------------------------------------------
# A console session is a chat identity of channel "console" whose external_id is the SHA-256
# of the browser's token: the role it holds lapses, is touched and is revoked exactly like a
# web chat's (LAPSING_CHANNELS), so the console needs no session rules of its own.


def open_console(session: Session, token_hash: str, now: datetime) -> ChatIdentity:
    """A new console session's identity (no role yet: `redeem_code` gives it one)."""
    identity = ChatIdentity(
        channel=str(Channel.CONSOLE),
        external_id=token_hash,
        state={},
        created_at=now,
        updated_at=now,
    )
    session.add(identity)
    session.flush()
    return identity


def console_identity(session: Session, token_hash: str) -> ChatIdentity | None:
    return session.scalar(
        sa.select(ChatIdentity).where(
            ChatIdentity.channel == str(Channel.CONSOLE), ChatIdentity.external_id == token_hash
        )
    )


@dataclass(frozen=True)
class ConsoleStaff:
    """Who a live console session acts as."""

    identity_id: int
    staff: Staff
    language: str | None


def console_staff(
    session: Session, token_hash: str, now: datetime, limits: StaffLimits
) -> ConsoleStaff | str | None:
    """The staff member a console session acts as (its use recorded); the lapse reason
    ("idle", "max_age", audited, the role ended) when it has lapsed; None when the session
    holds no role (never signed in, signed out, revoked)."""
    identity = console_identity(session, token_hash)
    if identity is None or identity.staff_id is None:
        return None
    staff = session.get(Staff, identity.staff_id)
    if staff is None or not staff.active:
        return None
    reason = lapse_reason(identity, now, limits)
    if reason is not None:
        end_role(session, identity, reason)
        return reason
    touch(identity, staff, now)
    return ConsoleStaff(identity.id, staff, identity.language)


def sign_out(session: Session, token_hash: str) -> None:
    """End the role a console session holds (audited); nothing when it holds none."""
    identity = console_identity(session, token_hash)
    if identity is not None and identity.staff_id is not None:
        end_role(session, identity, "signed_out")


def invite_needs_name(session: Session, code: str) -> bool:
    """Whether `code` is a valid invite that makes a new staff member (who must be named),
    rather than a login code of an existing one. Refused codes are `redeem_code`'s to tell."""
    invite = session.scalar(
        sa.select(StaffInvite).where(StaffInvite.code_hash == StaffInvite.hash_code(code))
    )
    return invite is not None and invite.used_at is None and invite.staff_id is None


def village_cadres(session: Session, village_code: str) -> list[Staff]:
    """The active cadres whose region holds the village (its county, township or the village
    itself), nearest first; none for a person without a village."""
    prefixes = [village_code[:n] for n in (6, 9, 12) if n <= len(village_code)]
    if not prefixes:
        return []
    return list(
        session.scalars(
            sa.select(Staff)
            .where(
                Staff.active.is_(True),
                Staff.role == StaffRole.CADRE,
                Staff.region_code.in_(prefixes),
            )
            .order_by(sa.func.length(Staff.region_code).desc(), Staff.id)
        )
    )
