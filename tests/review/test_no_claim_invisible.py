"""No claim is invisible: every open claim waits where someone can act on it.

The walk covers every open status × the depth of the claim's region code (county, township,
village) × which reviewers below the county exist; a county admin always exists.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from db.enums import (
    ApplicationStatus,
    Channel,
    NoticeLevel,
    NoticeStatus,
    ObjectionStatus,
    Program,
    RegionLevel,
    StaffRole,
)
from db.models import (
    Application,
    AuditEvent,
    ChatIdentity,
    Notice,
    NoticeItem,
    Objection,
    Person,
    Region,
    Staff,
)
from db.queries import review as rules
from db.queries import upsert_person
from db.queries.applications import applications_of
from db.queries.notices import due_notice_ids
from db.queries.objections import may_resolve, open_objections
from db.queries.review_queue import queue
from db.types import utcnow
from tests.review.conftest import make_staff

S = ApplicationStatus
STAFF_ACTED = (S.VILLAGE_REVIEW, S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW, S.ON_HOLD)
# Statuses where the applicant or a sweep acts, not a reviewer.
OTHERS_ACT = (S.SUBMITTED, S.RETURNED, S.VILLAGE_NOTICE, S.TOWNSHIP_NOTICE)
DEPTHS = (6, 9, 12)
REVIEWERS = ("cadre and township", "cadre only", "township only", "nobody")


def claim_in(session, county: str, depth: int, status: ApplicationStatus, n: int) -> Application:
    """A claim of a new person whose region code has ``depth`` digits under ``county``."""
    code = (county + "101" + "201")[:depth]
    person = upsert_person(session, id_number=_id(n), name=f"测试{n}", region_code=code).person
    application = Application(
        person_id=person.id,
        program=Program.TRANSPORT,
        year=2025,
        region_code=code,
        status=status,
        facts={"work_place": "33", "work_from": "2025-02", "work_to": "2025-10"},
        decision={"eligible": True, "amount": 1500},
        amount_fen=150_000,
        submitted_at=utcnow() - timedelta(hours=1),
    )
    session.add(application)
    session.flush()
    return application


def _id(n: int) -> str:
    """A valid ID number of 高平 born 1990, sequence ``n``."""
    body = f"14058119900315{n:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def register(session, county: str) -> None:
    session.add_all(
        [
            Region(code=county, name="测试县", level=RegionLevel.COUNTY, parent_code=county[:4]),
            Region(
                code=county + "101", name="测试镇", level=RegionLevel.TOWNSHIP, parent_code=county
            ),
            Region(
                code=county + "101201",
                name="测试村",
                level=RegionLevel.VILLAGE,
                parent_code=county + "101",
            ),
        ]
    )


def staff_of_county(session, county: str, reviewers: str) -> list[Staff]:
    members = [Staff(name="县管理员", role=StaffRole.COUNTY_ADMIN, region_code=county)]
    if "cadre" in reviewers:
        members.append(Staff(name="村干部", role=StaffRole.CADRE, region_code=county + "101201"))
    if "township" in reviewers:
        members.append(Staff(name="乡镇", role=StaffRole.TOWNSHIP, region_code=county + "101"))
    session.add_all(members)
    session.flush()
    return members


def on_notice(session, application: Application, *, held: bool) -> Notice:
    """Post the notice of the claim's level; ``held``: someone objected to it."""
    village = len(application.region_code) == 12
    level = NoticeLevel.VILLAGE if village else NoticeLevel.TOWNSHIP
    now = utcnow()
    notice = Notice(
        level=level.value,
        region_code=application.region_code[: 12 if village else 9],
        number=f"GS-{application.id}",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=4),
        status=NoticeStatus.POSTED.value,
    )
    session.add(notice)
    session.flush()
    session.add(NoticeItem(notice_id=notice.id, application_id=application.id))
    if held:
        session.add(
            Objection(
                notice_id=notice.id,
                application_id=application.id,
                text="不是本村人",
                status=ObjectionStatus.OPEN,
            )
        )
    session.flush()
    return notice


def who_can_act(session, application: Application, members: list[Staff]) -> list[Staff]:
    """The staff whose queue lists the claim (or its objection) and who may act on it."""
    found = []
    for member in members:
        if application.status == S.ON_HOLD:
            for objection in open_objections(session, member):
                if objection.application_id == application.id:
                    notice = session.get(Notice, objection.notice_id)
                    may_resolve(member, notice)
                    found.append(member)
            continue
        if member.role not in rules.REVIEW_STATUS:
            continue
        listed = {a.id for a in queue(session, member, limit=10_000)}
        if application.id in listed:
            rules.precheck(member, rules.Action.RETURN, application)  # raises if it cannot
            found.append(member)
    return found


