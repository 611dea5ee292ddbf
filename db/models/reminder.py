"""Reminder: a message due at a time, kept as a row so no broker has to hold it.

See docs/stack-notes.md §4: no long broker delays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import ReminderStatus, enum_type
from db.types import UtcDateTime, json_type


class Reminder(IdMixin, TimestampMixin, Base):
    """A sweep claims pending rows with ``due_at <= now`` by setting ``claimed_at``; a claim
    older than the sweep's timeout counts as abandoned. ``dedup_key`` (unique when set) lets a
    job that runs twice create a reminder once.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        sa.CheckConstraint(
            "application_id IS NOT NULL OR person_id IS NOT NULL OR chat_identity_id IS NOT NULL",
            name="has_target",
        ),
        sa.Index("ix_reminder_status_due_at", "status", "due_at"),
    )

    kind: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)  # the text's values
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    chat_identity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chat_identity.id"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[ReminderStatus] = mapped_column(
        enum_type(ReminderStatus, "status"), default=ReminderStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)
    dedup_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
