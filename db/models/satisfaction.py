"""Satisfaction: how a paid applicant rated the service (满意 / 基本满意 / 不满意)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import Rating, enum_type


class Satisfaction(IdMixin, TimestampMixin, Base):
    """One answer per application; answering again changes it. The comment is optional."""

    __tablename__ = "satisfaction"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    chat_identity_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_identity.id"))
    county_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    rating: Mapped[Rating] = mapped_column(enum_type(Rating, "rating"))
    comment: Mapped[str | None] = mapped_column(sa.Text)