def test_every_open_claim_waits_where_someone_can_act_on_it(session):
    """Given every status × region depth × the reviewers that exist below the county, a claim
    waiting for a reviewer is in the queue of one who may act on it (the county admin when
    nobody below can), and every other open claim is in the hands of its applicant or of a
    sweep."""
    cases = list(itertools.product(STAFF_ACTED + OTHERS_ACT, DEPTHS, REVIEWERS))
    checked = 0
    for n, (status, depth, reviewers) in enumerate(cases):
        county = f"99{n:04d}"  # a county of its own per case, outside the real register
        register(session, county)
        members = staff_of_county(session, county, reviewers)
        noticed = status in (S.ON_HOLD, S.VILLAGE_NOTICE, S.TOWNSHIP_NOTICE)
        if noticed and depth < 9:
            continue  # no notice lists a claim that has no township or village
        if status == S.VILLAGE_NOTICE and depth < 12:
            continue
        application = claim_in(session, county, depth, status, n)
        where = f"{status.value} at {depth} digits, reviewers: {reviewers}"
        if status in STAFF_ACTED:
            if status == S.ON_HOLD:
                on_notice(session, application, held=True)
            assert who_can_act(session, application, members), where
        elif status == S.SUBMITTED:
            assert application.id in _left_for_the_sweep(session), where
        elif status == S.RETURNED:  # the applicant corrects it from "My applications"
            identity = ChatIdentity(
                channel=Channel.WEB, external_id=f"applicant-{n}", person_id=application.person_id
            )
            session.add(identity)
            session.flush()
            assert application in applications_of(session, identity), where
        else:  # on a notice: the sweep closes it when it ends
            notice = on_notice(session, application, held=False)
            assert notice.id in due_notice_ids(session, notice.ends_at), where
        checked += 1
    assert checked == 80  # 96 cases less the 16 no notice can list


def _left_for_the_sweep(session) -> set[int]:
    return set(session.scalars(sa.select(Application.id).where(Application.status == S.SUBMITTED)))


def test_a_claim_on_a_county_code_is_given_its_village_in_chat(chat, session_factory):
    """Given a claim at village review registered under 高平's county code only, the county
    admin sees it marked, assigns 三甲镇 / 三甲村 with two taps, and the claim (and its
    person) move to the village, where its cadre finds it."""
    with session_factory.begin() as session:  # 三甲镇 / 三甲村委会 are in the shipped register
        claim = claim_in(session, "140581", 6, S.VILLAGE_REVIEW, 7)
        claim_id, person_id = claim.id, claim.person_id
    admin = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, "140581")
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, "140581102225")
    cadre.say("/review")
    assert f"review:return:{claim_id}" not in cadre.buttons
    admin.say("/review")
    assert "⚠️" in admin.text
    admin.tap(f"assign:{claim_id}")
    admin.tap("region:140581102")
    admin.tap("region:140581102225")
    with session_factory() as session:
        assert session.get(Application, claim_id).region_code == "140581102225"
        assert session.get(Person, person_id).region_code == "140581102225"
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "assign_region")
        ).one()
        assert event.data == {"from": "140581", "to": "140581102225"}
    cadre.say("/review")
    assert f"review:return:{claim_id}" in cadre.buttons


@pytest.mark.parametrize("depth", [6, 12])
def test_the_county_admin_can_return_a_claim_nobody_below_can_review(chat, session_factory, depth):
    """Given a claim at village review whose village has no cadre (or no village at all), the
    county admin can return it to the applicant from their queue."""
    with session_factory.begin() as session:
        claim_id = claim_in(session, "140581", depth, S.VILLAGE_REVIEW, 8).id
    admin = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, "140581")
    admin.say("/review")
    admin.tap(f"review:return:{claim_id}")
    admin.say("请补充务工证明")
    with session_factory() as session:
        assert session.get(Application, claim_id).status == S.RETURNED


def test_a_county_admin_cannot_confirm_a_claim_that_skipped_the_notices(chat, session_factory):
    """The county's fallback is to return, reject or assign: approving a claim still waiting
    for the village review would skip both public notices, and is refused."""
    with session_factory.begin() as session:
        claim = claim_in(session, "140581", 12, S.VILLAGE_REVIEW, 9)
        claim_id = claim.id
    admin = make_staff(chat, session_factory, StaffRole.COUNTY_ADMIN, "140581")
    admin.say("/review")
    assert f"review:approve:{claim_id}" not in admin.buttons
    admin.send(button=f"review:approve:{claim_id}")
    with session_factory() as session:
        assert session.get(Application, claim_id).status == S.VILLAGE_REVIEW
