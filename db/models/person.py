"""Person: a member of a household; ID number, phone and bank account are encrypted."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from db.base import Base, IdMixin, TimestampMixin
from db.crypto import EncryptedString, blind_index
from db.enums import Sex, enum_type
from db.pii import ID_TAIL_LENGTH, normalize_account, normalize_id, normalize_phone

if TYPE_CHECKING:
    from db.models.household import Household


class Person(IdMixin, TimestampMixin, Base):
    """Assigning ``id_number``, ``phone`` or ``bank_account`` normalises the value and sets its
    blind index in the same step, so no code path can store one without the other.
    """

    __tablename__ = "person"

    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    id_number: Mapped[str] = mapped_column(EncryptedString)
    id_index: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The blind index of the ID's last 4 characters, what a masked ID shows: the console finds
    # claims by them (about 1 person in 10,000 shares a tail). Null for an ID number shorter
    # than that (none is, once checked).
    id_tail_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    sex: Mapped[Sex | None] = mapped_column(enum_type(Sex, "sex"))
    birth_date: Mapped[date | None]
    relation_to_head: Mapped[str | None] = mapped_column(sa.String(32))  # 与户主关系
    phone: Mapped[str | None] = mapped_column(EncryptedString)
    phone_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    labour_skill: Mapped[str | None] = mapped_column(sa.String(32))  # 劳动技能
    bank_name: Mapped[str | None] = mapped_column(sa.String(100))
    bank_account: Mapped[str | None] = mapped_column(EncryptedString)
    account_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    region_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)  # village

    household: Mapped[Household | None] = relationship()

    @validates("id_number")
    def _index_id_number(self, key: str, value: str) -> str:
        normalized = normalize_id(value)
        self.id_index = blind_index("id", normalized)
        self.id_tail_index = (
            blind_index("id_tail", normalized) if len(normalized) >= ID_TAIL_LENGTH else None
        )
        return normalized

    @validates("phone")
    def _index_phone(self, key: str, value: str | None) -> str | None:
        normalized = None if value is None else normalize_phone(value)
        self.phone_index = None if normalized is None else blind_index("phone", normalized)
        return normalized

    @validates("bank_account")
    def _index_bank_account(self, key: str, value: str | None) -> str | None:
        normalized = None if value is None else normalize_account(value)
        self.account_index = None if normalized is None else blind_index("account", normalized)
        return normalized
