"""One-time download links for the roster (花名册, written by common.roster_xlsx)."""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from common.roster_xlsx import roster_date, write_roster
from common.settings import get_settings
from db.engine import lock_for_writing
from db.enums import ActorKind
from db.models import AuditEvent, RosterBatch, Staff
from db.queries.audit import Actor, record_audit
from db.queries.notices import local_date
from db.queries.roster import find_batch, roster_entries

LINK_TTL = timedelta(hours=1)
ISSUED, USED = "roster_link", "roster_downloaded"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_url() -> str:
    """Where users reach the HTTP server (see Settings.public_url)."""
    return get_settings().public_url()


def issue_link(session: Session, actor: Actor, batch: RosterBatch, *, finance_copy: bool) -> str:
    """A download link valid once within LINK_TTL; only the token's SHA-256 is stored.

    The file is built when the link is opened, from the database, so any bot process behind a
    balancer can serve it and no roster with personal data lies on disk.
    """
    token = secrets.token_urlsafe(24)
    record_audit(
        session,
        actor,
        ISSUED,
        data={
            "token_sha256": _digest(token),
            "batch": batch.id,
            "finance_copy": finance_copy,
            "expires_at": (datetime.now(UTC) + LINK_TTL).isoformat(),
        },
    )
    return f"{public_url()}/exports/{token}.xlsx"


def _event(session: Session, action: str, digest: str, *, lock: bool = False) -> AuditEvent | None:
    statement = sa.select(AuditEvent).where(
        AuditEvent.action == action,
        # `at` is indexed: only links of the last TTL are looked at, not the whole history.
        AuditEvent.at >= datetime.now(UTC) - LINK_TTL - timedelta(minutes=5),
        AuditEvent.data["token_sha256"].as_string() == digest,
    )
    return session.scalars(statement.with_for_update() if lock else statement).first()


def redeem_link(session: Session, token: str) -> tuple[str, bytes] | None:
    """The file name and XLSX bytes of a valid, unused, unexpired link, or None; the use is
    recorded so the link never works twice. A link issued to a staff member whose role has been
    revoked since is dead. Call inside a transaction and commit after."""
    lock_for_writing(session)
    digest = _digest(token)
    issued = _event(session, ISSUED, digest, lock=True)
    if issued is None or _event(session, USED, digest) is not None:
        return None
    if datetime.fromisoformat(issued.data["expires_at"]) < datetime.now(UTC):
        return None
    if issued.actor_kind == ActorKind.STAFF and not _active(session, issued.actor_id):
        return None
    batch = find_batch(session, int(issued.data["batch"]))
    finance_copy = bool(issued.data.get("finance_copy"))
    buffer = io.BytesIO()
    today = local_date(datetime.now(UTC))
    write_roster(
        batch,
        roster_entries(session, batch),
        buffer,
        on=roster_date(batch, today),
        finance_copy=finance_copy,
    )
    actor = Actor(ActorKind(issued.actor_kind), issued.actor_id, issued.role)
    record_audit(session, actor, USED, data={"token_sha256": digest, "batch": batch.id})
    return file_name(batch, finance_copy=finance_copy), buffer.getvalue()


def _active(session: Session, staff_id: int | None) -> bool:
    staff = session.get(Staff, staff_id) if staff_id is not None else None
    return staff is not None and staff.active


def file_name(batch: RosterBatch, *, finance_copy: bool) -> str:
    """花名册-140581-2025-transport-12.xlsx (…-财政.xlsx for the finance copy)."""
    suffix = "-财政" if finance_copy else ""
    return f"花名册-{batch.county_code}-{batch.year}-{batch.program.value}-{batch.id}{suffix}.xlsx"
