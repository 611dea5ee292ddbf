"""Batch approval and single decisions: through the chat's own steps, one claim at a time."""

from __future__ import annotations

import sqlalchemy as sa

from db.enums import ApplicationStatus as S
from db.enums import Severity
from db.models import Application, AuditEvent, Notice, NoticeItem
from db.queries import review
from db.queries.console.batch import Outcome, approve_batch, decide
from tests.console_queue.conftest import HUAISHU, claim, staff_of, status_of


def audit_of(session_factory, application_id: int) -> list[AuditEvent]:
    with session_factory() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.application_id == application_id)
                .order_by(AuditEvent.id)
            )
        )


def on_draft_notice(session_factory, application_id: int) -> bool:
    with session_factory() as session:
        return (
            session.scalar(
                sa.select(NoticeItem.id)
                .join(Notice, Notice.id == NoticeItem.notice_id)
                .where(Notice.status == "draft", NoticeItem.application_id == application_id)
            )
            is not None
        )


def test_a_township_batch_approves_the_clean_leaves_out_the_blocked_and_skips_the_stale(
    session_factory, county
):
    c = county.claims
    blocked = claim(
        session_factory, "钱多多", "140581199307071111", S.TOWNSHIP_REVIEW, HUAISHU, day=9,
        findings=(("wage_mismatch", Severity.ERROR),),
    )  # fmt: skip
    reasoned = claim(
        session_factory, "钱少少", "140581199307072222", S.TOWNSHIP_REVIEW, HUAISHU, day=10,
        findings=(("wage_mismatch", Severity.ERROR),),
    )  # fmt: skip
    # Meanwhile a colleague rejects zhao in the chat: the form still shows township_review.
    with session_factory.begin() as session:
        colleague = staff_of(session, county, "township")
        review.reject(session, colleague, session.get(Application, c["zhao"]), "不符合条件")
    told: list[tuple[int, int | None]] = []
    ids = [c["zhang"], blocked, reasoned, c["zhao"], c["ouyang"], c["sun"], c["wu"], c["li"]]
    expected = {i: "township_review" for i in ids}
    with session_factory.begin() as session:
        result = approve_batch(
            session,
            staff_of(session, county, "township"),
            ids,
            {reasoned: "  已电话核实工资  ", c["ouyang"]: "no finding: the reason is not needed"},
            expected,
            after=lambda s, application, notice: told.append(
                (application.id, notice.id if notice else None)
            ),
        )
    outcomes = {o.application_id: (o.outcome, o.detail) for o in result.outcomes}
    assert outcomes == {
        c["zhang"]: (Outcome.APPROVED, ""),
        blocked: (Outcome.REASON_REQUIRED, "wage_mismatch"),
        reasoned: (Outcome.APPROVED, ""),
        c["zhao"]: (Outcome.STALE, "rejected"),  # decided meanwhile: left as it is
        c["ouyang"]: (Outcome.APPROVED, ""),
        c["sun"]: (Outcome.NOT_ALLOWED, "outside_region"),  # another township's claim
        c["wu"]: (Outcome.NOT_ALLOWED, "outside_region"),  # another county's claim
        c["li"]: (Outcome.STALE, "village_review"),  # the form was wrong about its step
    }
    assert result.approved == (c["zhang"], reasoned, c["ouyang"])
    assert [id_ for id_, _ in told] == [c["zhang"], reasoned, c["ouyang"]]
    assert all(notice is not None for _, notice in told)
    for approved in result.approved:
        assert on_draft_notice(session_factory, approved)
        assert status_of(session_factory, approved) == S.TOWNSHIP_REVIEW  # until the notice
    # The override is in the audit, as the chat keeps it.
    event = audit_of(session_factory, reasoned)[-1]
    assert event.action == "approve"
    assert event.data["override"] == {"findings": ["wage_mismatch"], "reason": "已电话核实工资"}
    assert "override" not in audit_of(session_factory, c["ouyang"])[-1].data
    # Nothing happened to the ones left out.
    assert not on_draft_notice(session_factory, blocked)
    assert audit_of(session_factory, blocked) == []
    assert status_of(session_factory, c["zhao"]) == S.REJECTED
    assert status_of(session_factory, c["sun"]) == S.COUNTY_REVIEW
    assert status_of(session_factory, c["wu"]) == S.TOWNSHIP_REVIEW


def test_approved_by_a_colleague_meanwhile_is_told_and_not_approved_twice(session_factory, county):
    c = county.claims
    with session_factory.begin() as session:
        review.approve(session, staff_of(session, county, "township"), session.get(
            Application, c["zhang"]
        ))  # fmt: skip
    with session_factory.begin() as session:
        result = approve_batch(
            session, staff_of(session, county, "township"), [c["zhang"]], {}, None
        )
    assert result.of(c["zhang"]).outcome == Outcome.ALREADY_APPROVED
    assert [e.action for e in audit_of(session_factory, c["zhang"])] == ["approve"]


