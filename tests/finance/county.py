"""A county (高平 140581) with approved claims, a budget and an administrator, for the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from db.enums import (
    ApplicationStatus,
    Capacity,
    Channel,
    HouseholdType,
    Program,
    RegionLevel,
    Severity,
    StaffRole,
)
from db.models import (
    Application,
    BudgetAllocation,
    ChatIdentity,
    Finding,
    Household,
    Region,
    Staff,
)
from db.queries import upsert_person

COUNTY = "140581"
TOWNSHIP = "140581100"
VILLAGE = "140581100200"  # 东村, named in the region table
UNNAMED_VILLAGE = "140581100300"  # not in the region table: the roster shows its code
OTHER_TOWNSHIP_VILLAGE = "140581200100"
YEAR = 2025

ZHANG_ID = "140581199003151232"
LI_ID = "140427196801012467"
ZHAO_ID = "140524196208150136"
ZHANG_CARD = "6217000010002000305"
LI_CARD = "6228480010001234567"
ZHAO_CARD = "6217000010009876543"


@dataclass
class County:
    """Ids of what the fixture wrote."""

    zhang: int  # transport 1500, 东村, chats in Chinese
    li: int  # transport 600, delegated by a relative, chats in English, wage warning
    zhao: int  # transport 1500, another township
    zhang_stable: int  # stable employment 1200: another roster
    pending: int  # still in county review: not on the roster
    elsewhere: int  # approved in 壶关 (140427): another county
    zhang_chat: int
    li_chat: int
    relative_chat: int
    admin_chat: int
    township_chat: int


def _application(session, person, program, amount, region, **extra) -> Application:
    facts = {
        "household_type": "poverty_alleviated",
        "work_place": "32",
        "work_from": "2025-03",
        "work_to": "2025-11",
        "same_employer": True,
        "monthly_wage": 4000,
        **extra.pop("facts", {}),
    }
    application = Application(
        person_id=person.id,
        program=program,
        year=extra.pop("year", YEAR),
        region_code=region,
        status=extra.pop("status", ApplicationStatus.APPROVED),
        facts=facts,
        decision={"program": program.value, "eligible": True, "amount": amount},
        amount_fen=amount * 100,
        bank_name="高平农商银行",
        bank_account_snapshot=person.bank_account,
        submitted_at=datetime(2025, 11, 3, 2, 0, tzinfo=UTC),
        **extra,
    )
    session.add(application)
    session.flush()
    return application


def build_county(session_factory) -> County:
    """Given three approved transport claims in 高平 (two townships), a stable-employment claim,
    one still in county review, one approved in another county, a budget of 5000 yuan for
    transport, a county administrator and a township reviewer, all on chat."""
    with session_factory.begin() as session:
        township, village = RegionLevel.TOWNSHIP, RegionLevel.VILLAGE
        session.add_all(
            [
                Region(code=TOWNSHIP, name="寺庄镇", level=township, parent_code=COUNTY),
                Region(code=VILLAGE, name="东村", level=village, parent_code=TOWNSHIP),
                Region(code="140581200", name="马村镇", level=township, parent_code=COUNTY),
            ]
        )
        household = Household(
            household_number="1405811003000009",
            region_code=UNNAMED_VILLAGE,
            household_type=HouseholdType.MONITORED,
            monitoring_category="边缘易致贫户",
        )
        session.add(household)
        session.flush()
        zhang = upsert_person(session, id_number=ZHANG_ID, name="张三", bank_account=ZHANG_CARD,
                              region_code=VILLAGE).person  # fmt: skip
        li = upsert_person(
            session, id_number=LI_ID, name="李四", bank_account=LI_CARD,
            region_code=UNNAMED_VILLAGE, household_id=household.id,
        ).person  # fmt: skip
        zhao = upsert_person(session, id_number=ZHAO_ID, name="赵六", bank_account=ZHAO_CARD,
                             region_code=OTHER_TOWNSHIP_VILLAGE).person  # fmt: skip
        relative = upsert_person(session, id_number="140421198511200516", name="李小",
                                 region_code=UNNAMED_VILLAGE).person  # fmt: skip
        chats = {
            name: ChatIdentity(channel=Channel.WEB, external_id=name, language=language,
                               person_id=person_id)
            for name, language, person_id in [
                ("zhang", "zh_CN", zhang.id), ("li", "en", li.id),
                ("relative", "zh_CN", relative.id), ("admin", "zh_CN", None),
                ("township", "zh_CN", None),
            ]
        }  # fmt: skip
        session.add_all(chats.values())
        admin = Staff(name="县管理员", role=StaffRole.COUNTY_ADMIN, region_code=COUNTY)
        township = Staff(name="镇干部", role=StaffRole.TOWNSHIP, region_code=TOWNSHIP)
        session.add_all([admin, township])
        session.flush()
        chats["admin"].staff_id = admin.id
        chats["township"].staff_id = township.id

        first = _application(session, zhang, Program.TRANSPORT, 1500, VILLAGE)
        second = _application(
            session, li, Program.TRANSPORT, 600, UNNAMED_VILLAGE,
            facts={"household_type": "monitored", "work_place": "140105", "monthly_wage": 2500,
                   "work_from": "2025-05", "work_to": None},
            capacity=Capacity.RELATIVE, submitted_by_chat_identity_id=chats["relative"].id,
        )  # fmt: skip
        third = _application(session, zhao, Program.TRANSPORT, 1500, OTHER_TOWNSHIP_VILLAGE)
        stable = _application(session, zhang, Program.STABLE_EMPLOYMENT, 1200, VILLAGE)
        pending_person = upsert_person(session, id_number="140581201006010320", name="钱七",
                                       region_code=VILLAGE).person  # fmt: skip
        pending = _application(session, pending_person, Program.TRANSPORT, 1500, VILLAGE,
                               status=ApplicationStatus.COUNTY_REVIEW)  # fmt: skip
        outsider = upsert_person(session, id_number="140427199001010011", name="孙八",
                                 region_code="140427100100").person  # fmt: skip
        elsewhere = _application(session, outsider, Program.TRANSPORT, 1500, "140427100100")
        session.add_all(
            [
                Finding(application_id=first.id, code="registry_work_record",
                        severity=Severity.INFO, registry_values={"place": "江苏省"}),
                Finding(application_id=second.id, code="wage_mismatch", severity=Severity.WARNING,
                        registry_values={"declared_wage_fen": 250000, "income_fen": 120000,
                                         "tolerance_percent": 30}),
                BudgetAllocation(county_code=COUNTY, year=YEAR, program=Program.TRANSPORT,
                                 amount_fen=500_000, source_document="测试"),
            ]
        )  # fmt: skip
        return County(
            zhang=first.id, li=second.id, zhao=third.id, zhang_stable=stable.id,
            pending=pending.id, elsewhere=elsewhere.id, zhang_chat=chats["zhang"].id,
            li_chat=chats["li"].id, relative_chat=chats["relative"].id,
            admin_chat=chats["admin"].id, township_chat=chats["township"].id,
        )  # fmt: skip
