"""BudgetAllocation: a county's budget for one program and year, with its source document."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import Program, enum_type


class BudgetAllocation(IdMixin, TimestampMixin, Base):
    """Money is an integer number of fen (1/100 CNY): exact on every database, no float or
    Decimal round trips on SQLite; 77.58 万元 is 77_580_000 fen. The satisfaction target is an
    integer per mille for the same reason: 95% is 950, 95.5% is 955.
    """

    __tablename__ = "budget_allocation"
    __table_args__ = (sa.UniqueConstraint("county_code", "year", "program"),)

    county_code: Mapped[str] = mapped_column(sa.String(12))
    year: Mapped[int]
    program: Mapped[Program] = mapped_column(enum_type(Program, "program"))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    # 绩效目标 of the budget, when the source gives them: people to support, and the share of
    # satisfied answers (满意度指标).
    target_persons: Mapped[int | None]
    target_satisfaction_permille: Mapped[int | None]
    source_document: Mapped[str] = mapped_column(sa.String(255))
    import_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id"))
