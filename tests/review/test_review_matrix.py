"""Roles × regions × actions: every combination allowed or refused exactly as the rules say.

The application and notices sit in village 140581100200 (township 140581100, county 140581,
city 1405). Each role's staff member sits in its own region there, in a sibling region at the
same level, or — a misconfigured role — on the parent region's code. Only the own region with
an action of the role's level is allowed; every refusal is a NotAllowed raised before any write.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.dialogs.refusals import REFUSALS
from common.i18n import translate
from db.enums import ApplicationStatus as S
from db.enums import Channel, Program, StaffRole
from db.models import Application, AuditEvent, BudgetAllocation, ChatIdentity, Objection, Staff
from db.queries import review as rules
from db.queries import upsert_person
from db.queries.notices import post_notice
from db.queries.objections import Outcome, object_to_notice, resolve_objection
from db.queries.roster_notes import set_roster_note
from db.types import utcnow
from tests.review.conftest import make_staff

VILLAGE, TOWNSHIP, COUNTY, CITY = "140581100200", "140581100", "140581", "1405"
PLACES = {
    "cadre": {"own": VILLAGE, "sibling": "140581100300", "parent": TOWNSHIP},
    "township": {"own": TOWNSHIP, "sibling": "140581101", "parent": COUNTY},
    "county_admin": {"own": COUNTY, "sibling": "140524", "parent": CITY},
    "city_admin": {"own": CITY, "sibling": "1404", "parent": "14"},
    "user": {"own": None, "sibling": None, "parent": None},
}
ACTIONS = (
    "view", "approve", "return", "reject", "post_notice", "resolve_objection", "confirm",
    "roster_note",
)  # fmt: skip
# The rules, written out independently of the code: what each role may do in its own region.
REVIEW = {"view", "approve", "return", "reject", "roster_note"}
MAY = {
    "cadre": REVIEW | {"post_notice", "resolve_objection"},
    "township": REVIEW | {"post_notice", "resolve_objection"},
    "county_admin": REVIEW | {"confirm"},
    "city_admin": {"view"},
    "user": set(),
}


def expected(role: str, place: str, action: str) -> str:
    return "allowed" if place == "own" and action in MAY[role] else "refused"


def _application(session, n: int, status: S) -> Application:
    person = upsert_person(
        session, id_number=f"1405811990031{n:04d}1", name=f"人{n}", region_code=VILLAGE
    ).person
    application = Application(
        person_id=person.id,
        program=Program.TRANSPORT,
        year=2025,
        region_code=VILLAGE,
        status=status,
        facts={"work_place": "32", "work_from": "2025-03", "work_to": "2025-11"},
        decision={"eligible": True, "amount": 1500},
        amount_fen=150_000,
    )
    session.add(application)
    session.flush()
    return application


@pytest.fixture
def world(session_factory):
    """Claims at every level, a draft and an objected notice at village and township level."""
    now = utcnow()
    with session_factory.begin() as session:
        staff = {}
        for role, places in PLACES.items():
            for place, code in places.items():
                if code is not None:
                    member = Staff(name=f"{role}-{place}", role=StaffRole(role), region_code=code)
                    session.add(member)
                    session.flush()
                    staff[role, place] = member.id
        objector = ChatIdentity(channel=Channel.WEB, external_id="objector", state={})
        session.add(objector)
        session.add(
            BudgetAllocation(
                county_code=COUNTY,
                year=2025,
                program=Program.TRANSPORT,
                amount_fen=10_000_000,
                source_document="test",
            )
        )
        session.flush()
        cadre = session.get(Staff, staff["cadre", "own"])
        township = session.get(Staff, staff["township", "own"])
        objections = {}
        for member, review_status, region, n in (
            (cadre, S.VILLAGE_REVIEW, VILLAGE, 1),
            (township, S.TOWNSHIP_REVIEW, TOWNSHIP, 4),
        ):
            on_notice = _application(session, n, review_status)
            rules.approve(session, member, on_notice)
            posted = post_notice(session, member, region, now=now, days=5)
            # Only a chat verified as a person objects (verified as the first applicant here).
            objector.person_id = objector.person_id or on_notice.person_id
            objector.phone_verified = True
            objected = object_to_notice(
                session,
                objector,
                posted.notice,
                "不属实",
                application_ids=None,
                now=now,
                per_day=3,
            )
            objections[member.role.value] = objected.objections[0].id
            rules.approve(session, member, _application(session, n + 1, review_status))
        claims = {
            "cadre": _application(session, 10, S.VILLAGE_REVIEW).id,
            "township": _application(session, 11, S.TOWNSHIP_REVIEW).id,
            "county_admin": _application(session, 12, S.COUNTY_REVIEW).id,
        }
    return {"staff": staff, "claims": claims, "objections": objections, "now": now}


def attempt(session, world, role: str, place: str, action: str) -> None:
    staff_id = world["staff"].get((role, place))
    member = session.get(Staff, staff_id) if staff_id else None
    claim = session.get(Application, world["claims"].get(role, world["claims"]["cadre"]))
    objection = session.get(Objection, world["objections"].get(role, world["objections"]["cadre"]))
    region = {"cadre": VILLAGE, "township": TOWNSHIP}.get(role, VILLAGE)
    now = world["now"] + timedelta(minutes=1)
    if action == "view":
        rules.view(session, member, claim.id)
    elif action == "approve":
        rules.approve(session, member, claim)
    elif action == "return":
        rules.return_for_correction(session, member, claim, "请补充务工证明")
    elif action == "reject":
        rules.reject(session, member, claim, "不符合条件")
    elif action == "post_notice":
        post_notice(session, member, region, now=now, days=5)
    elif action == "resolve_objection":
        resolve_objection(session, member, objection, Outcome.DISMISS, "经核实无误", now=now)
    elif action == "confirm":
        rules.confirm(session, member, session.get(Application, world["claims"]["county_admin"]))
    elif action == "roster_note":
        set_roster_note(session, member, claim, "本人在外务工，由其父代为申请")


def test_every_role_region_and_action(session_factory, world):
    outcomes = {}
    with session_factory() as session:
        for role, place, action in itertools.product(PLACES, ("own", "sibling", "parent"), ACTIONS):
            events = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
            savepoint = session.begin_nested()
            try:
                attempt(session, world, role, place, action)
                outcomes[role, place, action] = "allowed"
            except rules.NotAllowed:
                # Refused before anything was written.
                assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
                outcomes[role, place, action] = "refused"
            finally:
                savepoint.rollback()
        session.rollback()
    wrong = {case: outcome for case, outcome in outcomes.items() if outcome != expected(*case)}
    assert not wrong, wrong
    assert sum(o == "allowed" for o in outcomes.values()) == 21


def said(member, code: str) -> bool:
    """Whether the member was told the refusal of ``code``, in their language (zh_CN)."""
    return translate("zh_CN", REFUSALS[code]) in member.text


def test_refusals_in_the_chat(chat, session_factory, world):
    """A sample through the chat: a sibling village's cadre, a plain user, a city admin, the
    township on a village notice's objection and a county admin posting a notice."""
    claim = world["claims"]["cadre"]
    sibling = make_staff(chat, session_factory, StaffRole.CADRE, "140581100300")
    sibling.say("/review")
    assert f"review:approve:{claim}" not in sibling.buttons  # not in their queue
    sibling.send(button=f"review:approve:{claim}")
    assert said(sibling, "outside_region")
    sibling.send(button=f"review:return:{claim}")
    assert said(sibling, "outside_region")

    user = chat("plain-user")
    user.say("/review")
    assert said(user, "not_staff")
    user.send(button=f"review:reject:{claim}")
    assert said(user, "not_staff")

    city = make_staff(chat, session_factory, StaffRole.CITY_ADMIN, CITY)
    assert "menu:review" not in city.buttons
    city.say("/review")
    assert said(city, "wrong_role")

    township = make_staff(chat, session_factory, StaffRole.TOWNSHIP, TOWNSHIP)
    township.send(button=f"objection:dismiss:{world['objections']['cadre']}")
    assert said(township, "wrong_level")

    county = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, COUNTY)
    county.send(button="review:post")
    assert said(county, "wrong_role")

    with session_factory() as session:
        assert session.get(Application, claim).status == S.VILLAGE_REVIEW
        assert session.get(Objection, world["objections"]["cadre"]).status.value == "open"
