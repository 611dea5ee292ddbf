"""Household: a registered household (户) of the national monitoring system."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import HouseholdType, enum_type


class Household(IdMixin, TimestampMixin, Base):
    """Months (identified, risk eliminated) are stored as the first day of the month."""

    __tablename__ = "household"

    household_number: Mapped[str] = mapped_column(sa.String(32), unique=True)  # 户编号
    region_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)  # village
    household_type: Mapped[HouseholdType] = mapped_column(
        enum_type(HouseholdType, "household_type")
    )
    monitoring_category: Mapped[str | None] = mapped_column(sa.String(32))  # 监测对象类别
    risk_eliminated: Mapped[bool] = mapped_column(default=False)  # 风险是否已消除
    identified_month: Mapped[date | None]  # 识别监测时间
    risk_eliminated_month: Mapped[date | None]  # 消除监测时间
    import_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id"))
