"""A county of claims for the console's queue: two townships, three villages, a neighbouring
county, staff of every role, claims at every step with fixed submission times.

Claims and persons are made with tests/review's ``add_claim`` (through ``upsert_person``, so
the blind indexes are set as in the chat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus as S
from db.enums import Program, Severity, StaffRole
from db.models import Application, BudgetAllocation, Finding, Staff
from tests.review.conftest import add_claim

COUNTY, CITY, OTHER_COUNTY = "140581", "1405", "140525"
SANJIA, MISHAN = "140581102", "140581101"  # 三甲镇, 米山镇
XILI, HUAISHU = "140581102203", "140581102204"  # 西栗庄村, 槐树庄村 (三甲镇)
MIXI = "140581101201"  # 米西村 (米山镇)
NANCUN = "140525100200"  # a village of 泽州县, the neighbouring county
START = datetime(2025, 11, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2025, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class County:
    staff: dict[str, int] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)


def claim(
    session_factory,
    name: str,
    id_number: str,
    status: S,
    village: str,
    *,
    day: int,
    program: Program = Program.TRANSPORT,
    findings: tuple[tuple[str, Severity], ...] = (),
    verified: bool = True,
) -> int:
    """A claim submitted ``day`` days after START, with its findings."""
    application_id = add_claim(session_factory, name, id_number, status, village)
    with session_factory.begin() as session:
        application = session.get(Application, application_id)
        assert application is not None
        application.submitted_at = START + timedelta(days=day)
        application.program = program
        application.identity_verified = verified
        for code, severity in findings:
            session.add(
                Finding(
                    application_id=application_id,
                    code=code,
                    severity=severity,
                    registry_values={"income_fen": 180_000, "declared_wage_fen": 420_000},
                )
            )
    return application_id


def staff_member(session_factory, name: str, role: StaffRole, region: str) -> int:
    with session_factory.begin() as session:
        member = Staff(name=name, role=role, region_code=region)
        session.add(member)
        session.flush()
        return member.id


@pytest.fixture
def county(session_factory) -> County:
    world = County()
    for key, name, role, region in (
        ("cadre", "村干部甲", StaffRole.CADRE, XILI),
        ("cadre_huaishu", "村干部乙", StaffRole.CADRE, HUAISHU),
        ("township", "乡镇员丙", StaffRole.TOWNSHIP, SANJIA),
        ("township_mishan", "乡镇员丁", StaffRole.TOWNSHIP, MISHAN),
        ("county", "县管理员", StaffRole.COUNTY_ADMIN, COUNTY),
        ("city", "市管理员", StaffRole.CITY_ADMIN, CITY),
        ("other_county", "泽州县管理员", StaffRole.COUNTY_ADMIN, OTHER_COUNTY),
    ):
        world.staff[key] = staff_member(session_factory, name, role, region)
    with session_factory.begin() as session:
        session.add(
            BudgetAllocation(
                county_code=COUNTY,
                year=2025,
                program=Program.TRANSPORT,
                amount_fen=100_000_000,
                source_document="test allocation",
            )
        )
    wage = (("wage_mismatch", Severity.ERROR),)
    place = (("work_place_mismatch", Severity.WARNING),)
    for key, name, id_number, status, village, day, extra in (
        ("li", "李建国", "140581198004125314", S.VILLAGE_REVIEW, XILI, 3, {}),
        ("wang", "王小红", "140581199102021236", S.VILLAGE_REVIEW, XILI, 1, {"findings": wage}),
        ("zhang", "张三", "140581198507071232", S.TOWNSHIP_REVIEW, XILI, 5, {}),
        ("zhao", "赵丽", "140581197811302888", S.TOWNSHIP_REVIEW, HUAISHU, 2, {"findings": place}),
        ("ouyang", "欧阳小明", "14058119900101123X", S.TOWNSHIP_REVIEW, HUAISHU, 8,
         {"program": Program.STABLE_EMPLOYMENT}),
        ("sun", "孙建国", "140581199203034411", S.COUNTY_REVIEW, MIXI, 4, {}),
        ("zhou", "周明", "140581198812120017", S.APPROVED, MIXI, 0, {}),
        ("wu", "吴建国", "140525199001015554", S.TOWNSHIP_REVIEW, NANCUN, 6, {}),
        ("draft", "郑建国", "140581199505055555", S.DRAFT, XILI, 7, {"verified": False}),
    ):  # fmt: skip
        world.claims[key] = claim(
            session_factory, name, id_number, status, village, day=day, **extra
        )
    return world


def staff_of(session, world: County, key: str) -> Staff:
    member = session.get(Staff, world.staff[key])
    assert member is not None
    return member


def numbers_of(page) -> list[int]:
    return [row.id for row in page.rows]


def status_of(session_factory, application_id: int) -> S:
    with session_factory() as session:
        return session.scalar(sa.select(Application.status).where(Application.id == application_id))
