"""TellInPerson: news a channel could not deliver, for the village cadre to tell in person."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, CreatedMixin, IdMixin
from db.types import UtcDateTime


class TellInPerson(IdMixin, CreatedMixin, Base):
    """A status notice or reminder that reached nobody (the user unfollowed the WeChat account,
    gave no consent to notices, blocked the Telegram bot, …): the cadres of the person's village
    see it in their chat (`/tell`) and mark it done once told. One row per notification at most
    (``notification_id`` is unique), so a redelivered worker message adds nothing. ``text`` is
    the notification's, already without unmasked personal data.
    """

    __tablename__ = "tell_in_person"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notification.id"), unique=True
    )
    # the village (person.region_code when written): whose cadres see it
    region_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    channel: Mapped[str] = mapped_column(sa.String(32))  # where it could not be delivered
    reason: Mapped[str | None] = mapped_column(sa.String(255))
    text: Mapped[str] = mapped_column(sa.Text)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
