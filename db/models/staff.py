"""Staff: a cadre or administrator, with a role and the region it may see and change."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from db.base import Base, IdMixin, TimestampMixin
from db.crypto import EncryptedString, blind_index
from db.enums import StaffRole, enum_type
from db.pii import normalize_phone
from db.types import UtcDateTime


class Staff(IdMixin, TimestampMixin, Base):
    """``phone`` is encrypted and found through ``phone_index``, as a person's is: assigning it
    sets both. ``created_at`` is when the role was first taken; ``active`` is false once it is
    revoked (`wugong staff revoke`), and then no chat identity holds it any more."""

    __tablename__ = "staff"

    name: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "role"))
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)  # scope: this and below
    active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    phone_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # The role's last use on any channel (updated at most once a minute), and its revocation.
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @validates("phone")
    def _index_phone(self, key: str, value: str | None) -> str | None:
        normalized = None if value is None else normalize_phone(value)
        self.phone_index = None if normalized is None else blind_index("phone", normalized)
        return normalized
