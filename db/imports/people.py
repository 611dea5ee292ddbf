"""The people a file's rows name: each ID number checked once, and their work records' months.

A monitoring export repeats a person on every one of their work rows (a million rows, some
100,000 people). ``People`` validates each ID number once and gives the person their blind
index and a number; it recognises the ID cell again however it was written, and remembers the
start months of each person's imported work records, so that a second record of the same month
is a duplicate. It is sized for that: a few bytes per person, not a set of a million keys.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from db.crypto import Keyring
from db.errors import InvalidValueError
from db.imports import values
from db.pii import normalize_id
from policy.errors import InvalidIdNumber
from policy.ric import IdRecord
from policy.ric import parse as parse_id

_MONTH_BASE = 1990 * 12  # work before 1990 is rare enough for the slower set

# A person's ID seen for the first time or again: (ID, blind index, person number, sex, birth
# date, first time seen); sex and birth date are only read the first time.
Identified = tuple[str, str, int, str, str, bool]
_INDEX_BYTES = 32  # a blind index (HMAC-SHA256) as bytes: its hex form is twice as long


class People:
    """Who the rows of one file are; ``by_id`` and ``by_spelling`` are read on every row."""

    def __init__(self, keys: Keyring, today: date) -> None:
        self.keys = keys
        self.today = today
        # Normalised ID -> person number, or a problem code.
        self.by_id: dict[str, int | str] = {}
        # An ID cell written otherwise (spaces, a lower-case x, a number) -> the person number,
        # once a row of the person was imported.
        self.by_spelling: dict[Any, int] = {}
        # Per person number, their blind index (32 bytes each, end to end) and the start months
        # of their imported work records as bits from _MONTH_BASE: some bytes a person where
        # a set of a million keys would take 70 MB and a dict of index strings 20 MB more.
        self._indexes = bytearray()
        self._months: list[int] = []
        self._other_months: set[tuple[int, int]] = set()
        # ID numbers parsed ahead of ``identify`` (the columnar path checks a block first).
        self.checked: dict[str, IdRecord] = {}

    def index(self, person: int) -> str:
        """The blind index of a person number."""
        start = person * _INDEX_BYTES
        return self._indexes[start : start + _INDEX_BYTES].hex()

    def identify(self, raw: Any) -> Identified | str:
        """(ID, blind index, person number, sex, birth date, first time seen) or a problem."""
        try:
            # The form persons are stored and looked up by (full-width digits made ASCII).
            number = normalize_id(values.text(raw))
        except InvalidValueError:
            return "missing"
        known = self.by_id.get(number)
        if isinstance(known, str):
            return known
        if known is not None:
            return (number, self.index(known), known, "", "", False)
        try:
            record = self.checked.pop(number, None) or parse_id(number, self.today)
        except InvalidIdNumber as error:
            self.by_id[number] = f"id_{error.code}"
            return f"id_{error.code}"
        index = self.keys.blind_index("id", number)
        person = len(self._months)
        self._indexes += bytes.fromhex(index)
        self.by_id[number] = person
        self._months.append(0)
        return (number, index, person, record.sex, record.birth_date.isoformat(), True)

    def spelled(self, raw: Any, person: int) -> None:
        """Recognise the ID cell as ``raw`` spells it from now on."""
        self.by_spelling[raw] = person

    def forget(self, number: str) -> None:
        """Forget a person seen only on a bad row: a later, good row of theirs carries their
        data (their number stays taken)."""
        del self.by_id[number]

    def repeated(self, person: int, start: str) -> bool:
        """True if this person's record starting this month was seen; else remember it."""
        offset = int(start[:4]) * 12 + int(start[5:7]) - _MONTH_BASE
        if not 0 <= offset < 1024:
            key = (person, offset)
            if key in self._other_months:
                return True
            self._other_months.add(key)
            return False
        bit = 1 << offset
        if self._months[person] & bit:
            return True
        self._months[person] |= bit
        return False
