"""The console's work queue: what a clerk sees, finds, sorts and pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus as S
from db.enums import Program, Severity, StaffRole
from db.models import Application, Staff
from db.queries import review
from db.queries.console.queue import QueueFilters, Sort, filter_choices, queue_page
from tests.console_queue.conftest import (
    COUNTY,
    HUAISHU,
    MISHAN,
    NOW,
    SANJIA,
    XILI,
    claim,
    numbers_of,
    staff_of,
)


def ids(world, *keys: str) -> list[int]:
    return [world.claims[k] for k in keys]


def page_of(session, world, who: str, sort=Sort.OLDEST, page=1, per_page=50, **filters):
    return queue_page(
        session, staff_of(session, world, who), QueueFilters(**filters), sort, page, per_page,
        now=NOW,
    )  # fmt: skip


def test_each_role_sees_its_region_oldest_first_and_never_a_draft(session_factory, county):
    with session_factory() as session:
        assert numbers_of(page_of(session, county, "cadre")) == ids(county, "wang", "li", "zhang")
        assert numbers_of(page_of(session, county, "township")) == ids(
            county, "wang", "zhao", "li", "zhang", "ouyang"
        )
        everyone = ids(county, "zhou", "wang", "zhao", "li", "sun", "zhang", "ouyang")
        assert numbers_of(page_of(session, county, "county")) == everyone
        city = ids(county, "zhou", "wang", "zhao", "li", "sun", "zhang", "wu", "ouyang")
        assert numbers_of(page_of(session, county, "city")) == city  # 泽州县 is of 晋城市 too
        assert numbers_of(page_of(session, county, "other_county")) == ids(county, "wu")
        newest = page_of(session, county, "county", sort=Sort.NEWEST)
        assert numbers_of(newest) == everyone[::-1]
        assert county.claims["draft"] not in numbers_of(page_of(session, county, "cadre"))


def test_rows_show_what_the_review_card_shows(session_factory, county):
    with session_factory() as session:
        rows = {row.id: row for row in page_of(session, county, "cadre").rows}
    wang = rows[county.claims["wang"]]
    assert wang.name == "王小红"  # in full, as the chat's review card shows it to staff
    assert wang.number == f"WG2025-{county.claims['wang']:06d}"
    assert (wang.village, wang.township) == ("西栗庄村", "三甲镇")
    assert (wang.program, wang.year, wang.status, wang.amount_fen) == (
        Program.TRANSPORT, 2025, S.VILLAGE_REVIEW, 150_000,
    )  # fmt: skip
    assert wang.age_days == 29  # submitted 2025-11-02 08:00, seen 2025-12-01 12:00
    assert [(f.code, f.severity) for f in wang.findings] == [("wage_mismatch", Severity.ERROR)]
    assert wang.blocking == ("wage_mismatch",)
    assert wang.can_approve and wang.needs_reason
    li = rows[county.claims["li"]]
    assert li.can_approve and not li.needs_reason and li.findings == ()
    zhang = rows[county.claims["zhang"]]  # waits at the township: not the cadre's to approve
    assert not zhang.can_approve


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": S.TOWNSHIP_REVIEW}, ("zhao", "zhang", "ouyang")),
        ({"township": MISHAN}, ("zhou", "sun")),
        ({"village": HUAISHU}, ("zhao", "ouyang")),
        ({"township": SANJIA, "village": XILI}, ("wang", "li", "zhang")),
        ({"program": Program.STABLE_EMPLOYMENT}, ("ouyang",)),
        ({"finding": "wage_mismatch"}, ("wang",)),
        ({"finding": "work_place_mismatch", "status": S.TOWNSHIP_REVIEW}, ("zhao",)),
        ({"search": "建国"}, ("li", "sun")),  # names containing it (吴建国 is another county)
        ({"search": "欧阳"}, ("ouyang",)),
        ({"search": "1232"}, ("zhang",)),  # the last 4 of 140581198507071232
        ({"search": "123x"}, ("ouyang",)),  # …and of 14058119900101123X, typed in lower case
        ({"search": "１２３２"}, ("zhang",)),  # full-width digits from a Chinese keyboard
        ({"search": "140581197811302888"}, ("zhao",)),  # a full ID number
        ({"search": "140525199001015554"}, ()),  # a person of another county: not found
        ({"waiting_for_me": True}, ()),  # a county admin's own step: COUNTY_REVIEW in its county
    ],
)
def test_filters_and_search_find_exactly_the_right_claims(
    session_factory, county, filters, expected
):
    if filters.get("waiting_for_me"):
        expected = ("sun",)
    with session_factory() as session:
        page = page_of(session, county, "county", **filters)
    assert numbers_of(page) == ids(county, *expected)
    assert page.total == len(expected)


def test_search_by_application_number(session_factory, county):
    number = county.claims["zhao"]
    with session_factory() as session:
        for typed in (f"WG2025-{number:06d}", f"wg2025-{number}", str(number)):
            assert numbers_of(page_of(session, county, "township", search=typed)) == [number]
        # Another county's claim by its number: not there for this clerk.
        other = county.claims["wu"]
        assert numbers_of(page_of(session, county, "township", search=str(other))) == []


def test_waiting_for_me_is_the_chats_review_queue(session_factory, county):
    from db.queries.review_queue import queue

    with session_factory() as session:
        for who in ("cadre", "township", "county"):
            member = staff_of(session, county, who)
            chat = [a.id for a in queue(session, member, limit=100)]
            page = page_of(session, county, who, waiting_for_me=True)
            assert sorted(numbers_of(page)) == sorted(chat), who
        assert page_of(session, county, "city", waiting_for_me=True).total == 0


def test_a_township_clerk_filtering_another_township_sees_nothing(session_factory, county):
    with session_factory() as session:
        assert page_of(session, county, "township", township=MISHAN).total == 0
        assert page_of(session, county, "cadre", village=HUAISHU).total == 0
        assert page_of(session, county, "township", search="孙建国").total == 0


def test_pages_and_totals(session_factory, county):
    with session_factory() as session:
        first = page_of(session, county, "county", per_page=3)
        second = page_of(session, county, "county", page=2, per_page=3)
        last = page_of(session, county, "county", page=3, per_page=3)
        beyond = page_of(session, county, "county", page=9, per_page=3)
    assert (first.total, first.pages) == (7, 3)
    assert numbers_of(first) == ids(county, "zhou", "wang", "zhao")
    assert numbers_of(second) == ids(county, "li", "sun", "zhang")
    assert numbers_of(last) == ids(county, "ouyang")
    assert beyond.rows == () and beyond.total == 7


def test_claims_submitted_at_the_same_time_keep_a_stable_order(session_factory, county):
    twins = [
        claim(session_factory, f"同时{n}", f"1405811990010{n:04d}1", S.VILLAGE_REVIEW, XILI, day=3)
        for n in range(3)
    ]
    with session_factory() as session:
        oldest = numbers_of(page_of(session, county, "cadre"))
        newest = numbers_of(page_of(session, county, "cadre", sort=Sort.NEWEST))
    li = county.claims["li"]
    assert oldest == [county.claims["wang"], li, *twins, county.claims["zhang"]]
    assert newest == oldest[::-1]


ROLES = {
    StaffRole.CADRE: ("cadre", "cadre_huaishu"),
    StaffRole.TOWNSHIP: ("township", "township_mishan"),
    StaffRole.COUNTY_ADMIN: ("county", "other_county"),
    StaffRole.CITY_ADMIN: ("city",),
}


def test_the_refusal_matrix_is_the_chats(session_factory, county):
    """Each staff member × each claim: listed in the queue exactly when the chat's
    ``authorize`` lets them view it; a revoked member sees nothing."""
    from db.queries.console.claim import claim_page

    with session_factory() as session:
        claims = session.scalars(
            sa.select(Application).where(Application.identity_verified.is_(True))
        ).all()
        for keys in ROLES.values():
            for key in keys:
                member = staff_of(session, county, key)
                listed = set(numbers_of(page_of(session, county, key)))
                for application in claims:
                    try:
                        review.authorize(member, review.Action.VIEW, application.region_code)
                        allowed = True
                    except review.NotAllowed:
                        allowed = False
                    assert (application.id in listed) == allowed, (key, application.id)
                    if allowed:
                        assert claim_page(session, member, application.id).id == application.id
                    else:
                        with pytest.raises(review.NotAllowed):
                            claim_page(session, member, application.id)
        member = staff_of(session, county, "township")
        member.active = False
        with pytest.raises(review.NotAllowed):
            page_of(session, county, "township")
        with pytest.raises(review.NotAllowed):
            queue_page(session, None, QueueFilters(), Sort.OLDEST, 1)


def test_filter_choices_offer_the_staff_members_own_area(session_factory, county):
    with session_factory() as session:
        township = filter_choices(session, staff_of(session, county, "township"))
        cadre = filter_choices(session, staff_of(session, county, "cadre"))
        whole = filter_choices(session, staff_of(session, county, "county"))
        member = session.get(Staff, county.staff["county"])
        assert member is not None and member.region_code == COUNTY
    assert [c.code for c in township.townships] == [SANJIA]
    assert township.townships[0].name == "三甲镇"
    assert {XILI, HUAISHU} <= {c.code for c in township.villages}
    assert all(c.code.startswith(SANJIA) for c in township.villages)
    assert [c.code for c in cadre.villages] == [XILI] and cadre.villages[0].name == "西栗庄村"
    assert [c.code for c in cadre.townships] == [SANJIA]
    assert {SANJIA, MISHAN} <= {c.code for c in whole.townships}
    assert S.DRAFT not in whole.statuses and S.TOWNSHIP_REVIEW in whole.statuses
    assert set(whole.programs) == set(Program)
    assert whole.findings == ("wage_mismatch", "work_place_mismatch")
    assert township.findings == ("wage_mismatch", "work_place_mismatch")
    assert cadre.findings == ("wage_mismatch",)
