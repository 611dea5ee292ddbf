"""Housekeeping sweeps: remove data that has outlived its purpose."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import dramatiq
from sqlalchemy import CursorResult, delete

from db.engine import writing
from db.models import StaffInvite
from db.queries import web_sessions
from workers.context import runtime

log = logging.getLogger(__name__)

# Unused invite codes are kept a while after they expire so that a late `/start CODE` can be told
# "this code has expired" rather than "unknown code".
INVITE_RETENTION = timedelta(days=30)


@dramatiq.actor(queue_name="housekeeping", max_retries=3, time_limit=60_000)
def purge_expired_invites() -> None:
    """Delete unused staff invites that expired more than INVITE_RETENTION ago."""
    cutoff = datetime.now(UTC) - INVITE_RETENTION
    with writing(runtime().sessions) as session:
        result = cast(
            CursorResult[Any],
            session.execute(
                delete(StaffInvite).where(
                    StaffInvite.used_at.is_(None), StaffInvite.expires_at < cutoff
                )
            ),
        )
    if result.rowcount:
        log.info("purged %d expired staff invites", result.rowcount)


@dramatiq.actor(queue_name="housekeeping", max_retries=3, time_limit=60_000)
def purge_web_sessions() -> None:
    """Delete web chat sessions idle longer than WUGONG_WEB_SESSION_IDLE_DAYS, and the chat
    identities they leave behind that nothing refers to."""
    idle = timedelta(days=runtime().settings.web.web_session_idle_days)
    with writing(runtime().sessions) as session:
        sessions, identities = web_sessions.purge_web_sessions(session, datetime.now(UTC), idle)
    if sessions or identities:
        log.info("purged %d idle web sessions and %d chat identities", sessions, identities)
