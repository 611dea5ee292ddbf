"""RosterBatch: one 花名册 of a county, year and program sent to the finance bureau."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import Program, enum_type
from db.types import UtcDateTime


class RosterStatus(StrEnum):
    DRAFT = "draft"  # exported, not yet sent
    SENT = "sent"  # sent to the finance bureau; payment due by due_date
    PAID = "paid"  # every application of the batch is paid


class RosterBatch(IdMixin, TimestampMixin, Base):
    """The applications of the batch point at it (application.roster_batch_id). ``due_date`` is
    7 working days after sending, on the Chinese working-day calendar (docs/domain.md §2.7 step 5).
    """

    __tablename__ = "roster_batch"

    county_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    year: Mapped[int]
    program: Mapped[Program] = mapped_column(enum_type(Program, "program"))
    status: Mapped[RosterStatus] = mapped_column(
        enum_type(RosterStatus, "status"), default=RosterStatus.DRAFT
    )
    created_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_date: Mapped[date | None]
