"""The claim page: the facts, the decision, findings, files, the audit trail and the actions."""

from __future__ import annotations

import pytest

from db.enums import ActorKind, AttachmentKind, Severity
from db.enums import ApplicationStatus as S
from db.models import Attachment
from db.queries import review
from db.queries.console.claim import claim_page
from tests.console_queue.conftest import staff_of


def test_the_page_shows_the_claim_as_declared_decided_and_checked(session_factory, county):
    c = county.claims
    with session_factory.begin() as session:
        session.add_all(
            [
                Attachment(
                    application_id=c["wang"], kind=AttachmentKind.WAGE_PROOF,
                    storage_path="files/ab/cd", file_name="工资条.jpg", size=2048,
                    content_type="image/jpeg", sha256="0" * 64,
                ),
                Attachment(
                    application_id=c["wang"], kind=AttachmentKind.PLEDGE, file_id="tg-file",
                    sha256="1" * 64,
                ),
            ]
        )  # fmt: skip
    with session_factory() as session:
        page = claim_page(session, staff_of(session, county, "cadre"), c["wang"])
    assert page.number == f"WG2025-{c['wang']:06d}"
    assert (page.name, page.id_number) == ("王小红", "1405**********1236")
    assert page.region == "高平市三甲镇西栗庄村"
    assert page.facts["work_place"] == "33" and page.facts["work_from"] == "2025-02"
    assert page.decision.eligible is True and page.decision.amount == 1500
    assert [(f.code, f.severity) for f in page.findings] == [("wage_mismatch", Severity.ERROR)]
    assert page.findings[0].registry_values["income_fen"] == 180_000
    files = [(a.kind, a.file_name, a.size, a.content_type, a.stored) for a in page.attachments]
    assert files == [
        (AttachmentKind.WAGE_PROOF, "工资条.jpg", 2048, "image/jpeg", True),
        (AttachmentKind.PLEDGE, None, None, None, False),
    ]
    actions = page.actions
    assert actions.approve and actions.needs_reason and actions.blocking == ("wage_mismatch",)
    assert actions.return_ and actions.reject and actions.roster_note
    assert not actions.approve_is_confirm and not actions.assign_region


def test_the_audit_trail_is_oldest_first_with_the_actors_names(session_factory, county):
    c = county.claims
    with session_factory.begin() as session:
        from db.models import Application

        cadre = staff_of(session, county, "cadre")
        review.approve(session, cadre, session.get(Application, c["wang"]), reason="核实过")
    with session_factory.begin() as session:
        township = staff_of(session, county, "township")
        application = session.get(Application, c["zhang"])
        review.return_for_correction(session, township, application, "补工资流水")
    with session_factory() as session:
        wang = claim_page(session, staff_of(session, county, "township"), c["wang"])
        zhang = claim_page(session, staff_of(session, county, "township"), c["zhang"])
    [event] = wang.audit
    assert (event.action, event.actor_kind, event.actor_name, event.role) == (
        "approve", ActorKind.STAFF, "村干部甲", "cadre",
    )  # fmt: skip
    assert event.data["override"]["reason"] == "核实过"
    assert wang.on_draft_notice and wang.status == S.VILLAGE_REVIEW
    assert not wang.actions.approve  # the township's turn comes after the village notice
    [event] = zhang.audit
    assert (event.from_status, event.to_status, event.actor_name, event.reason) == (
        S.TOWNSHIP_REVIEW, S.RETURNED, "乡镇员丙", "补工资流水",
    )  # fmt: skip
    assert zhang.review_note == "补工资流水"


def test_each_role_gets_the_review_cards_buttons(session_factory, county):
    c = county.claims
    with session_factory() as session:
        at_township = claim_page(session, staff_of(session, county, "township"), c["zhang"])
        cadre_sees_it = claim_page(session, staff_of(session, county, "cadre"), c["zhang"])
        county_sees_it = claim_page(session, staff_of(session, county, "county"), c["sun"])
        city_sees_it = claim_page(session, staff_of(session, county, "city"), c["sun"])
    assert at_township.actions.approve and at_township.actions.return_
    assert not at_township.actions.needs_reason
    assert not (cadre_sees_it.actions.approve or cadre_sees_it.actions.reject)
    assert cadre_sees_it.actions.roster_note  # 备注 is any reviewer's of the region
    assert county_sees_it.actions.approve and county_sees_it.actions.approve_is_confirm
    assert not city_sees_it.actions.any and not city_sees_it.actions.roster_note


def test_an_unstaffed_claim_is_the_countys_to_return_reject_or_give_a_village(
    session_factory, county
):
    """In 米山镇 nobody reviews at the village level: the county may return, reject or assign
    a village, as in the chat, but not approve in the village's place."""
    from tests.console_queue.conftest import MIXI, claim

    orphan = claim(session_factory, "韩一", "140581199606066666", S.VILLAGE_REVIEW, MIXI, day=12)
    with session_factory() as session:
        page = claim_page(session, staff_of(session, county, "county"), orphan)
    assert page.actions.unstaffed == review.Unstaffed.NO_REVIEWER
    assert page.actions.assign_region and page.actions.return_ and page.actions.reject
    assert not page.actions.approve


def test_drafts_and_other_regions_are_refused_as_the_chat_refuses(session_factory, county):
    c = county.claims
    with session_factory() as session:
        cadre = staff_of(session, county, "cadre")
        with pytest.raises(review.NotAllowed) as draft:
            claim_page(session, cadre, c["draft"])
        assert draft.value.code == "draft"
        with pytest.raises(review.NotAllowed) as elsewhere:
            claim_page(session, cadre, c["zhao"])
        assert elsewhere.value.code == "outside_region"
        with pytest.raises(review.NotAllowed) as missing:
            claim_page(session, cadre, 999_999)
        assert missing.value.code == "outside_region"  # the same answer: no oracle
