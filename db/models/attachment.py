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
    """Stored by the project (``storage_path``, relative to the data directory, encrypted at
    rest: `common.attachments`) and by the channel's file id it came with, or either of them.
    ``sha256`` is of the file's bytes when it is stored, else of the channel's file id."""

    __tablename__ = "attachment"

    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_type(AttachmentKind, "kind"))
    storage_path: Mapped[str | None] = mapped_column(sa.String(500))
    file_id: Mapped[str | None] = mapped_column(sa.String(255))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))  # as the sender named it
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_chat_identity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chat_identity.id")
    )

    application: Mapped[Application] = relationship(back_populates="attachments")
