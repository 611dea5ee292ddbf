"""Attachment: a file supporting an application (pledge, delegation letter, proof of work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, CreatedMixin, IdMixin
from db.enums import AttachmentKind, enum_type

if TYPE_CHECKING:
    from db.models.application import Application


class Attachment(IdMixin, CreatedMixin, Base):
    """Stored either as a local file (``storage_path``) or by a channel's file id, or both."""

    __tablename__ = "attachment"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_type(AttachmentKind, "kind"))
    storage_path: Mapped[str | None] = mapped_column(sa.String(500))
    file_id: Mapped[str | None] = mapped_column(sa.String(255))
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_chat_identity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chat_identity.id")
    )

    application: Mapped[Application] = relationship(back_populates="attachments")
