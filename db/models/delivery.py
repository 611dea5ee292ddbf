"""Delivery: one broadcast to one chat identity, claimed before sending (stack-notes §3).

See docs/stack-notes.md §3: everything is at least once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import DeliveryStatus, enum_type
from db.types import UtcDateTime


class Delivery(IdMixin, TimestampMixin, Base):
    """A send whose outcome is unknown (a timeout) becomes ``ambiguous`` and is not resent."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("broadcast_id", "chat_identity_id"),
        # The senders' "next pending row by id" is one index probe, however many were sent.
        sa.Index("ix_delivery_broadcast_id_status_id", "broadcast_id", "status", "id"),
    )

    broadcast_id: Mapped[int] = mapped_column(sa.ForeignKey("broadcast.id"))
    chat_identity_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_identity.id"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus, "status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)
