"""WebSession: a web chat session the server issued (POST /api/session)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import CURRENT_TIMESTAMP, Base, CreatedMixin, IdMixin
from db.types import UtcDateTime, utcnow


class WebSession(IdMixin, CreatedMixin, Base):
    """Only the SHA-256 of the token is stored: a database reader cannot take over a chat.

    The hash is also the web chat identity's ``external_id``, so the raw token appears nowhere
    in the database. ``last_seen_at`` is refreshed at most once a minute; a session idle for
    longer than WUGONG_WEB_SESSION_IDLE_DAYS is refused and later purged.

    ``wechat_openid`` is set when the page was opened inside WeChat and the user's openid was
    learnt through OAuth (snsapi_base, bot/channels/wechat_oauth.py): the page then talks as
    the WeChat chat identity (channel "wechat", external_id the openid).
    """

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last_seen_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, server_default=CURRENT_TIMESTAMP, index=True
    )
    wechat_openid: Mapped[str | None] = mapped_column(sa.String(128))

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
