"""The notices page over HTTP: a township's draft posted from the console as from the chat
(same function, same roles), the links to print it, a stale second post, and the refusals of
roles outside their region or without the right, in the chat's words."""

from __future__ import annotations

import pytest

from db.enums import ApplicationStatus, NoticeLevel, StaffRole
from db.models import Application
from tests.console.conftest import (
    GAOPING,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    VILLAGE,
    form_token,
    versions,
)
from tests.console_chain1.conftest import english, on_draft, posted, status_of
from tests.review.conftest import add_claim

OTHER_VILLAGE = "140581102225"  # 三甲镇三甲村委会: another township


async def approve_in_queue(browser, claim_id: int) -> None:
    """The township approves the claim in the console's queue: it goes onto the draft notice."""
    page = await browser.get("/staff/queue")
    answer = await browser.post(
        "/staff/queue/approve",
        data={
            "csrf": form_token(page.text),
            "id": str(claim_id),
            f"status-{claim_id}": "township_review",
            **versions(page.text),
        },
    )
    assert answer.status_code == 200, answer.text


async def test_a_township_posts_its_draft_and_gets_the_print_links(
    browser, signed_in, session_factory
):
    claim = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.TOWNSHIP_REVIEW
    )
    theirs = add_claim(
        session_factory,
        "李四",
        "140581199202023456",
        ApplicationStatus.TOWNSHIP_REVIEW,
        OTHER_VILLAGE,
    )
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    english(browser)
    await approve_in_queue(browser, claim)
    page = await browser.get("/staff/notices")
    assert page.status_code == 200
    assert "draft, not yet posted" in page.text
    assert 'action="/staff/notices/post"' in page.text and f'value="{TOWNSHIP}"' in page.text
    answer = await browser.post(
        "/staff/notices/post", data={"csrf": form_token(page.text), "region": TOWNSHIP}
    )
    assert answer.status_code == 200, answer.text
    assert status_of(session_factory, claim) == ApplicationStatus.TOWNSHIP_NOTICE
    assert status_of(session_factory, theirs) == ApplicationStatus.TOWNSHIP_REVIEW
    number = f"GS-{TOWNSHIP}-2026-001"
    assert f"Notice {number} is posted today with 1 claim(s)" in answer.text
    assert f'href="/notices/{number}"' in answer.text
    assert f'href="/notices/{number}.xlsx"' in answer.text
    printable = await browser.get(f"/notices/{number}")
    assert printable.status_code == 200 and "张三" in printable.text
    sheet = await browser.get(f"/notices/{number}.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    # The same form again (a colleague posted it meanwhile): one line, nothing changes.
    again = await browser.post(
        "/staff/notices/post", data={"csrf": form_token(page.text), "region": TOWNSHIP}
    )
    assert again.status_code == 409
    assert again.text.count("There is nothing to post") == 1
    assert f"GS-{TOWNSHIP}-2026-002" not in again.text


async def test_the_page_lists_the_region_only(browser, signed_in, session_factory):
    for name, id_number, village in (
        ("张三", "140581199001011234", VILLAGE),
        ("李四", "140581199202023456", OTHER_VILLAGE),
    ):
        claim = add_claim(session_factory, name, id_number, ApplicationStatus.TOWNSHIP_REVIEW)
        on_draft(session_factory, claim, village[:9], NoticeLevel.TOWNSHIP)
        if village == OTHER_VILLAGE:
            # the other township's claim, on its draft
            with session_factory.begin() as session:
                session.get(Application, claim).region_code = village
    other = await signed_in(StaffRole.TOWNSHIP, OTHER_TOWNSHIP)
    number = posted(session_factory, other, OTHER_TOWNSHIP)
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    page = await browser.get("/staff/notices")
    assert page.status_code == 200
    assert number not in page.text and f'value="{TOWNSHIP}"' in page.text
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    county = await browser.get("/staff/notices")
    assert number in county.text  # the county sees every notice of the county
    assert 'action="/staff/notices/post"' not in county.text  # but posts none


@pytest.mark.parametrize(
    ("role", "region", "target", "refusal"),
    [
        (StaffRole.COUNTY_ADMIN, GAOPING, TOWNSHIP, "Your role does not allow this."),
        (StaffRole.CITY_ADMIN, "1405", TOWNSHIP, "Your role does not allow this."),
        (StaffRole.TOWNSHIP, OTHER_TOWNSHIP, TOWNSHIP, "This is outside your region."),
        (StaffRole.TOWNSHIP, TOWNSHIP, VILLAGE, "This belongs to another level of the review."),
        (StaffRole.CADRE, VILLAGE, TOWNSHIP, "This is outside your region."),
    ],
)
async def test_posting_is_refused_as_in_the_chat(
    browser, signed_in, session_factory, role, region, target, refusal
):
    claim = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.TOWNSHIP_REVIEW
    )
    on_draft(session_factory, claim, TOWNSHIP, NoticeLevel.TOWNSHIP)
    await signed_in(role, region)
    english(browser)
    page = await browser.get("/staff/notices")
    assert page.status_code == 200
    answer = await browser.post(
        "/staff/notices/post", data={"csrf": form_token(page.text), "region": target}
    )
    assert answer.status_code == 403
    assert answer.text.count(refusal) == 1
    assert status_of(session_factory, claim) == ApplicationStatus.TOWNSHIP_REVIEW


async def test_a_form_without_its_token_changes_nothing(browser, signed_in, session_factory):
    claim = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.TOWNSHIP_REVIEW
    )
    on_draft(session_factory, claim, TOWNSHIP, NoticeLevel.TOWNSHIP)
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    english(browser)
    answer = await browser.post("/staff/notices/post", data={"region": TOWNSHIP})
    assert answer.status_code == 403 and "This form is out of date" in answer.text
    assert status_of(session_factory, claim) == ApplicationStatus.TOWNSHIP_REVIEW
