"""ImportBatch: one import of a file (monitoring export, allocations, regions) and its counts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin
from db.enums import ImportKind, ImportStatus, enum_type
from db.types import UtcDateTime, utcnow


class ImportBatch(IdMixin, Base):
    __tablename__ = "import_batch"

    kind: Mapped[ImportKind] = mapped_column(enum_type(ImportKind, "kind"))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[ImportStatus] = mapped_column(
        enum_type(ImportStatus, "status"), default=ImportStatus.RUNNING
    )
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rows: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
