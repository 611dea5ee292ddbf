"""StaffInvite: a one-time code that gives whoever redeems it a staff role for a region, or
(a login code) signs a chat in as an existing staff member."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CreatedMixin, IdMixin
from db.enums import StaffRole, enum_type
from db.types import UtcDateTime


class StaffInvite(IdMixin, CreatedMixin, Base):
    """Only the SHA-256 of the code is stored, so a database reader cannot redeem an invite.

    A plain hash suffices because the codes are random and long; they are not passwords.
    ``staff_id`` is set on a login code (`wugong staff login-code`): redeeming it attaches the
    chat to that staff member instead of creating one; ``role`` and ``region_code`` repeat theirs.
    """

    __tablename__ = "staff_invite"

    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[StaffRole] = mapped_column(enum_type(StaffRole, "role"))
    region_code: Mapped[str] = mapped_column(sa.String(12))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))

    @staticmethod
    def hash_code(code: str) -> str:
        return hashlib.sha256(code.strip().encode()).hexdigest()
