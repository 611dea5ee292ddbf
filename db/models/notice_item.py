"""NoticeItem: one application listed on a notice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, IdMixin

if TYPE_CHECKING:
    from db.models.notice import Notice


class NoticeItem(IdMixin, Base):
    __tablename__ = "notice_item"
    __table_args__ = (sa.UniqueConstraint("notice_id", "application_id"),)

    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notice.id"))
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)

    notice: Mapped[Notice] = relationship(back_populates="items")
