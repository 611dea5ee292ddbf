"""The declarative base with a constraint naming convention, and the common column mixins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import UtcDateTime, utcnow

# Named constraints let Alembic's batch mode on SQLite find and alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CURRENT_TIMESTAMP = sa.text("CURRENT_TIMESTAMP")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-10)


class CreatedMixin:
    # The server default covers bulk paths (COPY, INSERT ... SELECT) that bypass the ORM.
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, server_default=CURRENT_TIMESTAMP, sort_order=10
    )


class TimestampMixin(CreatedMixin):
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime,
        default=utcnow,
        onupdate=utcnow,
        server_default=CURRENT_TIMESTAMP,
        sort_order=10,
    )
