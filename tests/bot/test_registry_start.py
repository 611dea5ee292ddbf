"""Start from the registry (免申即享): a verified person whose monitoring work records qualify
them is greeted with what the records say and what they can claim, and claims in a few taps;
a cadre lists the villagers who can claim and applies for them with the records prefilled.

On the conversations' clock (tests/bot/conftest.py TODAY, 2025-12-01) the windows of the 2025
claims are open: transport until 12-25, the others until 12-31."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from bot.dialogs import records
from bot.messages import FileRef
from common.i18n import translate
from db.enums import ApplicationStatus, Capacity, HouseholdType, Program
from db.models import Application, ChatIdentity, Finding, Household, MonitoringEmployment, Person
from db.queries import Actor, submit, upsert_person
from db.queries.crosscheck.run import crosscheck_application
from db.queries.drafts import verify_identity
from db.types import utcnow
from tests.bot.conftest import (
    OTHER_VILLAGE,
    QUICK_CHECK,
    TODAY,
    VILLAGE,
    WORKER_ID,
    run,
)
from tests.bot.test_dialogs import make_cadre
from tests.security.helpers import LimitsClock, draft_to_the_end

NINGBO = {
    "work_county_code": "3302",
    "work_place": "浙江省宁波市",
    "start_month": date(2025, 3, 1),
    "end_month": date(2025, 11, 1),
    "channel": "外出务工",
    "employer_name": "宁波海曙电子有限公司",
    "monthly_income_fen": 400_000,
}
UNREGISTERED_ID = "140524196208150136"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(sequence: int, region: str = "140581", birth: str = "19850101") -> str:
    """A resident ID with a correct check character (GB 11643-1999)."""
    body = f"{region}{birth}{sequence:03d}"
    total = sum(int(digit) * weight for digit, weight in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def add_record(session_factory, person_id: int, **values) -> None:
    with session_factory.begin() as session:
        session.add(MonitoringEmployment(person_id=person_id, **{**NINGBO, **values}))


def verified_chat(chat, session_factory, person_id: int, user: str = "worker-chat"):
    """A chat verified as the person earlier (an SMS code some day before)."""
    with session_factory.begin() as session:
        identity = ChatIdentity(channel="web", external_id=user, language="zh_CN", state={})
        person = session.get(Person, person_id)
        assert person is not None
        verify_identity(identity, person, via="sms", now=utcnow())
        session.add(identity)
    return chat(user)


def applications(session_factory, person_id: int | None = None) -> list[Application]:
    with session_factory() as session:
        query = sa.select(Application).order_by(Application.program)
        if person_id is not None:
            query = query.where(Application.person_id == person_id)
        return list(session.scalars(query))


@pytest.fixture
def clock() -> LimitsClock:
    """The guessing limits in memory on a clock the test moves."""
    from bot.dialogs.verify import install_limits
    from common.limits import MemoryLimits

    moved = LimitsClock()
    install_limits(MemoryLimits(clock=moved))
    return moved


def line_with(text: str, part: str) -> str:
    return next(line for line in text.splitlines() if part in line)


DECLARED = translate("zh_CN", records.DECLARED, line="")


def test_a_verified_worker_is_greeted_with_what_the_records_say_and_mean(
    chat, registry, session_factory
):
    add_record(session_factory, registry["worker"])
    worker = verified_chat(chat, session_factory, registry["worker"])
    worker.say("你好")
    text = worker.text
    assert "2025年3月至11月" in text
    assert "浙江省宁波市" in text and "宁波海曙电子有限公司" in text
    assert "4000" in line_with(text, "浙江省宁波市") or "4000" in text
    # What it means, by the policy: 1500 for another province, 1200 for 9 months at 4000.
    assert "1500元" in text and "1200元" in text
    assert DECLARED not in text  # everything from the records
    assert worker.buttons[:2] == [records.APPLY, records.FIX]
    assert "menu:main" in worker.buttons  # the menu stays one tap away
    assert "menu:check" not in worker.buttons  # not the generic greeting


def test_a_verified_worker_claims_from_the_records_in_at_most_five_messages(
    chat, registry, session_factory
):
    add_record(session_factory, registry["worker"])
    worker = verified_chat(chat, session_factory, registry["worker"])
    worker.say("你好")  # 1
    worker.tap(records.APPLY)  # 2: the bank card; the records hold one
    assert "bank:file" in worker.buttons
    worker.tap("bank:file")  # 3: the summary with the pledge, no proof step
    assert "pledge:accept" in worker.buttons and "done" not in worker.buttons
    assert "6217000010002000305" not in worker.text and "****" in worker.text
    assert "承诺" in worker.text  # the pledge itself, in the same message as the summary
    worker.tap("pledge:accept")  # 4
    assert worker.update_id <= 5, "at most five messages from the greeting to submitted"
    assert "WG2025-" in worker.text
    saved = applications(session_factory)
    assert [(a.program, a.amount_fen, a.status) for a in saved] == [
        (Program.STABLE_EMPLOYMENT, 120_000, ApplicationStatus.SUBMITTED),
        (Program.TRANSPORT, 150_000, ApplicationStatus.SUBMITTED),
    ]
    facts = saved[0].facts
    assert {k: facts[k] for k in ("work_place", "work_from", "work_to", "monthly_wage")} == {
        "work_place": "3302",
        "work_from": "2025-03",
        "work_to": "2025-11",
        "monthly_wage": "4000",
    }
    assert facts["channel"] == "migrant" and facts["same_employer"] is True
    assert facts["identity_check"] == "sms" and facts["year"] == 2025
    assert set(facts["source"].values()) == {"records", "registry"}
    assert facts["source"]["monthly_wage"] == "records"
    assert saved[0].bank_account_snapshot == "6217000010002000305"
    # Claimed: the next greeting is the usual one.
    worker.say("你好")
    assert "menu:check" in worker.buttons and records.APPLY not in worker.buttons


def test_a_corrected_wage_is_kept_as_declared_and_cross_checked(chat, registry, session_factory):
    add_record(session_factory, registry["worker"])
    worker = verified_chat(chat, session_factory, registry["worker"])
    worker.say("你好")
    worker.tap(records.FIX)
    assert "part:wage" in worker.buttons and "part:place" in worker.buttons
    worker.tap("part:wage")
    assert "3000" in worker.text  # the quick check's own wage question
    worker.say("六千")
    # Back at the records, the wage marked as declared, the rest as the records say.
    assert records.APPLY in worker.buttons
    assert DECLARED in line_with(worker.text, "6000")
    assert DECLARED not in line_with(worker.text, "浙江省宁波市")
    assert "4000" not in worker.text
    worker.tap(records.APPLY)
    worker.tap("bank:file")
    assert "6000" in worker.text  # in the summary
    worker.tap("pledge:accept")
    saved = applications(session_factory)
    assert len(saved) == 2
    for application in saved:
        assert application.facts["monthly_wage"] == "6000"
        assert application.facts["source"]["monthly_wage"] == "declared"
        assert application.facts["source"]["work_place"] == "records"
    # The cross-check compares the declared wage with the record's like any claim's.
    with session_factory.begin() as session:
        for application in saved:
            crosscheck_application(session, application.id, today=TODAY)
    with session_factory() as session:
        codes = set(session.scalars(sa.select(Finding.code)))
    assert "wage_mismatch" in codes
    # The village's reviewer sees which fact was declared instead of the records'.
    cadre = make_cadre(chat, session_factory, VILLAGE)
    cadre.say("/review")
    declared = translate(
        "zh_CN",
        "Claimed from the monitoring records; declared instead: {facts}",
        facts=translate("zh_CN", "Wage"),
    )
    assert declared in cadre.text


def test_a_corrected_place_is_asked_with_the_checks_question(chat, registry, session_factory):
    add_record(session_factory, registry["worker"])
    worker = verified_chat(chat, session_factory, registry["worker"])
    worker.say("你好")
    worker.tap(records.FIX)
    worker.tap("part:place")
    worker.say("太原")
    assert records.APPLY in worker.buttons
    assert DECLARED in line_with(worker.replies[-1].text, "太原")
    assert "600元" in worker.text and "1500元" not in worker.text  # Shanxi outside the county


def test_without_qualifying_records_the_greeting_is_the_usual_one(chat, registry, session_factory):
    worker = verified_chat(chat, session_factory, registry["worker"])
    worker.say("你好")
    assert "menu:check" in worker.buttons and records.APPLY not in worker.buttons
    # Work in the home county for 3 months: no program pays, so nothing is offered either.
    add_record(
        session_factory,
        registry["worker"],
        work_county_code="140581",
        work_place="高平市",
        start_month=date(2025, 4, 1),
        end_month=date(2025, 6, 1),
    )
    worker.say("你好")
    assert "menu:check" in worker.buttons and records.APPLY not in worker.buttons
    assert "高平" not in worker.text


def test_an_unverified_chat_never_sees_the_records(chat, registry, session_factory, sms, clock):
    shenzhen = {"work_county_code": "4403", "work_place": "广东省深圳市"}
    add_record(session_factory, registry["worker"], **shenzhen, monthly_income_fen=555_500)
    stranger = chat("stranger")
    stranger.say("你好")
    assert "menu:check" in stranger.buttons and records.APPLY not in stranger.buttons
    # A chat linked to the person but not verified (no code, no contact) is a stranger too.
    with session_factory.begin() as session:
        session.add(
            ChatIdentity(
                channel="web",
                external_id="linked",
                language="zh_CN",
                state={},
                person_id=registry["worker"],
                phone_verified=False,
            )
        )
    linked = chat("linked")
    linked.say("你好")
    assert "menu:check" in linked.buttons and "深圳" not in linked.text
    # Claims typed for a registered ID with records and for an unknown one read the same.
    registered, unknown = chat("stranger-1"), chat("stranger-2")
    run(registered, QUICK_CHECK)
    run(unknown, QUICK_CHECK)
    seen_registered = draft_to_the_end(registered, WORKER_ID)
    seen_unknown = draft_to_the_end(unknown, UNREGISTERED_ID)
    assert sms.sent, "the registered person's phone did get a code"

    def shape(steps, masked):
        return [[(text.replace(masked, "<ID>"), b) for text, b in step] for step in steps]

    assert shape(seen_registered, "1405**********1232") == shape(seen_unknown, "1405**********0136")
    everything = str(seen_registered)
    assert "深圳" not in everything and "5555" not in everything
    # Without a quick check first, the draft asks the questions, never the records' offer.
    clock.advance(61)  # a code for this ID may be sent again
    third = chat("stranger-3")
    third.tap("menu:apply")
    third.say(WORKER_ID)
    third.tap("verify:nocode")
    assert "深圳" not in third.text and records.APPLY not in third.buttons


def test_several_records_the_longest_job_is_used_and_the_others_are_said(
    chat, registry, session_factory
):
    worker_id = registry["worker"]
    add_record(
        session_factory,
        worker_id,
        work_county_code="140100",
        work_place="太原市",
        start_month=date(2025, 1, 1),
        end_month=date(2025, 2, 1),
        employer_name="太原某建筑公司",
    )
    add_record(session_factory, worker_id)  # Ningbo, March to November: the longest
    add_record(
        session_factory,
        worker_id,
        work_county_code="3201",
        work_place="江苏省南京市",
        start_month=date(2024, 6, 1),
        end_month=date(2024, 12, 1),  # before 2025: not counted
    )
    worker = verified_chat(chat, session_factory, worker_id)
    worker.say("你好")
    assert "浙江省宁波市" in worker.text and "太原" not in worker.text
    assert "南京" not in worker.text
    others = translate("zh_CN", records.OTHERS, count=1, year=2025)
    assert others in worker.text
    worker.tap(records.APPLY)
    worker.tap("bank:file")
    worker.tap("pledge:accept")
    assert {a.facts["work_place"] for a in applications(session_factory)} == {"3302"}


def test_after_verifying_inside_apply_the_records_replace_the_questions(
    chat, registry, session_factory
):
    add_record(session_factory, registry["worker"])
    worker = chat("new-chat")
    worker.tap("menu:apply")
    worker.identify(WORKER_ID)
    assert "浙江省宁波市" in worker.text and records.APPLY in worker.buttons
    worker.tap(records.APPLY)
    worker.tap("bank:file")
    worker.tap("pledge:accept")
    assert {a.status for a in applications(session_factory)} == {ApplicationStatus.SUBMITTED}


def add_villagers(session_factory, count: int, village: str = VILLAGE) -> list[int]:
    """`count` 脱贫户 workers of `village`, each with a qualifying record (Ningbo, 9 months)."""
    ids = []
    with session_factory.begin() as session:
        for n in range(count):
            household = Household(
                household_number=f"{village}9{n:03d}",
                region_code=village,
                household_type=HouseholdType.POVERTY_ALLEVIATED,
            )
            session.add(household)
            session.flush()
            person = upsert_person(
                session,
                id_number=make_id(100 + n + (500 if village != VILLAGE else 0)),
                name=f"村民{n:02d}",
                household_id=household.id,
                region_code=village,
            ).person
            session.add(MonitoringEmployment(person_id=person.id, **NINGBO))
            ids.append(person.id)
    return ids


def test_the_cadre_list_pages_through_the_unclaimed_qualifying_people_of_the_region(
    chat, registry, session_factory
):
    villagers = add_villagers(session_factory, 12)
    add_villagers(session_factory, 2, OTHER_VILLAGE)  # another village: not the cadre's
    add_record(session_factory, registry["neighbour"])  # lives in OTHER_VILLAGE too
    # Not qualifying: work in the home county for 3 months.
    add_record(
        session_factory,
        registry["worker"],
        work_county_code="140581",
        start_month=date(2025, 4, 1),
        end_month=date(2025, 6, 1),
    )
    # Already claimed both programs: not listed.
    claimed = villagers[3]
    with session_factory.begin() as session:
        person = session.get(Person, claimed)
        identity = ChatIdentity(channel="web", external_id="claimer", language="zh_CN", state={})
        session.add(identity)
        session.flush()
        for program in (Program.TRANSPORT, Program.STABLE_EMPLOYMENT):
            submit(
                session,
                person=person,
                program=program,
                year=2025,
                facts={},
                decision={},
                amount=0,
                actor=Actor.of_chat_identity(identity),
                submitted_by=identity,
            )
    cadre = make_cadre(chat, session_factory, VILLAGE)
    assert "menu:claimable" in cadre.buttons
    cadre.tap("menu:claimable")
    first_page = [b for b in cadre.buttons if b.startswith("claimfor:")]
    assert len(first_page) == 10
    assert "claimable:1" in cadre.buttons and "claimable:0" not in cadre.buttons
    assert "1405**********" in cadre.text and "村民00" in cadre.text
    assert "1500元" in cadre.text and "1200元" in cadre.text
    cadre.tap("claimable:1")
    second_page = [b for b in cadre.buttons if b.startswith("claimfor:")]
    assert "claimable:0" in cadre.buttons and "claimable:2" not in cadre.buttons
    listed = {int(b.split(":")[1]) for b in first_page + second_page}
    assert listed == set(villagers) - {claimed}
    cadre.tap("claimable:0")
    assert [b for b in cadre.buttons if b.startswith("claimfor:")] == first_page


def test_tapping_a_listed_person_starts_a_prefilled_delegated_claim(
    chat, registry, session_factory
):
    add_record(session_factory, registry["worker"])
    cadre = make_cadre(chat, session_factory, VILLAGE)
    cadre.tap("menu:claimable")
    assert "张三" in cadre.text
    cadre.tap(f"claimfor:{registry['worker']}")
    assert "village_cadre" in cadre.buttons  # the relationship: no ID number typed
    cadre.tap("village_cadre")
    cadre.tap("agree:letter")
    cadre.send(file=FileRef(kind="photo", file_id="letter-1"))
    # The records, about the worker by name, prefilled.
    assert "张三" in cadre.text and "浙江省宁波市" in cadre.text and "2025年3月至11月" in cadre.text
    cadre.tap(records.APPLY)
    cadre.tap("bank:file")
    assert "受张三委托" in cadre.text  # the delegate's pledge with the summary
    cadre.tap("pledge:accept")
    saved = applications(session_factory)
    assert {a.status for a in saved} == {ApplicationStatus.SUBMITTED}
    assert {a.capacity for a in saved} == {Capacity.VILLAGE_CADRE}
    assert {a.consent_kind for a in saved} == {"letter"}
    assert {a.facts["work_place"] for a in saved} == {"3302"}
    assert {a.facts["source"]["work_from"] for a in saved} == {"records"}
    # Claimed now: the worker is no longer listed.
    cadre.tap("menu:claimable")
    assert f"claimfor:{registry['worker']}" not in cadre.buttons


def test_a_forged_tap_on_someone_outside_the_region_starts_nothing(chat, registry, session_factory):
    add_record(session_factory, registry["neighbour"])  # OTHER_VILLAGE
    cadre = make_cadre(chat, session_factory, VILLAGE)
    cadre.send(button=f"claimfor:{registry['neighbour']}")
    assert "李四" not in cadre.text and "relative" not in cadre.buttons


def test_leaving_the_offer_for_the_menu_and_applying_shows_it_again(
    chat, registry, session_factory
):
    add_record(session_factory, registry["worker"])
    worker = verified_chat(chat, session_factory, registry["worker"])
    worker.say("你好")
    worker.tap("menu:main")
    assert "menu:apply" in worker.buttons
    worker.tap("menu:apply")
    worker.say(WORKER_ID)  # this chat is verified as this person: no code again
    assert "浙江省宁波市" in worker.text and records.APPLY in worker.buttons


def test_the_offer_is_confirmed_or_corrected_in_words(chat, registry, session_factory):
    add_record(session_factory, registry["worker"])
    worker = verified_chat(chat, session_factory, registry["worker"])
    worker.say("你好")
    worker.say("不对")
    assert "offer:back" in worker.buttons, "which fact is wrong"
    worker.tap("offer:back")
    worker.say("对的 没错")
    assert "bank:file" in worker.buttons
