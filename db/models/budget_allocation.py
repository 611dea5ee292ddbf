"""BudgetAllocation: a county's budget for one program and year, with its source document."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import Program, enum_type


class BudgetAllocation(IdMixin, TimestampMixin, Base):
    """Money is an integer number of fen (1/100 CNY): exact on every database, no float or
    Decimal round trips on SQLite; 77.58 万元 is 77_580_000 fen.
    """

    __tablename__ = "budget_allocation"
    __table_args__ = (sa.UniqueConstraint("county_code", "year", "program"),)

    county_code: Mapped[str] = mapped_column(sa.String(12))
    year: Mapped[int]
    program: Mapped[Program] = mapped_column(enum_type(Program, "program"))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    target_persons: Mapped[int | None]  # 绩效目标: people to support, when the source gives it
    source_document: Mapped[str] = mapped_column(sa.String(255))
    import_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id"))
