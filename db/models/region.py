"""Region: an administrative division, from province down to village."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, TimestampMixin
from db.enums import RegionLevel, enum_type

# Code length -> level: 14, 1405, 140581, 140581102, 140581102225.
LEVEL_OF_LENGTH = {
    2: RegionLevel.PROVINCE,
    4: RegionLevel.CITY,
    6: RegionLevel.COUNTY,
    9: RegionLevel.TOWNSHIP,
    12: RegionLevel.VILLAGE,
}


class Region(TimestampMixin, Base):
    """A division code (2/4/6 digits, 9 for a township, 12 for a village) and its name.

    ``parent_code`` carries no foreign key: partial trees (a village list without its townships)
    must be importable in any order, and the parent is derivable from the code anyway.

    Rows are never deleted: people, claims and staff keep codes that a later release of the
    register retires. ``valid_from`` and ``valid_to`` are the first and last year a code was in
    the register (None: not known / still valid), so a retired code still has its name.
    """

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    level: Mapped[RegionLevel] = mapped_column(enum_type(RegionLevel, "level"))
    parent_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    valid_from: Mapped[int | None]
    valid_to: Mapped[int | None]

    @property
    def current(self) -> bool:
        return self.valid_to is None
