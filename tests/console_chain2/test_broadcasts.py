"""Broadcasts on the console: the chat's audiences and roles, the audience counted before
sending, the chat's broadcast function and job, live progress, cancel; a send submitted twice
sends once, and a broadcast no longer sending is not cancelled."""

from __future__ import annotations

import re

import sqlalchemy as sa

from db.enums import BroadcastStatus, DeliveryStatus, StaffRole
from db.models import AuditEvent, Broadcast, Delivery
from tests.console.conftest import GAOPING, TOWNSHIP, form_token
from tests.console_chain2.conftest import sent
from tests.messaging.conftest import OTHER_COUNTY_VILLAGE, VILLAGE, add_identity

TEXT = "【通知】2025年度务工补贴申报将于12月25日截止，请尽快申报。"


def people(session_factory) -> None:
    with session_factory.begin() as session:
        for number in (101, 102, 103):
            add_identity(session, number, region=VILLAGE)
        add_identity(session, 201, region=OTHER_COUNTY_VILLAGE)


async def confirm(browser, **form):
    page = await browser.get("/staff/broadcasts")
    return await browser.post(
        "/staff/broadcasts/confirm", data={"csrf": form_token(page.text), "text": TEXT, **form}
    )


def hidden(page: str) -> dict[str, str]:
    form = page.split('action="/staff/broadcasts/send"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))


async def test_count_then_send_then_progress_and_cancel(
    browser, signed_in, session_factory, broker
):
    browser.cookies.set("wugong_lang", "en")
    people(session_factory)
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    counted = await confirm(browser, audience="beneficiaries")
    assert counted.status_code == 200
    assert "This notice goes to 3 people." in counted.text  # not the other county's
    with session_factory() as session:
        assert session.query(Broadcast).count() == 0  # nothing sent before the confirmation

    form = hidden(counted.text)
    answer = await browser.post("/staff/broadcasts/send", data=form)
    assert answer.status_code == 303
    number = int(answer.headers["location"].rsplit("/", 1)[1])
    assert sent(broker, "broadcasts") == [(number,)]
    again = await browser.post("/staff/broadcasts/send", data=form)  # a second click
    assert again.status_code == 200 and "was sent already" in again.text
    assert sent(broker, "broadcasts") == []
    with session_factory() as session:
        assert session.query(Broadcast).count() == 1
        event = session.query(AuditEvent).filter_by(action="broadcast_sent").one()
        assert event.data["total"] == 3

    page = await browser.get(f"/staff/broadcasts/{number}")
    assert "<progress" in page.text and "0 sent, 0 failed, 3 pending, of 3" in page.text
    with session_factory.begin() as session:  # a sender delivered one
        first = session.scalar(sa.select(sa.func.min(Delivery.id)))
        session.execute(
            sa.update(Delivery).where(Delivery.id == first).values(status=DeliveryStatus.SENT)
        )
    progress = (await browser.get(f"/staff/broadcasts/{number}/progress")).json()
    assert (progress["sent"], progress["pending"], progress["done"]) == (1, 2, False)

    cancelled = await browser.post(
        f"/staff/broadcasts/{number}/cancel", data={"csrf": form_token(page.text)}
    )
    assert cancelled.status_code == 200 and f"Broadcast {number} is cancelled." in cancelled.text
    twice = await browser.post(
        f"/staff/broadcasts/{number}/cancel", data={"csrf": form_token(page.text)}
    )
    assert twice.status_code == 409 and "is no longer sending" in twice.text
    with session_factory() as session:
        assert session.get(Broadcast, number).status == BroadcastStatus.CANCELLED
        assert session.query(AuditEvent).filter_by(action="broadcast_cancelled").count() == 1
    assert (await browser.get(f"/staff/broadcasts/{number}/progress")).json()["done"] is True


async def test_the_chats_refusals(browser, signed_in, session_factory, broker):
    browser.cookies.set("wugong_lang", "en")
    people(session_factory)
    await signed_in(StaffRole.COUNTY_ADMIN, GAOPING)
    outside = await confirm(browser, audience="region", region="140521100200")
    assert outside.status_code == 400 and "140521100200 is outside your region." in outside.text
    bad = await confirm(browser, audience="region", region="12")
    assert bad.status_code == 400 and "not a township or village code" in bad.text
    empty = await confirm(browser, audience="cadre")
    nobody = await browser.post("/staff/broadcasts/send", data=hidden(empty.text))
    assert nobody.status_code == 400 and "Nobody is in that audience" in nobody.text
    stale = await browser.post("/staff/broadcasts/confirm", data={"csrf": "old", "text": TEXT})
    assert stale.status_code == 403
    counted = await confirm(browser, audience="everyone")
    answer = await browser.post("/staff/broadcasts/send", data=hidden(counted.text))
    number = int(answer.headers["location"].rsplit("/", 1)[1])

    browser.cookies.clear()
    browser.cookies.set("wugong_lang", "en")
    await signed_in(StaffRole.COUNTY_ADMIN, "140521")  # another county
    assert (await browser.get(f"/staff/broadcasts/{number}")).status_code == 404
    page = await browser.get("/staff/broadcasts")
    refused = await browser.post(
        f"/staff/broadcasts/{number}/cancel", data={"csrf": form_token(page.text)}
    )
    assert refused.status_code == 404 and "no such broadcast in your region" in refused.text
    browser.cookies.clear()
    browser.cookies.set("wugong_lang", "en")
    await signed_in(StaffRole.TOWNSHIP, TOWNSHIP)  # a role the chat does not let broadcast
    page = await browser.get("/staff/broadcasts")
    assert page.status_code == 403
    assert "Only county and city administrators can send broadcasts." in page.text
    with session_factory() as session:
        assert session.query(Broadcast).count() == 1
        assert session.get(Broadcast, number).status == BroadcastStatus.SENDING
