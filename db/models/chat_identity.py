"""ChatIdentity: one user of one channel, and the dialog state of that user."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import Channel
from db.types import UtcDateTime, json_type


class ChatIdentity(IdMixin, TimestampMixin, Base):
    """The dialog state lives here, not in process memory (docs/stack-notes.md §1): any bot
    process can take the next message, and a restart loses nothing. ``state`` is JSON; assign a
    new dict to change it (in-place changes are not tracked). ``last_update_id`` lets a channel
    drop a redelivered update. ``channel`` is a channel's name as its sender registers it
    (`common.sending`; the built-in ones are `db.enums.Channel`), free text so that adding a
    channel needs no migration; a chat of a channel without a sender is never counted reached.
    """

    __tablename__ = "chat_identity"
    __table_args__ = (sa.UniqueConstraint("channel", "external_id"),)

    channel: Mapped[str] = mapped_column(sa.String(32))
    external_id: Mapped[str] = mapped_column(sa.String(64))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    # The staff role on this identity: when it was taken here, and when it was last used here
    # (db/queries/staff.py: a web chat's role lapses after idle hours and a few days at most).
    staff_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    staff_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    language: Mapped[str] = mapped_column(sa.String(16), default="zh_CN")
    phone_verified: Mapped[bool] = mapped_column(default=False)
    dialog: Mapped[str | None] = mapped_column(sa.String(64))
    step: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    last_update_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # user blocked the bot
    # Reminders (deadlines, unfixed claims, surveys) can be turned off; status news cannot.
    reminders_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The user's last message (WeChat: customer-service messages may follow it for 48 hours).
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Identity verification (phone_verified with person_id: "verified as that person"): how
    # (sms | contact | cadre) and when; and the drafts made here before any verification, as
    # their author sees them (bot/dialogs/verify.py), whether or not the ID is registered.
    verified_via: Mapped[str | None] = mapped_column(sa.String(16))
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    drafts: Mapped[list[dict[str, Any]] | None] = mapped_column(json_type())

    @classmethod
    def messageable(cls) -> sa.ColumnElement[bool]:
        """Identities wugong writes to: every channel but the staff console's (a signed-in
        browser session that holds a staff role, not a conversation)."""
        return cls.channel != str(Channel.CONSOLE)
