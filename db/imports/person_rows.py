"""The person/household workbook's rows (家庭成员信息) as staging records: one per person.

A person's row carries their household, region, risk and monitoring months, their encrypted ID
and phone (with the phone's blind index), sex and birth date (from the ID number when the
cells leave them out); a second row of the same person is a problem (``duplicate_person``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from db.crypto import Keyring
from db.imports import values
from db.imports.cells import optional
from db.imports.columns import Header
from db.imports.problems import Problem
from db.imports.records import Converter, Record
from db.imports.regions import Regions

_PHONE_SEPARATORS = re.compile(r"[,;，；/、\s]+")


class PersonRows(Converter):
    """Converts the rows of a person/household workbook."""

    def __init__(self, header: Header, keys: Keyring, regions: Regions, today: date) -> None:
        super().__init__(header, keys, regions, today)
        self.day = optional(values.day)

    def _row(self, row: int, cells: list[Any], problems: list[Problem]) -> Record | None:
        found: list[tuple[str, str]] = []
        index = self.index
        name = self.texts[64](cells[index["name"]])
        household_number = self.texts[32](cells[index["household_number"]])
        for field, value in (("name", name), ("household_number", household_number)):
            if value is None:
                found.append((field, "missing"))
        category = self.texts[32](cells[index["monitoring_category"]])
        raw_kind = cells[index["household_type"]]
        kind = self._parse(self.kinds, (raw_kind, category), "household_type", found)
        risk = self._parse(self.yes_no, cells[index["risk_eliminated"]], "risk_eliminated", found)
        months = [
            self._parse(self.month, cells[index[field]], field, found)
            for field in ("identified_month", "eliminated_month")
        ]
        birth = self._parse(self.day, cells[index["birth_date"]], "birth_date", found)
        person = self.people.identify(cells[index["id_number"]])
        if isinstance(person, str):
            found.append(("id_number", person))
        elif not person[5]:
            found.append(("id_number", "duplicate_person"))
        if found:
            problems.extend(self._problem(row, field, cells, code) for field, code in found)
            if not isinstance(person, str) and person[5]:
                self.people.forget(person[0])  # a later, good row of this person may follow
            return None
        assert not isinstance(person, str)
        sex = values.sex(cells[index["sex"]])
        phone, phone_index = self._phone(cells[index["phone"]])
        return (
            (str(row), person[1], kind, category, None, None, None, None)
            + (None, None)
            + (None,) * 5
            + (
                household_number,
                self._region(row, cells),
                risk,
                months[0],
                months[1],
                self.keys.encrypt(person[0]),
                name,
                sex.value if sex is not None else person[3],
                birth or person[4],
                self.texts[32](cells[index["relation"]]),
                phone,
                phone_index,
                self.texts[32](cells[index["labour_skill"]]),
                self.keys.blind_index("id_tail", person[0]),
            )
        )

    def _phone(self, raw: Any) -> tuple[str | None, str | None]:
        for part in _PHONE_SEPARATORS.split(values.text(raw)):
            digits = "".join(ch for ch in part if ch.isdigit())
            if len(digits) >= 7:
                return self.keys.encrypt(digits), self.keys.blind_index("phone", digits)
        return None, None
