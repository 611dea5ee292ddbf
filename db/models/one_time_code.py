"""OneTimeCode: a 6-digit code sent by SMS to a person's registered phone, to verify a chat."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CreatedMixin, IdMixin
from db.types import UtcDateTime


class OneTimeCode(IdMixin, CreatedMixin, Base):
    """Only the code's HMAC under the deployment's keys is kept (``code_mac``): six digits
    hashed plainly would be found by trying all million. A code is spent (``spent_at``) when
    used, when its tries run out, or when the same chat asks for a new one.
    """

    __tablename__ = "one_time_code"

    chat_identity_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_identity.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    code_mac: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tries_left: Mapped[int]
    spent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
