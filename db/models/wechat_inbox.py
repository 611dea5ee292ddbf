"""WechatInbox: every message and event WeChat delivered to the callback, once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CreatedMixin, IdMixin
from db.crypto import EncryptedString
from db.types import UtcDateTime

# received → running → done | failed; a sweep takes back rows left received or running.
INBOX_STATUSES = ("received", "running", "done", "failed")


class WechatInbox(IdMixin, CreatedMixin, Base):
    """One callback, recorded before WeChat gets its ``success``; the unique ``dedup_key`` is
    what makes WeChat's retries (and the same message at two processes) one turn:
    ``msg:<FromUserName>:<MsgId>`` for a message, ``event:<FromUserName>:<CreateTime>:<Event>``
    for an event (events have no MsgId). ``payload`` is the message's fields as JSON,
    encrypted (it may hold what the user typed), and cleared once the turn is done.
    ``attempts`` counts the claims: a row retaken too often is given up (failed).
    """

    __tablename__ = "wechat_inbox"

    dedup_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    openid: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(64))  # MsgType, or event:<Event>
    payload: Mapped[str | None] = mapped_column(EncryptedString)
    status: Mapped[str] = mapped_column(sa.String(16), default="received", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
