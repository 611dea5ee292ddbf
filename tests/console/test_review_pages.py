"""The work queue and the claim page over HTTP: what each role sees, filters and search, batch
approval with blocked and stale claims left out (and said so), the claim page's facts, findings,
files and audit trail, and its decisions; always the chat's rules."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette

from bot import console
from bot.channels import attachment_pages
from bot.channels.edge import EdgeLimits
from common.attachments import FileStore
from common.limits import MemoryLimits
from common.settings import Settings
from db.enums import ApplicationStatus, AttachmentKind, Severity, StaffRole
from db.models import Application, Attachment, AuditEvent, Finding
from db.types import utcnow
from tests.console.conftest import GAOPING, LIMITS, TOWNSHIP, form_token, versions
from tests.review.conftest import add_claim, allocate

OTHER_VILLAGE = "140581102225"  # 三甲镇三甲村委会: another township
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def console_app(session_factory, clock, tmp_path) -> Starlette:
    """The console with the attachment pages beside it (the claim page shows files)."""
    edge = EdgeLimits(MemoryLimits(), Settings().web)
    files = FileStore(tmp_path)
    return Starlette(
        routes=[
            *console.routes(console.Console(session_factory, edge, LIMITS, clock=clock)),
            *attachment_pages.routes(session_factory, files),
        ]
    )


def status_of(session_factory, application_id: int) -> ApplicationStatus:
    with session_factory() as session:
        return session.get(Application, application_id).status


def outcomes(page: str) -> str:
    """The text of the page's table of outcomes."""
    found = re.search(r"所选申请的处理结果(.*?)</section>", page, re.S)
    assert found, "the page tells what became of the claims"
    return found.group(1)


def block(session_factory, application_id: int) -> None:
    with session_factory.begin() as session:
        session.add(
            Finding(
                application_id=application_id,
                code="no_registry_work_record",
                severity=Severity.ERROR,
                registry_values={},
            )
        )


async def test_a_township_sees_its_own_claims_only(browser, signed_in, session_factory):
    mine = add_claim(
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
    page = await browser.get("/staff/queue")
    assert page.status_code == 200
    assert f"/staff/claims/{mine}" in page.text and f"/staff/claims/{theirs}" not in page.text
    refused = await browser.get(f"/staff/claims/{theirs}")
    assert refused.status_code == 404 and "不在您的辖区" in refused.text


async def test_filters_search_and_a_bad_filter(browser, signed_in, session_factory):
    first = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW
    )
    second = add_claim(
        session_factory, "王五", "140581199303035678", ApplicationStatus.VILLAGE_REVIEW
    )
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    by_status = await browser.get("/staff/queue?status=county_review")
    assert f"/staff/claims/{first}" in by_status.text
    assert f"/staff/claims/{second}" not in by_status.text
    by_name = await browser.get("/staff/queue?q=王五")
    assert (
        f"/staff/claims/{second}" in by_name.text and f"/staff/claims/{first}" not in by_name.text
    )
    by_tail = await browser.get("/staff/queue?q=5678")
    assert (
        f"/staff/claims/{second}" in by_tail.text and f"/staff/claims/{first}" not in by_tail.text
    )
    bad = await browser.get("/staff/queue?status=nonsense&township=12")
    assert bad.status_code == 200
    assert bad.text.count("无法识别") == 2  # each bad filter said in one line, the rest shown
    assert f"/staff/claims/{first}" in bad.text


