"""One season on data as a county has it, end to end through the chat.

The exports in the national layout (docs/data/monitoring-sample: 县/乡/村 in words, headers on
row 3), a budget in the county's own layout, staff invited for codes of the shipped register,
a worker who applies on the web chat, the cross-check, both public notices, the county's
confirmation, the roster to finance and the payment — and a worker whose village the register
lacks, whom the county admin places. Nothing here is a fixture in a shape no county has.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bot.engine import Conversations
from db.enums import ApplicationStatus as S
from db.enums import Channel, StaffRole
from db.imports import import_allocations, import_monitoring
from db.models import Application, Notice, Notification, Person, RosterBatch
from db.queries import Actor, application_number
from db.queries.payments import record_payment
from tests.bot.conftest import Chat
from tests.review.conftest import approve_all_and_post, cross_check, make_staff
from workers.notices import close_due

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "data" / "monitoring-sample"
TODAY = date(2025, 12, 1)
WANG = "140581198509072481"  # 王秀英, 寺庄镇寺庄村, works in 太原 since 2025-04
LI = "140581198004125314"  # 李建国, 三甲镇 "三甲北村" (not in the register), works in 宁波
SIZHUANG_VILLAGE, SIZHUANG, SANJIA_VILLAGE = "140581109201", "140581109", "140581102225"
BUDGET = (
    "county_code,year,program,budget_cny,target_persons,target_min_ratio,amount_rule,deadline,"
    "satisfaction_target\n"
    "140581,2025,transport,500000,800,1.00,定额,12-25,0.95\n"
    "140581,2025,stable_employment,250000,200,1.00,200元×6,12-31,0.95\n"
)


def person(session_factory, id_number: str) -> Person:
    from db.queries import find_person_by_id_number

    with session_factory() as session:
        found = find_person_by_id_number(session, id_number)
        assert found is not None
        return found


def claims_of(session_factory, id_number: str) -> dict[str, Application]:
    with session_factory() as session:
        rows = session.scalars(
            sa.select(Application).where(
                Application.person_id == person(session_factory, id_number).id
            )
        )
        return {a.program.value: a for a in rows}


def notice_end(session_factory, number: str):
    with session_factory() as session:
        return session.scalars(sa.select(Notice.ends_at).where(Notice.number == number)).one()


REASON = "监测系统的600元是2024年的交通补贴，年份录错，已电话核实"


def approve_everything(reviewer: Chat) -> None:
    """Approve every claim of the queue; where a ⛔ finding asks for a reason, give it."""
    reviewer.say("/review")
    while any(b.startswith("review:approve:") for b in reviewer.buttons):
        reviewer.tap(next(b for b in reviewer.buttons if b.startswith("review:approve:")))
        if "⛔" in reviewer.text:
            reviewer.say(REASON)


def apply_as(worker: Chat, id_number: str, place: str, period: str) -> None:
    """A worker applies on the web chat: once verified, the monitoring records' offer (what
    they say of the work and what it means), confirmed; a new card typed as printed on it."""
    worker.tap("menu:apply")
    worker.identify(id_number)
    assert place in worker.text and period in worker.text, worker.text
    worker.tap("offer:apply")
    worker.say("6217 0000 1000 2000 308")  # a new card, as printed on it
    worker.tap("bankname:0")
    worker.tap("pledge:accept")  # the summary comes with the pledge
    assert "WG2025-" in worker.text, worker.text


def test_a_season_on_a_countys_own_data(engine, session_factory, tmp_path):
    # Given the county's exports, imported as they come from the national system
    for name in ("监测对象信息.xlsx", "已外出务工信息.xlsx"):
        result = import_monitoring(engine, SAMPLE / name, error_path=tmp_path / f"{name}.err.xlsx")
        assert result.errors == 0
        assert result.warnings == 3  # the three people of 三甲北村, which the register lacks
    assert person(session_factory, WANG).region_code == SIZHUANG_VILLAGE  # 寺庄镇寺庄村
    assert person(session_factory, LI).region_code == "140581102"  # 三甲镇, village unknown
    # And its budget in its own layout (yuan, targets)
    budget = tmp_path / "budget-2025.csv"
    budget.write_text(BUDGET, encoding="utf-8")
    assert import_allocations(engine, budget).errors == 0

    conversations = Conversations(session_factory, today=lambda: TODAY)

    def chat(user: str = "user", channel: Channel = Channel.WEB) -> Chat:
        return Chat(conversations, channel, user)

    # And staff invited for codes of the shipped register
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, SIZHUANG_VILLAGE, "cadre")
    assert "寺庄" in cadre.text  # welcomed with the region in words
    township = make_staff(chat, session_factory, StaffRole.TOWNSHIP, SIZHUANG, "township")
    county = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, "140581", "county")

    # When 王秀英 applies in the web chat from her records (太原 since April, 3000 a month)
    wang = chat("wang")
    apply_as(wang, WANG, "山西省太原市小店区", "2025年4月至今")
    cross_check(session_factory)
    assert {p: a.status for p, a in claims_of(session_factory, WANG).items()} == {
        "transport": S.VILLAGE_REVIEW,
        "stable_employment": S.VILLAGE_REVIEW,
    }
    # Then her village's cadre reviews her claims: the registry shows a transport subsidy of
    # 600 already in 2025 (⛔), so approving that claim takes the cadre's reason ...
    transport_id = claims_of(session_factory, WANG)["transport"].id
    cadre.say("/review")
    cadre.tap(f"review:approve:{transport_id}")
    assert "⛔" in cadre.text
    cadre.say(REASON)
    # ... and posts the village notice
    village_notice = approve_all_and_post(cadre)
    assert close_due(session_factory, notice_end(session_factory, village_notice)) == 1
    # ... the township reviews and posts its notice ...
    approve_everything(township)
    township_notice = approve_all_and_post(township)
    assert close_due(session_factory, notice_end(session_factory, township_notice)) == 1
    # ... and the county confirms both within its budget
    approve_everything(county)
    claims = claims_of(session_factory, WANG)
    assert {p: a.status for p, a in claims.items()} == {
        "transport": S.APPROVED,
        "stable_employment": S.APPROVED,
    }
    assert (claims["transport"].amount_fen, claims["stable_employment"].amount_fen) == (
        60_000,
        120_000,
    )
    assert claims["transport"].bank_name == "农村商业银行（农村信用社）"

    # When the county sends the transport roster to finance
    county.say("/roster")
    county.tap("roster:pick:2025:transport")
    county.tap("roster:fin:2025:transport")
    county.say("/roster")
    county.tap("roster:pick:2025:transport")
    county.tap("roster:send:2025:transport")
    county.tap("roster:sendyes:2025:transport")
    # Then the applicant is told the date the money is due: 7 working days after sending
    with session_factory() as session:
        batch = session.scalars(sa.select(RosterBatch)).one()
        assert batch.due_date == date(2025, 12, 10)
    wang.say("/status")
    assert "2025-12-10" in wang.text
    # And once finance has paid, the claim is paid and she is told
    with session_factory.begin() as session:
        paid = session.get(Application, claims["transport"].id)
        record_payment(session, paid, Actor.system("test"), payment_ref="BANK-1")
        number = application_number(paid)
    with session_factory() as session:
        told = session.scalars(sa.select(Notification.text).order_by(Notification.id)).all()
    assert any(number in text and "600" in text for text in told[-3:])

    # And 李建国, whose village the register lacks, is not lost: his claim waits for the county
    li = chat("li")
    apply_as(li, LI, "浙江省宁波市鄞州区", "2025年3月至11月")
    cross_check(session_factory)
    transport = claims_of(session_factory, LI)["transport"]
    assert transport.region_code == "140581102" and transport.status == S.VILLAGE_REVIEW
    county.say("/review")
    assert "⚠️" in county.text and f"assign:{transport.id}" in county.buttons
    county.tap(f"assign:{transport.id}")
    county.tap("region:140581102")
    county.tap(f"region:{SANJIA_VILLAGE}")
    assert claims_of(session_factory, LI)["transport"].region_code == SANJIA_VILLAGE
    # And once 三甲村 has a cadre, the claim is in that cadre's queue
    sanjia = make_staff(chat, session_factory, StaffRole.CADRE, SANJIA_VILLAGE, "sanjia")
    sanjia.say("/review")
    assert f"review:approve:{transport.id}" in sanjia.buttons
