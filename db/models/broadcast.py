"""Broadcast: one notice (text, optionally a photo or document) sent to an audience."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import BroadcastStatus, enum_type
from db.types import UtcDateTime, json_type


class Broadcast(IdMixin, TimestampMixin, Base):
    """Each recipient is a Delivery row, written when the broadcast is confirmed; the counts
    here are filled in when it finishes (live progress is counted from the deliveries).
    ``heartbeat_at`` is touched by the senders, so a sweep can tell a stalled broadcast (its
    queue messages lost with a worker or with Redis) and start senders again.
    """

    __tablename__ = "broadcast"

    text: Mapped[str] = mapped_column(sa.Text)
    # A Telegram file_id or an http(s) URL, sent with sendPhoto / sendDocument.
    attachment_kind: Mapped[str | None] = mapped_column(sa.String(16))
    attachment: Mapped[str | None] = mapped_column(sa.String(512))
    audience: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    # Who gets the final report in chat (None when started from the command line).
    created_by_chat_identity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chat_identity.id")
    )
    status: Mapped[BroadcastStatus] = mapped_column(
        enum_type(BroadcastStatus, "status"), default=BroadcastStatus.DRAFT
    )
    total: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    blocked: Mapped[int] = mapped_column(default=0)
    ambiguous: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