async def test_batch_approval_leaves_blocked_and_stale_claims_out(
    browser, signed_in, session_factory
):
    allocate(session_factory, 100_000)
    clean = [
        add_claim(session_factory, name, id_number, ApplicationStatus.COUNTY_REVIEW)
        for name, id_number in (("张三", "140581199001011234"), ("王五", "140581199303035678"))
    ]
    blocked = add_claim(
        session_factory, "赵六", "140581198001010228", ApplicationStatus.COUNTY_REVIEW
    )
    block(session_factory, blocked)
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    page = await browser.get("/staff/queue")
    form = {"csrf": form_token(page.text), "id": [*map(str, clean), str(blocked)]}
    for claim_id in (*clean, blocked):
        form[f"status-{claim_id}"] = "county_review"
    form.update(versions(page.text))
    answer = await browser.post("/staff/queue/approve", data=form)
    assert answer.status_code == 200
    told = outcomes(answer.text)
    assert told.count("审核通过") == 2 and "未处理：存在阻断性问题，请写明您的理由" in told
    assert [status_of(session_factory, c) for c in clean] == [ApplicationStatus.APPROVED] * 2
    assert status_of(session_factory, blocked) == ApplicationStatus.COUNTY_REVIEW
    again = await browser.post("/staff/queue/approve", data=form)  # the same, stale form
    assert outcomes(again.text).count("未处理：页面加载后已有变化") == 2
    form = {
        "csrf": form["csrf"],
        "id": str(blocked),
        f"status-{blocked}": "county_review",
        f"version-{blocked}": versions(page.text)[f"version-{blocked}"],
        f"reason-{blocked}": "已电话核实其在浙江务工",
    }
    reasoned = await browser.post("/staff/queue/approve", data=form)
    assert reasoned.status_code == 200
    assert status_of(session_factory, blocked) == ApplicationStatus.APPROVED
    with session_factory() as session:
        kept = session.scalars(
            sa.select(AuditEvent.data).where(AuditEvent.application_id == blocked)
        ).all()
    assert [d["override"]["reason"] for d in kept if "override" in d] == ["已电话核实其在浙江务工"]


async def test_a_post_without_claims_says_so(browser, signed_in):
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    page = await browser.get("/staff/queue")
    answer = await browser.post("/staff/queue/approve", data={"csrf": form_token(page.text)})
    assert answer.status_code == 400 and "请先勾选" in answer.text


async def test_the_claim_page_shows_the_claim_and_decides_it(
    browser, signed_in, session_factory, tmp_path, clock
):
    clock.now = utcnow()  # the file links are checked against the real time
    claim_id = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW
    )
    block(session_factory, claim_id)
    files = FileStore(tmp_path)
    kept = files.keep(PNG)
    with session_factory.begin() as session:
        session.add(
            Attachment(
                application_id=claim_id,
                kind=AttachmentKind.WAGE_PROOF,
                file_name="工资条.png",
                storage_path=kept.storage_path,
                sha256=kept.sha256,
                size=kept.size,
                content_type="image/png",
            )
        )
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    page = await browser.get(f"/staff/claims/{claim_id}")
    assert page.status_code == 200
    assert "张三, 1405**********1234" in page.text and "140581199001011234" not in page.text
    assert "浙江" in page.text  # the work place of the facts
    photo = re.search(r'<img src="([^"]+)"', page.text)
    assert photo, "the photo is shown in the page"
    image = await browser.get(photo.group(1).replace("&amp;", "&"))
    assert image.status_code == 200 and image.content == PNG
    empty = await browser.post(
        f"/staff/claims/{claim_id}/decide",
        data={
            "csrf": form_token(page.text),
            "status": "county_review",
            **versions(page.text),
            "action": "return",
        },
    )
    assert empty.status_code == 409 and "请写几句话" in empty.text
    returned = await browser.post(
        f"/staff/claims/{claim_id}/decide",
        data={
            "csrf": form_token(page.text),
            "status": "county_review",
            **versions(page.text),
            "action": "return",
            "text": "请补充工资流水",
        },
    )
    assert returned.status_code == 200 and "已退回" in returned.text
    assert status_of(session_factory, claim_id) == ApplicationStatus.RETURNED
    stale = await browser.post(
        f"/staff/claims/{claim_id}/decide",
        data={
            "csrf": form_token(page.text),
            "status": "county_review",
            **versions(page.text),
            "action": "reject",
            "text": "不符合条件的原因",
        },
    )
    assert stale.status_code == 409
    assert status_of(session_factory, claim_id) == ApplicationStatus.RETURNED
    trail = await browser.get(f"/staff/claims/{claim_id}")
    assert "请补充工资流水" in trail.text


