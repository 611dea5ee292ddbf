"""MonitoringEmployment: a work record as the national monitoring system exports it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, IdMixin, TimestampMixin
from db.enums import HouseholdType, enum_type


class MonitoringEmployment(IdMixin, TimestampMixin, Base):
    """One row of the work table (务工月监测, docs/domain.md §3.1).

    Months are stored as the first day of the month; ``end_month`` is empty while the person
    still works there. Money is in fen (1/100 CNY). The national system does not allow two
    records of one person to overlap, so (person, start month) identifies a record on re-import.
    """

    __tablename__ = "monitoring_employment"
    __table_args__ = (sa.UniqueConstraint("person_id", "start_month"),)

    # No index of its own: the unique (person_id, start_month) index serves lookups by person.
    # No foreign keys either (migration 0006): only the import writes these rows, a million at
    # a time, from a join with the person rows of its own transaction, and persons and import
    # batches are never deleted (a trigger refuses it). Checking every row again cost an
    # import more than three times a raw COPY of the rows.
    person_id: Mapped[int]
    household_type: Mapped[HouseholdType | None] = mapped_column(
        enum_type(HouseholdType, "household_type")
    )  # 户类型
    monitoring_category: Mapped[str | None] = mapped_column(sa.String(32))  # 监测对象类别
    work_county_code: Mapped[str | None] = mapped_column(sa.String(12))
    work_place: Mapped[str | None] = mapped_column(sa.String(100))  # 务工所在地 / 务工所在县
    start_month: Mapped[date]  # 开始时间
    end_month: Mapped[date | None]  # 结束时间
    is_working: Mapped[bool | None]  # 是否已务工
    channel: Mapped[str | None] = mapped_column(sa.String(32))  # 就业渠道
    employer_name: Mapped[str | None] = mapped_column(sa.String(200))  # 务工企业名称
    industry: Mapped[str | None] = mapped_column(sa.String(100))  # 所属行业
    point_to_point: Mapped[bool | None]  # 是否点对点输送
    monthly_income_fen: Mapped[int | None] = mapped_column(sa.BigInteger)  # 务工月收入
    transport_subsidy_fen: Mapped[int | None] = mapped_column(sa.BigInteger)  # 年度交通费补助
    import_batch_id: Mapped[int | None]
