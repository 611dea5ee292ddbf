"""The objections page over HTTP: open objections first, resolved through the chat's
``resolve_objection`` with the words it asks for; a second answer, an empty reason, an unknown
objection and the roles outside their region or level each get one line and change nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus, NoticeLevel, ObjectionStatus, StaffRole
from db.models import Notification, Objection
from tests.console.conftest import GAOPING, OTHER_TOWNSHIP, TOWNSHIP, form_token
from tests.console_chain1.conftest import (
    english,
    object_to,
    objector,
    on_draft,
    posted,
    status_of,
)
from tests.review.conftest import add_claim


def objection_status(session_factory, objection_id: int) -> ObjectionStatus:
    with session_factory() as session:
        return session.get(Objection, objection_id).status


async def a_held_notice(session_factory, signed_in) -> tuple[int, int, str, int]:
    """A township's notice with one claim, held by an objection to the whole notice; the
    township's staff member is signed in. (claim, objection, notice number, objector)"""
    claim = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.TOWNSHIP_REVIEW
    )
    on_draft(session_factory, claim, TOWNSHIP, NoticeLevel.TOWNSHIP)
    township = await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    number = posted(session_factory, township, TOWNSHIP)
    who = objector(session_factory)
    objection = object_to(session_factory, who, number, "张三 2025年一直在本村种地")
    assert status_of(session_factory, claim) == ApplicationStatus.ON_HOLD
    return claim, objection, number, who


async def test_the_township_dismisses_an_objection(browser, signed_in, session_factory):
    claim, objection, number, who = await a_held_notice(session_factory, signed_in)
    english(browser)
    page = await browser.get("/staff/objections")
    assert page.status_code == 200
    assert number in page.text and "2025年一直在本村种地" in page.text
    assert f'action="/staff/objections/{objection}/resolve"' in page.text
    assert f'<label for="note-{objection}">' in page.text  # the reason's label is bound
    token = form_token(page.text)
    empty = await browser.post(
        f"/staff/objections/{objection}/resolve",
        data={"csrf": token, "outcome": "dismiss", "note": " "},
    )
    assert empty.status_code == 400 and empty.text.count("Please write a few words") == 1
    unchosen = await browser.post(
        f"/staff/objections/{objection}/resolve",
        data={"csrf": token, "outcome": "maybe", "note": "已核实"},
    )
    assert unchosen.status_code == 400 and "Choose how the objection is resolved." in unchosen.text
    assert objection_status(session_factory, objection) == ObjectionStatus.OPEN
    answer = await browser.post(
        f"/staff/objections/{objection}/resolve",
        data={"csrf": token, "outcome": "dismiss", "note": "已核实务工合同和工资流水"},
    )
    assert answer.status_code == 200
    assert "The objection is resolved; the people concerned are told." in answer.text
    assert objection_status(session_factory, objection) == ObjectionStatus.DISMISSED
    # The notice is still up: the claim is back on it.
    assert status_of(session_factory, claim) == ApplicationStatus.TOWNSHIP_NOTICE
    with session_factory() as session:
        told = session.scalars(
            sa.select(Notification).where(Notification.chat_identity_id == who)
        ).all()
    assert len(told) == 1  # the objector hears the outcome, as from the chat
    again = await browser.post(
        f"/staff/objections/{objection}/resolve",
        data={"csrf": token, "outcome": "reject", "note": "另一位同事的意见"},
    )
    assert again.status_code == 409
    assert again.text.count("This objection has already been resolved.") == 1
    assert status_of(session_factory, claim) == ApplicationStatus.TOWNSHIP_NOTICE
    assert "已核实务工合同和工资流水" in again.text  # the resolution is listed


async def test_upheld_the_claim_goes_back_for_correction(browser, signed_in, session_factory):
    claim, objection, _, _ = await a_held_notice(session_factory, signed_in)
    page = await browser.get("/staff/objections")
    answer = await browser.post(
        f"/staff/objections/{objection}/resolve",
        data={"csrf": form_token(page.text), "outcome": "return", "note": "请补充务工证明"},
    )
    assert answer.status_code == 200
    assert objection_status(session_factory, objection) == ObjectionStatus.UPHELD
    assert status_of(session_factory, claim) == ApplicationStatus.RETURNED


@pytest.mark.parametrize(
    ("role", "region", "listed", "refusal", "status"),
    [
        (StaffRole.TOWNSHIP, OTHER_TOWNSHIP, False, "This is outside your region.", 403),
        # The township has a reviewer: the county does not answer for it.
        (StaffRole.COUNTY_ADMIN, GAOPING, True, "This belongs to another level", 403),
        (StaffRole.CITY_ADMIN, "1405", True, "Your role does not allow this.", 403),
        # A township notice is above a village cadre's scope.
        (StaffRole.CADRE, "140581100200", False, "This is outside your region.", 403),
    ],
)
async def test_resolving_is_refused_as_in_the_chat(
    browser, signed_in, session_factory, role, region, listed, refusal, status
):
    claim, objection, number, _ = await a_held_notice(session_factory, signed_in)
    await signed_in(role, region)
    english(browser)
    page = await browser.get("/staff/objections")
    assert page.status_code == 200
    assert (number in page.text) is listed
    assert f'action="/staff/objections/{objection}/resolve"' not in page.text
    answer = await browser.post(
        f"/staff/objections/{objection}/resolve",
        data={"csrf": form_token(page.text), "outcome": "dismiss", "note": "驳回异议的理由"},
    )
    assert answer.status_code == status
    assert answer.text.count(refusal) == 1
    assert objection_status(session_factory, objection) == ObjectionStatus.OPEN
    assert status_of(session_factory, claim) == ApplicationStatus.ON_HOLD


async def test_an_unknown_objection(browser, signed_in, session_factory):
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    english(browser)
    page = await browser.get("/staff/objections")
    assert "No objections." in page.text
    answer = await browser.post(
        "/staff/objections/999999/resolve",
        data={"csrf": form_token(page.text), "outcome": "dismiss", "note": "理由写在这里"},
    )
    # told as one of another region is: which ids exist elsewhere is not revealed
    assert answer.status_code == 403 and "This is outside your region." in answer.text
