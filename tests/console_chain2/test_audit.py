"""The audit log on the console: the region's events only (its claims', its staff's), newest
first, searched by claim number, action, staff name and days, paged, exported as XLSX with
formula-like text kept as text."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from db.enums import ActorKind, ApplicationStatus, StaffRole
from db.models import AuditEvent
from tests.console.conftest import GAOPING, TOWNSHIP
from tests.review.conftest import add_claim

OTHER_COUNTY_VILLAGE = "140521100200"


def event(session_factory, application_id, action, at, reason=None, actor_id=None) -> None:
    with session_factory.begin() as session:
        session.add(
            AuditEvent(
                application_id=application_id,
                actor_kind=ActorKind.STAFF if actor_id else ActorKind.SYSTEM,
                actor_id=actor_id,
                action=action,
                reason=reason,
                at=at,
                data={},
            )
        )


async def test_the_regions_events_searched_paged_and_exported(browser, signed_in, session_factory):
    browser.cookies.set("wugong_lang", "en")
    mine = add_claim(session_factory, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW)
    theirs = add_claim(
        session_factory, "李四", "140521199202023456", ApplicationStatus.COUNTY_REVIEW,
        OTHER_COUNTY_VILLAGE,
    )  # fmt: skip
    staff_id = await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    event(session_factory, mine, "approved", datetime(2026, 1, 5, 3, tzinfo=UTC), "=1+1", staff_id)
    event(session_factory, mine, "returned", datetime(2026, 2, 5, 3, tzinfo=UTC))
    event(session_factory, theirs, "secret_other_county", datetime(2026, 1, 6, tzinfo=UTC))

    page = await browser.get("/staff/audit")
    assert page.status_code == 200 and "secret_other_county" not in page.text
    assert page.text.index("<td>returned</td>") < page.text.index("2026-01-05")  # newest first
    number = f"WG2025-{mine:06d}"
    assert number in page.text and "李主任" in page.text

    by_action = await browser.get("/staff/audit?action=approved")
    assert "<td>returned</td>" not in by_action.text and "2026-01-05 11:00:00" in by_action.text
    by_actor = await browser.get("/staff/audit", params={"actor": "李"})
    assert "=1+1" in by_actor.text and "<td>returned</td>" not in by_actor.text
    by_claim = await browser.get("/staff/audit", params={"claim": str(theirs)})
    assert "No events match." in by_claim.text
    by_days = await browser.get("/staff/audit?since=2026-02-01&until=2026-02-05")
    assert "<td>returned</td>" in by_days.text and "<td>approved</td>" not in by_days.text
    bad = await browser.get("/staff/audit?since=yesterday")
    assert bad.status_code == 200 and "not understood" in bad.text

    export = await browser.get("/staff/audit/export?action=approved")
    assert export.status_code == 200 and export.headers["cache-control"] == "no-store"
    assert "attachment" in export.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Time" and len(rows) == 2
    assert rows[1][1] == number and rows[1][7] == "=1+1"
    assert sheet.cell(2, 8).data_type == "s"  # the reason stays text, never a formula


async def test_paging_and_a_township_sees_its_own_only(browser, signed_in, session_factory):
    mine = add_claim(session_factory, "张三", "140581199001011234", ApplicationStatus.COUNTY_REVIEW)
    for day in range(1, 56):
        event(session_factory, mine, f"step_{day:02d}", datetime(2026, 1, 1, tzinfo=UTC).replace(
            day=1 + day % 28, hour=day % 24))  # fmt: skip
    await signed_in(StaffRole.TOWNSHIP, "140581102")  # 三甲镇: not the claim's township
    assert "step_" not in (await browser.get("/staff/audit")).text
    browser.cookies.clear()
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)
    first = await browser.get("/staff/audit")
    assert first.text.count("<tr>") == 51  # the header and 50 events
    assert 'rel="next"' in first.text
    second = await browser.get("/staff/audit?page=2")
    # 55 steps and the clerk's own sign-in (an event of the region's staff): 6 on page 2
    assert second.text.count("<tr>") == 7 and 'rel="prev"' in second.text