async def test_a_decision_without_the_forms_status_changes_nothing(
    browser, signed_in, session_factory
):
    claim_id = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW
    )
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    page = await browser.get(f"/staff/claims/{claim_id}")
    answer = await browser.post(
        f"/staff/claims/{claim_id}/decide",
        data={"csrf": form_token(page.text), "action": "reject", "text": "不符合条件的原因"},
    )
    assert answer.status_code == 409 and "页面加载后已有变化" in answer.text
    assert status_of(session_factory, claim_id) == ApplicationStatus.COUNTY_REVIEW


async def test_numbers_in_notes_are_masked_in_the_trail(browser, signed_in, session_factory):
    claim_id = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW
    )
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    page = await browser.get(f"/staff/claims/{claim_id}")
    await browser.post(
        f"/staff/claims/{claim_id}/decide",
        data={
            "csrf": form_token(page.text),
            "status": "county_review",
            **versions(page.text),
            "action": "return",
            "text": "卡号 6222021234567890123 不对，请重填",
        },
    )
    trail = await browser.get(f"/staff/claims/{claim_id}")
    assert "6222021234567890123" not in trail.text and "请重填" in trail.text


async def test_another_regions_claim_in_a_batch_is_not_even_named(
    browser, signed_in, session_factory
):
    theirs = add_claim(
        session_factory,
        "李四",
        "140581199202023456",
        ApplicationStatus.TOWNSHIP_REVIEW,
        OTHER_VILLAGE,
    )
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    page = await browser.get("/staff/queue")
    answer = await browser.post(
        "/staff/queue/approve",
        data={
            "csrf": form_token(page.text),
            "id": str(theirs),
            f"status-{theirs}": "township_review",
        },
    )
    told = outcomes(answer.text)
    assert f"#{theirs}" in told and "WG2025-" not in told and "不在您的审核权限内" in told


async def test_a_post_larger_than_a_form_is_refused_unread(browser, signed_in):
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    page = await browser.get("/staff/queue")
    answer = await browser.post(
        "/staff/queue/approve",
        data={"csrf": form_token(page.text), "padding": "x" * 300_000},
    )
    assert answer.status_code == 413 and "过大" in answer.text


async def test_a_claim_that_left_its_status_and_came_back_is_stale(
    browser, signed_in, session_factory, clock
):
    """A page loaded before the claim was returned and corrected still shows the same status;
    its form changes nothing."""
    claim_id = add_claim(
        session_factory, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW
    )
    allocate(session_factory, 100_000)
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    old = await browser.get(f"/staff/claims/{claim_id}")
    queue = await browser.get("/staff/queue")
    for status in (ApplicationStatus.RETURNED, ApplicationStatus.COUNTY_REVIEW):
        with session_factory.begin() as session:  # returned, corrected, back at the county
            session.get(Application, claim_id).status = status
    from_claim = await browser.post(
        f"/staff/claims/{claim_id}/decide",
        data={
            "csrf": form_token(old.text),
            "status": "county_review",
            **versions(old.text),
            "action": "approve",
        },
    )
    assert from_claim.status_code == 409 and "页面加载后已有变化" in from_claim.text
    from_queue = await browser.post(
        "/staff/queue/approve",
        data={
            "csrf": form_token(queue.text),
            "id": str(claim_id),
            f"status-{claim_id}": "county_review",
            **versions(queue.text),
        },
    )
    assert "未处理：页面加载后已有变化" in outcomes(from_queue.text)
    assert status_of(session_factory, claim_id) == ApplicationStatus.COUNTY_REVIEW
