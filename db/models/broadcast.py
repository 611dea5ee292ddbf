"""Broadcast: one text sent to an audience, with running counts of its deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import BroadcastStatus, enum_type
from db.types import UtcDateTime, json_type


class Broadcast(IdMixin, TimestampMixin, Base):
    __tablename__ = "broadcast"

    text: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    status: Mapped[BroadcastStatus] = mapped_column(
        enum_type(BroadcastStatus, "status"), default=BroadcastStatus.DRAFT
    )
    total: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    blocked: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
