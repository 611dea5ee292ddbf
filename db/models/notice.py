"""Notice: a public notice (公示) posted by a village or a township for a period."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, IdMixin, TimestampMixin
from db.enums import NoticeLevel, NoticeStatus, enum_type
from db.types import UtcDateTime

if TYPE_CHECKING:
    from db.models.notice_item import NoticeItem


class Notice(IdMixin, TimestampMixin, Base):
    __tablename__ = "notice"

    level: Mapped[NoticeLevel] = mapped_column(enum_type(NoticeLevel, "level"))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    number: Mapped[str] = mapped_column(sa.String(64), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[NoticeStatus] = mapped_column(
        enum_type(NoticeStatus, "status"), default=NoticeStatus.DRAFT
    )
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    items: Mapped[list[NoticeItem]] = relationship(back_populates="notice")
