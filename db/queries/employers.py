"""The employer (务工单位) a roster or notice shows for a claim: the one the applicant named, else
the one of the person's latest monitoring work record that started by the claim year's end."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Application, MonitoringEmployment

CHUNK = 900  # person ids per query: far below every database's limit of bound parameters


def employers_of(session: Session, applications: Sequence[Application]) -> dict[int, str]:
    """Application id -> employer name, for the applications that have one (one query per
    claim year and chunk of persons, not one per application)."""
    found: dict[int, str] = {}
    waiting: dict[int, list[Application]] = defaultdict(list)  # year -> applications
    for application in applications:
        name = (application.facts or {}).get("employer_name")
        if name:
            found[application.id] = str(name)
        else:
            waiting[application.year].append(application)
    for year, claims in waiting.items():
        persons = sorted({claim.person_id for claim in claims})
        latest: dict[int, str] = {}
        for start in range(0, len(persons), CHUNK):
            rows = session.execute(
                sa.select(MonitoringEmployment.person_id, MonitoringEmployment.employer_name)
                .where(
                    MonitoringEmployment.person_id.in_(persons[start : start + CHUNK]),
                    MonitoringEmployment.start_month <= date(year, 12, 1),
                    MonitoringEmployment.employer_name.is_not(None),
                )
                .order_by(MonitoringEmployment.person_id, MonitoringEmployment.start_month)
            )
            latest.update((person, str(name)) for person, name in rows)  # the latest wins
        for claim in claims:
            if claim.person_id in latest:
                found[claim.id] = latest[claim.person_id]
    return found
