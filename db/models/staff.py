"""Staff: a cadre or administrator, with a role and the region it may see and change."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from db.base import Base, IdMixin, TimestampMixin
from db.crypto import EncryptedString, blind_index
from db.enums import StaffRole, enum_type
from db.pii import normalize_phone


class Staff(IdMixin, TimestampMixin, Base):
    """``phone`` is encrypted and found through ``phone_index``, as a person's is: assigning it
    sets both."""

    __tablename__ = "staff"

    name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "role"))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)  # scope: this and below
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    phone_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)

    @validates("phone")
    def _index_phone(self, key: str, value: str | None) -> str | None:
        normalized = None if value is None else normalize_phone(value)
        self.phone_index = None if normalized is None else blind_index("phone", normalized)
        return normalized
