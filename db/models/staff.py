"""Staff: a cadre or administrator, with a role and the region it may see and change."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import StaffRole, enum_type


class Staff(IdMixin, TimestampMixin, Base):
    __tablename__ = "staff"

    name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "role"))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)  # scope: this and below
    active: Mapped[bool] = mapped_column(default=True)
