"""Web chat sessions: issuing one, recognising a live one, and purging the idle ones.

A session is identified by the SHA-256 of its token (`WebSession.hash_token`); that hash is also
the ``external_id`` of the session's chat identity, so the raw token is stored nowhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import CursorResult
from sqlalchemy.orm import Session

from db.base import Base
from db.enums import Channel
from db.models import ChatIdentity, WebSession

# last_seen_at is written at most this often per session: not one write per message.
TOUCH_EVERY = timedelta(minutes=1)


def issue_session(session: Session, token_hash: str, now: datetime) -> None:
    """Record a session the server just issued (the caller made the token)."""
    session.add(WebSession(token_hash=token_hash, created_at=now, last_seen_at=now))


def last_seen(session: Session, token_hash: str) -> datetime | None:
    """When the session of `token_hash` was last used; None when no such session was issued."""
    return session.scalar(
        sa.select(WebSession.last_seen_at).where(WebSession.token_hash == token_hash)
    )


def seen_and_openid(session: Session, token_hash: str) -> tuple[datetime, str | None] | None:
    """When the session was last used and the WeChat openid bound to it; None when no such
    session was issued."""
    row = session.execute(
        sa.select(WebSession.last_seen_at, WebSession.wechat_openid).where(
            WebSession.token_hash == token_hash
        )
    ).first()
    return None if row is None else (row[0], row[1])


def bind_openid(session: Session, token_hash: str, openid: str) -> None:
    """Bind the session of `token_hash` to a WeChat user (learnt through OAuth)."""
    session.execute(
        sa.update(WebSession)
        .where(WebSession.token_hash == token_hash)
        .values(wechat_openid=openid)
    )


def is_live(seen: datetime | None, now: datetime, idle: timedelta) -> bool:
    """Whether a session last used at `seen` is still good at `now`."""
    return seen is not None and seen >= now - idle


def needs_touch(seen: datetime, now: datetime) -> bool:
    return seen < now - TOUCH_EVERY


def touch(session: Session, token_hash: str, seen: datetime, now: datetime) -> None:
    """Move last_seen_at from `seen` to `now` (unless another request did it meanwhile)."""
    session.execute(
        sa.update(WebSession)
        .where(WebSession.token_hash == token_hash, WebSession.last_seen_at == seen)
        .values(last_seen_at=now)
    )


def _unreferenced() -> list[sa.ColumnElement[bool]]:
    """Conditions true of a chat identity that no row of any table refers to."""
    conditions: list[sa.ColumnElement[bool]] = []
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == ChatIdentity.__tablename__:
                referring = sa.select(sa.literal(1)).where(key.parent == ChatIdentity.id)
                conditions.append(~sa.exists(referring))
    return conditions


def purge_web_sessions(session: Session, now: datetime, idle: timedelta) -> tuple[int, int]:
    """Delete the sessions idle longer than `idle`, then the web chat identities left without
    a session that nothing refers to (no person, staff, claim, notification, …): (sessions,
    identities) deleted. An identity something refers to stays; only its session goes."""
    sessions = cast(
        CursorResult[Any],
        session.execute(sa.delete(WebSession).where(WebSession.last_seen_at < now - idle)),
    )
    has_session = sa.exists(
        sa.select(sa.literal(1)).where(WebSession.token_hash == ChatIdentity.external_id)
    )
    orphans = sa.select(ChatIdentity.id).where(
        ChatIdentity.channel == str(Channel.WEB),
        ChatIdentity.person_id.is_(None),
        ChatIdentity.staff_id.is_(None),
        ~has_session,
        *_unreferenced(),
    )
    identities = cast(
        CursorResult[Any],
        session.execute(
            sa.delete(ChatIdentity)
            .where(ChatIdentity.id.in_(orphans.scalar_subquery()))
            .execution_options(synchronize_session=False)
        ),
    )
    return sessions.rowcount, identities.rowcount
