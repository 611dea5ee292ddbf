"""Notification: a message for one chat identity that is not a reply to its own message."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CreatedMixin, IdMixin
from db.enums import enum_type
from db.types import UtcDateTime, json_type


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(IdMixin, CreatedMixin, Base):
    """A consent request to a beneficiary, a status change, … : the row is written in the same
    transaction as the change it reports, so it cannot be lost; a channel delivers it later
    (Telegram through a worker, the web chat when the page next asks). ``text`` is already in
    the recipient's language and carries no unmasked personal data.
    """

    __tablename__ = "notification"

    chat_identity_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_identity.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(json_type(), default=list)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus, "status"), default=NotificationStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(sa.String(255))
