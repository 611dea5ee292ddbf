"""Region: an administrative division, from province down to village."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin
from db.enums import RegionLevel, enum_type


class Region(TimestampMixin, Base):
    """A division code (2/4/6 digits, 9 for a township, 12 for a village) and its name.

    ``parent_code`` carries no foreign key: partial trees (a village list without its townships)
    must be importable in any order, and the parent is derivable from the code anyway.
    """

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[RegionLevel] = mapped_column(enum_type(RegionLevel, "level"))
    parent_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)
