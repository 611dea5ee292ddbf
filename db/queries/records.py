"""Claims from the registry (免申即享): what the monitoring records say of a person's work in a
claim year, as the facts a claim would state, and who of a region may claim by them.

The facts of one job: the place (the record's division code, else its place name resolved), the
months clipped to the claim year (still working: "until now" in the current year, December in
an earlier one), the monthly income, the channel (workshop or migrant work) and one employer.
With several records in a year the job is the one with the most months in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from db.enums import ApplicationStatus, HouseholdType
from db.models import Application, Household, MonitoringEmployment, Person
from policy import Month, months_in_year, resolve_place
from policy.errors import PolicyError

# The 就业渠道 values that mean an assistance-workshop job (docs/domain.md §3.1).
WORKSHOP_CHANNELS = frozenset({"帮扶车间", "就业帮扶车间"})
# The household types some program may pay (the policy decides the rest).
CLAIMING_HOUSEHOLDS = (HouseholdType.POVERTY_ALLEVIATED, HouseholdType.MONITORED)


@dataclass(frozen=True)
class Job:
    """The job of a claim year by the records: the record, its facts, its months in the year
    and how many other records of the person fall in that year."""

    record: MonitoringEmployment
    facts: dict[str, Any]
    months: int
    others: int


def last_month(record: MonitoringEmployment, year: int, today: date) -> Month:
    """The record's last month inside `year`: its end, or (still working) today's month."""
    end = Month.of(record.end_month) if record.end_month is not None else Month.of(today)
    return min(end, Month(year, 12))


def months_in(record: MonitoringEmployment, year: int, today: date) -> int:
    """The record's whole months inside `year`, up to today."""
    first = Month.of(record.start_month)
    last = last_month(record, year, today)
    return months_in_year(first, last, year) if first <= Month.of(today) else 0


def place_of(record: MonitoringEmployment) -> str | None:
    """The division code of the work place (2, 4 or 6 digits), or None when the record's
    place cannot be told (the person is asked)."""
    code = (record.work_county_code or "").strip()
    if code.isdigit() and len(code) in (9, 12):
        code = code[:6]
    if code.isdigit() and len(code) in (2, 4, 6):
        return code
    if record.work_place:
        try:
            return resolve_place(record.work_place)
        except (PolicyError, ValueError):
            return None
    return None


def wage_of(record: MonitoringEmployment) -> str | None:
    """The monthly income in yuan as the chat writes an amount ("4000", "3500.5")."""
    fen = record.monthly_income_fen
    if fen is None or fen <= 0:
        return None
    return str(fen // 100) if fen % 100 == 0 else str(Decimal(fen) / 100)


def job_facts(record: MonitoringEmployment, year: int, today: date) -> dict[str, Any]:
    """The facts of one record for claim `year`, in the form the chat's facts take."""
    first = max(Month.of(record.start_month), Month(year, 1))
    still = record.end_month is None and year >= today.year
    facts: dict[str, Any] = {
        "work_from": str(first),
        "work_to": None if still else str(last_month(record, year, today)),
        "channel": "workshop" if (record.channel or "").strip() in WORKSHOP_CHANNELS else "migrant",
        "same_employer": True,
    }
    place = place_of(record)
    if place is not None:
        facts["work_place"] = place
    wage = wage_of(record)
    if wage is not None:
        facts["monthly_wage"] = wage
    return facts


def job_of(records: Sequence[MonitoringEmployment], year: int, today: date) -> Job | None:
    """The job of `year`: the record with the most months in it (the earlier on a tie)."""
    in_year = [r for r in records if months_in(r, year, today) > 0]
    if not in_year:
        return None
    best = max(in_year, key=lambda r: (months_in(r, year, today), -r.start_month.toordinal()))
    return Job(best, job_facts(best, year, today), months_in(best, year, today), len(in_year) - 1)


def work_records(
    session: Session, person_ids: Iterable[int], first: date, last: date
) -> dict[int, list[MonitoringEmployment]]:
    """The work records of these people that overlap `first`..`last`, by person, in one
    query."""
    ids = list(person_ids)
    found: dict[int, list[MonitoringEmployment]] = {person_id: [] for person_id in ids}
    if not ids:
        return found
    rows = session.scalars(
        sa.select(MonitoringEmployment)
        .where(
            MonitoringEmployment.person_id.in_(ids),
            MonitoringEmployment.start_month <= last,
            sa.or_(
                MonitoringEmployment.end_month.is_(None),
                MonitoringEmployment.end_month >= first,
            ),
        )
        .order_by(MonitoringEmployment.person_id, MonitoringEmployment.start_month)
    )
    for record in rows:
        found[record.person_id].append(record)
    return found


def claimed(
    session: Session, person_ids: Iterable[int], years: Iterable[int]
) -> dict[int, set[tuple[str, int]]]:
    """The (program, year) each of these people has a claim for that stands in the way of a
    new one, in one query: made in a chat verified as the person (another's draft holds
    nothing) and not withdrawn — `db.queries.submit` takes up only a withdrawn claim again."""
    ids = list(person_ids)
    found: dict[int, set[tuple[str, int]]] = {person_id: set() for person_id in ids}
    if not ids:
        return found
    rows = session.execute(
        sa.select(Application.person_id, Application.program, Application.year).where(
            Application.person_id.in_(ids),
            Application.year.in_(list(years)),
            Application.identity_verified.is_(True),
            Application.status != ApplicationStatus.WITHDRAWN,
        )
    )
    for person_id, program, year in rows:
        found[person_id].add((str(program.value), int(year)))
    return found


def candidates(
    session: Session, region: str, first: date, last: date, *, after: int = 0, limit: int = 50
) -> list[Person]:
    """People of `region` (their village code starts with it) of a household some program may
    pay, with a work record overlapping `first`..`last`, by id after `after`; each with its
    household loaded. The policy decides which of them may claim."""
    works = sa.select(MonitoringEmployment.id).where(
        MonitoringEmployment.person_id == Person.id,
        MonitoringEmployment.start_month <= last,
        sa.or_(MonitoringEmployment.end_month.is_(None), MonitoringEmployment.end_month >= first),
    )
    return list(
        session.scalars(
            sa.select(Person)
            .join(Household, Household.id == Person.household_id)
            .options(contains_eager(Person.household))
            .where(
                Person.region_code.startswith(region, autoescape=True),
                Household.household_type.in_(CLAIMING_HOUSEHOLDS),
                Person.id > after,
                works.exists(),
            )
            .order_by(Person.id)
            .limit(limit)
        )
    )
