"""KeyCheck: the fingerprint of the secret key this database's personal data is written with."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CreatedMixin


class KeyCheck(CreatedMixin, Base):
    """One row (id 1), written at the first start after the migrations (db/key_check.py).

    The fingerprint is an HMAC of a constant under a key derived from WUGONG_SECRET_KEY
    (`Keyring.fingerprint`): it tells whether a process has the same key, and nothing about it.
    """

    __tablename__ = "key_check"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, sort_order=-10)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