def test_without_expected_statuses_a_claim_at_another_step_is_not_at_this_step(
    session_factory, county
):
    c = county.claims
    with session_factory.begin() as session:
        result = approve_batch(
            session, staff_of(session, county, "cadre"), [c["li"], c["zhang"], c["draft"]], {}, None
        )
    assert [(o.outcome, o.detail) for o in result.outcomes] == [
        (Outcome.APPROVED, ""),
        (Outcome.NOT_AT_THIS_STEP, "not_at_this_step"),
        (Outcome.NOT_AT_THIS_STEP, "not_at_this_step"),  # a draft is never reviewed
    ]
    assert status_of(session_factory, c["draft"]) == S.DRAFT


def test_the_county_confirms_in_a_batch_and_the_city_may_not(session_factory, county):
    c = county.claims
    with session_factory.begin() as session:
        city = approve_batch(session, staff_of(session, county, "city"), [c["sun"]], {}, None)
    assert city.of(c["sun"]).outcome == Outcome.NOT_ALLOWED
    assert city.of(c["sun"]).detail == "wrong_role"
    told = []
    with session_factory.begin() as session:
        result = approve_batch(
            session,
            staff_of(session, county, "county"),
            [c["sun"], c["zhang"]],
            {},
            {c["sun"]: "county_review", c["zhang"]: "township_review"},
            after=lambda s, application, notice: told.append((application.status, notice)),
        )
    assert result.of(c["sun"]).outcome == Outcome.APPROVED
    assert result.of(c["zhang"]).outcome == Outcome.NOT_AT_THIS_STEP
    assert told == [(S.APPROVED, None)]
    assert status_of(session_factory, c["sun"]) == S.APPROVED
    assert [e.to_status for e in audit_of(session_factory, c["sun"])] == [S.APPROVED]


def test_over_the_budget_one_claim_fails_and_the_others_are_kept(session_factory, county):
    c = county.claims
    second = claim(
        session_factory, "冯一", "140581199404043333", S.COUNTY_REVIEW, "140581101201", day=11
    )
    with session_factory.begin() as session:
        from db.models import BudgetAllocation

        session.execute(sa.update(BudgetAllocation).values(amount_fen=150_000 + 150_000 + 1))
    with session_factory.begin() as session:
        result = approve_batch(
            session, staff_of(session, county, "county"), [c["sun"], second], {}, None
        )
    # zhou (approved, 1500) and sun fill the budget: the second is refused, sun is kept.
    assert result.of(c["sun"]).outcome == Outcome.APPROVED
    assert result.of(second).outcome == Outcome.OVER_BUDGET
    assert status_of(session_factory, c["sun"]) == S.APPROVED
    assert status_of(session_factory, second) == S.COUNTY_REVIEW


def test_decide_returns_and_rejects_with_words_and_refuses_a_stale_form(session_factory, county):
    c = county.claims
    with session_factory.begin() as session:
        member = staff_of(session, county, "cadre")
        no_words = decide(session, member, c["li"], review.Action.RETURN, "village_review", " ")
        stale = decide(session, member, c["li"], review.Action.RETURN, "township_review", "补照片")
        returned = decide(
            session, member, c["li"], review.Action.RETURN, "village_review", "补照片"
        )
        rejected = decide(session, member, c["wang"], review.Action.REJECT, None, "不是脱贫户")
        blocked = decide(session, member, c["zhang"], review.Action.APPROVE, "township_review")
    assert (no_words.outcome, stale.outcome) == (Outcome.NOTE_REQUIRED, Outcome.STALE)
    assert (returned.outcome, rejected.outcome) == (Outcome.RETURNED, Outcome.REJECTED)
    assert blocked.outcome == Outcome.NOT_AT_THIS_STEP
    assert status_of(session_factory, c["li"]) == S.RETURNED
    assert status_of(session_factory, c["wang"]) == S.REJECTED
    with session_factory() as session:
        assert session.get(Application, c["li"]).review_note == "补照片"


def test_a_failure_rolls_back_its_own_claim_only(session_factory, county):
    c = county.claims

    def after(session, application, notice):
        if application.id == c["zhang"]:
            raise sa.exc.IntegrityError("INSERT INTO notification …", {}, Exception("refused"))

    with session_factory.begin() as session:
        result = approve_batch(
            session,
            staff_of(session, county, "township"),
            [c["zhang"], c["ouyang"]],
            {},
            None,
            after=after,
        )
    assert result.of(c["zhang"]).outcome == Outcome.FAILED
    assert result.of(c["ouyang"]).outcome == Outcome.APPROVED
    assert not on_draft_notice(session_factory, c["zhang"])
    assert audit_of(session_factory, c["zhang"]) == []
    assert on_draft_notice(session_factory, c["ouyang"])
