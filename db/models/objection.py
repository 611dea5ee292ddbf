"""Objection: an objection raised against a notice, or against one application on it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import ObjectionStatus, enum_type
from db.types import UtcDateTime


class Objection(IdMixin, TimestampMixin, Base):
    __tablename__ = "objection"

    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    from_chat_identity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("chat_identity.id"))
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_type(ObjectionStatus, "status"), default=ObjectionStatus.OPEN
    )
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the reviewers were told of it: at once for a notice's first objection, else in the
    # digest the objection sweep sends (NULL: not yet told).
    reviewers_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
