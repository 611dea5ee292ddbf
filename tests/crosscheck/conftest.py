"""Cross-check fixtures: a registry of households, people and work records, and applications."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from db.engine import lock_for_writing
from db.enums import ApplicationStatus, HouseholdType, Program
from db.models import Application, AuditEvent, Household, MonitoringEmployment
from db.queries import upsert_person
from db.queries.crosscheck.run import crosscheck_application, crosscheck_open, findings_of, reassess
from policy import assess, facts_from_mapping

TODAY = date(2025, 12, 1)
VILLAGE = "140581100200"  # a village of 高平市 (Jincheng)
OTHER_COUNTY_VILLAGE = "140525100100"  # a village of 泽州县
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(region: str, birth: str, sequence: int) -> str:
    """A resident ID with a correct check character (GB 11643-1999)."""
    body = f"{region}{birth}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def month(text: str | None) -> date | None:
    return None if text is None else date(int(text[:4]), int(text[5:7]), 1)


class Registry:
    """Builds the monitoring registry and applications the way imports and dialogs leave them."""

    def __init__(self, session_factory) -> None:
        self.sessions = session_factory
        self._sequence = 0

    def person(
        self,
        *,
        household_type: str | None = "poverty_alleviated",
        risk_eliminated: str | None = None,
        birth: str = "19900315",
        region: str = VILLAGE,
        account: str | None = None,
        household_of: int | None = None,
    ) -> int:
        """A person of a new household (of the household of person ``household_of`` if
        given); ``household_type=None`` means no household at all."""
        self._sequence += 1
        id_number = make_id("140581", birth, self._sequence)
        with self.sessions.begin() as session:
            household_id = None
            if household_of is not None:
                from db.models import Person

                relative = session.get(Person, household_of)
                household_id = relative.household_id if relative else None
            elif household_type is not None:
                household = Household(
                    household_number=f"H{self._sequence:06d}",
                    region_code=region,
                    household_type=HouseholdType(household_type),
                    monitoring_category="脱贫不稳定户" if household_type == "monitored" else None,
                    risk_eliminated=risk_eliminated is not None,
                    risk_eliminated_month=month(risk_eliminated),
                )
                session.add(household)
                session.flush()
                household_id = household.id
            person = upsert_person(
                session,
                id_number=id_number,
                name=f"工人{self._sequence}",
                household_id=household_id,
                birth_date=date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
                bank_account=account,
                region_code=region,
            ).person
            return person.id

    def record(
        self,
        person_id: int,
        *,
        place: str | None = "330203",
        place_text: str = "浙江省宁波市海曙区",
        start: str = "2025-03",
        end: str | None = "2025-10",
        income: int | None = 3800,
        channel: str = "外出务工",
        employer: str | None = "宁波甬兴电子有限公司",
        transport: int = 0,
    ) -> None:
        """A row of the work table (务工月监测); amounts in CNY."""
        with self.sessions.begin() as session:
            session.add(
                MonitoringEmployment(
                    person_id=person_id,
                    household_type=HouseholdType.POVERTY_ALLEVIATED,
                    work_county_code=place,
                    work_place=place_text,
                    start_month=month(start),
                    end_month=month(end),
                    is_working=True,
                    channel=channel,
                    employer_name=employer,
                    monthly_income_fen=None if income is None else income * 100,
                    transport_subsidy_fen=transport * 100,
                )
            )

    def application(
        self,
        person_id: int,
        *,
        program: str = "transport",
        year: int = 2025,
        status: str = "submitted",
        region: str = VILLAGE,
        card: str | None = None,
        **facts: Any,
    ) -> int:
        """An application as the apply dialog submits it: facts, the policy's decision, amount."""
        with self.sessions.begin() as session:
            from db.models import Person

            person = session.get(Person, person_id)
            household = person.household
            values: dict[str, Any] = {
                "household_type": household.household_type.value if household else None,
                "risk_eliminated": (
                    f"{household.risk_eliminated_month:%Y-%m}"
                    if household and household.risk_eliminated
                    else None
                ),
                "birth_date": person.birth_date.isoformat(),
                "home_county": "140581",
                "work_place": "3302",
                "work_from": "2025-03",
                "work_to": "2025-10",
                "monthly_wage": 3800,
                "same_employer": True,
                "channel": "migrant",
                "identity_check": "cadre",
            }
            values.update(facts)
            known = {k: v for k, v in values.items() if v is not None and k != "identity_check"}
            decision = assess(
                program,
                facts_from_mapping({**known, "year": year, "as_of": TODAY.isoformat()}),
            )
            application = Application(
                person_id=person_id,
                program=Program(program),
                year=year,
                region_code=region,
                status=ApplicationStatus(status),
                facts=values,
                decision=decision.to_dict(),
                amount_fen=decision.amount * 100,
                submitted_at=datetime.now(UTC),
                bank_account_snapshot=card,
            )
            session.add(application)
            session.flush()
            return application.id

    def findings(self, application_id: int) -> dict[str, tuple[str, dict[str, Any]]]:
        with self.sessions() as session:
            return findings_of(session, [application_id]).get(application_id, {})

    def application_row(self, application_id: int) -> Application:
        with self.sessions() as session:
            return session.get(Application, application_id)

    def audit_actions(self, application_id: int) -> list[str]:
        with self.sessions() as session:
            return list(
                session.scalars(
                    sa.select(AuditEvent.action)
                    .where(AuditEvent.application_id == application_id)
                    .order_by(AuditEvent.id)
                )
            )


def run_each(registry: Registry, ids: list[int], params=None) -> None:
    for application_id in ids:
        with registry.sessions.begin() as session:
            lock_for_writing(session)
            crosscheck_application(session, application_id, today=TODAY, params=params)


def run_open(registry: Registry, params=None) -> None:
    with registry.sessions.begin() as session:
        lock_for_writing(session)
        due = crosscheck_open(session, today=TODAY, params=params).reassess_ids
    with registry.sessions.begin() as session:
        lock_for_writing(session)
        reassess(session, due, today=TODAY, params=params)


@pytest.fixture
def registry(session_factory) -> Registry:
    return Registry(session_factory)
