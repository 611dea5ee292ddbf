"""Finding and upserting persons by the blind index of their ID number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any, Literal, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.crypto import blind_index
from db.enums import Sex
from db.models import Person
from db.pii import normalize_account, normalize_phone
from policy import InvalidIdNumber, parse_id


class _Unset(Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET
"""The default of upsert_person's optional fields: leave the stored value as it is."""

Outcome = Literal["inserted", "updated", "unchanged"]


class Upserted(NamedTuple):
    person: Person
    outcome: Outcome


def find_person_by_id_number(session: Session, id_number: str) -> Person | None:
    """The person with this ID number (in any spelling normalize_id accepts), or None."""
    statement = sa.select(Person).where(Person.id_index == blind_index("id", id_number))
    return session.scalars(statement).one_or_none()


def sex_and_birth(person: Person) -> tuple[Sex | None, date | None]:
    """The person's sex and birth date as imported, else as the ID number states them."""
    if person.sex is not None and person.birth_date is not None:
        return person.sex, person.birth_date
    try:
        record = parse_id(person.id_number)
    except InvalidIdNumber:
        return person.sex, person.birth_date
    return person.sex or Sex(record.sex), person.birth_date or record.birth_date


def _same(normalize: Callable[[str], str]) -> Callable[[Any, Any], bool]:
    def compare(stored: Any, given: Any) -> bool:
        if stored is None or given is None:
            return stored is given
        return bool(stored == normalize(given))

    return compare


# Comparing normalised values avoids writing (and re-encrypting) a field that did not change.
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "phone": _same(normalize_phone),
    "bank_account": _same(normalize_account),
}


def upsert_person(
    session: Session,
    *,
    id_number: str,
    name: str,
    household_id: int | _Unset | None = UNSET,
    sex: Sex | _Unset | None = UNSET,
    birth_date: date | _Unset | None = UNSET,
    relation_to_head: str | _Unset | None = UNSET,
    phone: str | _Unset | None = UNSET,
    labour_skill: str | _Unset | None = UNSET,
    bank_name: str | _Unset | None = UNSET,
    bank_account: str | _Unset | None = UNSET,
    region_code: str | _Unset | None = UNSET,
) -> Upserted:
    """Insert the person, or update the one with the same ID number, and flush.

    Optional fields left out keep their stored value; ``None`` clears one. Two sessions
    inserting the same new ID number at once: the second gets an IntegrityError on ``id_index``.
    """
    given: dict[str, Any] = {
        "household_id": household_id,
        "sex": sex,
        "birth_date": birth_date,
        "relation_to_head": relation_to_head,
        "phone": phone,
        "labour_skill": labour_skill,
        "bank_name": bank_name,
        "bank_account": bank_account,
        "region_code": region_code,
    }
    fields = {"name": name, **{key: value for key, value in given.items() if value is not UNSET}}
    person = find_person_by_id_number(session, id_number)
    if person is None:
        person = Person(id_number=id_number, **fields)
        session.add(person)
        session.flush()
        return Upserted(person, "inserted")
    outcome: Outcome = "unchanged"
    for key, value in fields.items():
        same = _COMPARE.get(key, lambda stored, new: bool(stored == new))
        if not same(getattr(person, key), value):
            setattr(person, key, value)
            outcome = "updated"
    session.flush()
    return Upserted(person, outcome)
