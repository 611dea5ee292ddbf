"""Approving over a blocking finding (⛔) takes the reviewer's reason, kept in the audit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from db.enums import ApplicationStatus, Severity, StaffRole
from db.models import Application, AuditEvent, Finding, Staff
from db.queries import review as rules
from tests.review.conftest import add_claim, make_staff

VILLAGE = "140581100200"


def with_finding(session_factory, severity: Severity) -> int:
    """Given a claim at village review whose transport subsidy the registry shows as paid."""
    claim = add_claim(
        session_factory, "王五", "140581199003151232", ApplicationStatus.VILLAGE_REVIEW
    )
    with session_factory.begin() as session:
        session.add(
            Finding(
                application_id=claim,
                code="transport_already_paid",
                severity=severity,
                registry_values={"transport_subsidy_fen": 150000, "start": "2025-03"},
            )
        )
    return claim


def test_a_cadre_approves_over_a_blocking_finding_only_with_a_reason(chat, session_factory):
    """When the cadre taps Approve, the finding is shown and a reason asked; a one-letter
    answer is asked again; the reason given is in the approval's audit event."""
    claim = with_finding(session_factory, Severity.ERROR)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, VILLAGE)
    cadre.say("/review")
    cadre.tap(f"review:approve:{claim}")
    assert "⛔" in cadre.text and "1500" in cadre.text
    cadre.say("好")
    assert "approve" in cadre.text.lower() or "批准" in cadre.text
    cadre.say("已电话核实：系2024年的交通补贴，年份填错")
    with session_factory() as session:
        event = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.application_id == claim, AuditEvent.action == "approve"
            )
        ).one()
    assert event.data["override"] == {
        "findings": ["transport_already_paid"],
        "reason": "已电话核实：系2024年的交通补贴，年份填错",
    }
    assert "review:post" in cadre.buttons  # approved: it waits for the notice


def test_a_warning_does_not_ask_for_a_reason(chat, session_factory):
    claim = with_finding(session_factory, Severity.WARNING)
    cadre = make_staff(chat, session_factory, StaffRole.CADRE, VILLAGE)
    cadre.say("/review")
    cadre.tap(f"review:approve:{claim}")
    assert "review:post" in cadre.buttons


def test_without_a_reason_the_database_layer_refuses(session_factory, session):
    claim_id = with_finding(session_factory, Severity.ERROR)
    cadre = Staff(name="村干部", role=StaffRole.CADRE, region_code=VILLAGE)
    session.add(cadre)
    session.flush()
    application = session.get(Application, claim_id)
    with pytest.raises(rules.ReasonRequired) as refused:
        rules.approve(session, cadre, application)
    assert refused.value.codes == ["transport_already_paid"]
