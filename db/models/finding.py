"""Finding: one result of cross-checking an application against the monitoring records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, CreatedMixin
from db.enums import Severity, enum_type

if TYPE_CHECKING:
    from db.models.application import Application


class Finding(CreatedMixin, Base):
    """One finding per code and application (the primary key), so a re-run cross-check
    replaces rows instead of adding duplicates. ``registry_values`` holds the registry values
    the check compared, as JSON written once and shown as written (``json``, not ``jsonb``).

    ``application_id`` has no foreign key: findings are derived rows that only the
    cross-check writes, from a join with ``application`` in the same statement, a few hundred
    thousand at a time, and applications are never deleted (a trigger refuses it; migration
    0006). A foreign key would check every row again and cost a fifth of a set-based run.
    """

    __tablename__ = "finding"

    application_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    severity: Mapped[Severity] = mapped_column(enum_type(Severity, "severity"))
    registry_values: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)

    application: Mapped[Application] = relationship(
        back_populates="findings",
        primaryjoin="foreign(Finding.application_id) == Application.id",
    )
