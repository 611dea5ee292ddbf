"""Finding: one result of cross-checking an application against the monitoring records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, CreatedMixin, IdMixin
from db.enums import Severity, enum_type
from db.types import json_type

if TYPE_CHECKING:
    from db.models.application import Application


class Finding(IdMixin, CreatedMixin, Base):
    """At most one finding per code and application, so a re-run cross-check replaces rows
    instead of adding duplicates. ``registry_values`` holds the registry values the check compared.
    """

    __tablename__ = "finding"
    __table_args__ = (sa.UniqueConstraint("application_id", "code"),)

    # No index of its own: the unique (application_id, code) index serves lookups by application.
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"))
    code: Mapped[str] = mapped_column(sa.String(64))
    severity: Mapped[Severity] = mapped_column(enum_type(Severity, "severity"))
    registry_values: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)

    application: Mapped[Application] = relationship(back_populates="findings")
