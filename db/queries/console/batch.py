"""The console's decisions: approving many claims at once, and one claim's approve, return or
reject from a form that may be stale.

Every step is the chat's own (``db.queries.review.steps``: ``approve``, which confirms at the
county, ``return_for_correction``, ``reject``), so the rules, the audit events and the draft
notices are exactly the chat's. What the chat does besides, telling the applicant
(``common.notify``), the caller passes as ``after``: this layer may not import it.

Each claim is decided in a savepoint of the caller's transaction: a refusal or a failure rolls
back that claim only and the others go on; the caller commits once at the end. A claim whose
status is no longer the one the form showed (``expected_status``) is left as it is: someone
decided it meanwhile or it moved on. Each claim gets an ``Outcome`` code for the page to put
in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Application, Notice, Staff
from db.queries import review
from db.queries.budgets import BudgetExceeded
from db.queries.console.queue import version
from db.queries.review.steps import lock

# What the caller does after each step, in the claim's savepoint: what the chat's review
# dialog does after it (the notice is the draft notice of an approval below the county, None
# after a county confirmation, a return or a rejection).
After = Callable[[Session, Application, Notice | None], None]


class Outcome(StrEnum):
    APPROVED = "approved"  # onto the draft notice of the level, or confirmed by the county
    RETURNED = "returned"
    REJECTED = "rejected"
    REASON_REQUIRED = "reason_required"  # a blocking finding stands and no reason was given
    NOTE_REQUIRED = "note_required"  # returning or rejecting needs words for the applicant
    STALE = "stale"  # its status is no longer the one the form showed: left unchanged
    ALREADY_APPROVED = "already_approved"  # approved at this level already (by a colleague)
    NOT_AT_THIS_STEP = "not_at_this_step"  # it waits elsewhere in the chain
    NOT_ELIGIBLE = "not_eligible"  # the policy's decision refuses it
    NOT_ALLOWED = "not_allowed"  # outside the staff member's region or role (or no such claim)
    OVER_BUDGET = "over_budget"  # the county's allocation for the program and year is spent
    FAILED = "failed"  # the database refused the change; nothing of it was kept


DONE = frozenset({Outcome.APPROVED, Outcome.RETURNED, Outcome.REJECTED})
_AT_THIS_STEP = {
    "already_approved": Outcome.ALREADY_APPROVED,
    "not_eligible": Outcome.NOT_ELIGIBLE,
}


@dataclass(frozen=True)
class ClaimOutcome:
    """What became of one claim; ``detail`` is the refusal's own code (e.g. outside_region,
    wrong_role), the blocking finding codes of REASON_REQUIRED, or the status found when
    STALE."""

    application_id: int
    outcome: Outcome
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.outcome in DONE


@dataclass(frozen=True)
class BatchResult:
    outcomes: tuple[ClaimOutcome, ...]

    @property
    def approved(self) -> tuple[int, ...]:
        return tuple(o.application_id for o in self.outcomes if o.outcome == Outcome.APPROVED)

    @property
    def skipped(self) -> tuple[ClaimOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.done)

    def of(self, application_id: int) -> ClaimOutcome:
        return next(o for o in self.outcomes if o.application_id == application_id)


def approve_batch(
    session: Session,
    staff: Staff | None,
    application_ids: Iterable[int],
    reasons: Mapping[int, str],
    expected_status: Mapping[int, str] | None,
    *,
    after: After | None = None,
    expected_version: Mapping[int, str] | None = None,
) -> BatchResult:
    """Approve each claim (the county: confirm) through the chat's ``approve``, each in its own
    savepoint, in the order given (each id once).

    A claim with a blocking finding is approved only with its own reason in ``reasons`` (kept
    in the audit, as the chat asks for it); without one it is left out (REASON_REQUIRED).
    A claim whose status differs from ``expected_status[id]``, or whose `version` differs
    from ``expected_version[id]`` (it changed since the form was made), is left out (STALE).
    """
    outcomes = []
    for application_id in dict.fromkeys(application_ids):
        expected = (expected_status or {}).get(application_id)
        reason = reasons.get(application_id)
        outcomes.append(
            _decide(
                session,
                staff,
                application_id,
                review.Action.APPROVE,
                expected,
                reason,
                after,
                None if expected_version is None else expected_version.get(application_id, ""),
            )
        )
    return BatchResult(tuple(outcomes))


def decide(
    session: Session,
    staff: Staff | None,
    application_id: int,
    action: review.Action,
    expected_status: str | None,
    text: str | None = None,
    *,
    after: After | None = None,
    expected_version: str | None = None,
) -> ClaimOutcome:
    """One claim's step from the claim page: approve (``text`` the reason a blocking finding
    needs), return for correction (``text`` what to fix) or reject (``text`` why), refused
    when its status is no longer ``expected_status``. In a savepoint, as in ``approve_batch``.
    """
    if action not in (review.Action.APPROVE, review.Action.RETURN, review.Action.REJECT):
        raise ValueError(f"the console decides approve, return or reject, not {action.value}")
    return _decide(
        session, staff, application_id, action, expected_status, text, after, expected_version
    )


def _step(
    session: Session,
    staff: Staff | None,
    application: Application,
    action: review.Action,
    text: str | None,
) -> tuple[Outcome, Notice | None]:
    if action == review.Action.APPROVE:
        return Outcome.APPROVED, review.approve(session, staff, application, reason=text)
    if action == review.Action.RETURN:
        review.return_for_correction(session, staff, application, text)
        return Outcome.RETURNED, None
    review.reject(session, staff, application, text)
    return Outcome.REJECTED, None


def _changed(
    application: Application, expected: str | None, expected_version: str | None
) -> str | None:
    """How the claim differs from what the form was made for (its status, or "changed" when
    only its version does); None when it is the same (or nothing was expected)."""
    if expected is not None and application.status.value != expected:
        return application.status.value
    if expected_version is not None and version(application) != expected_version:
        return "changed"
    return None


def _decide(
    session: Session,
    staff: Staff | None,
    application_id: int,
    action: review.Action,
    expected: str | None,
    text: str | None,
    after: After | None,
    expected_version: str | None = None,
) -> ClaimOutcome:
    def outcome(code: Outcome, detail: str = "") -> ClaimOutcome:
        return ClaimOutcome(application_id, code, detail)

    try:
        with session.begin_nested():
            application = review.view(session, staff, application_id)
            lock(session, application)
            changed = _changed(application, expected, expected_version)
            if changed is not None:
                return outcome(Outcome.STALE, changed)
            done, notice = _step(session, staff, application, action, text)
            if after is not None:
                after(session, application, notice)
            return outcome(done)
    except review.NotAllowed as error:
        return outcome(Outcome.NOT_ALLOWED, error.code)
    except review.ReasonRequired as error:
        return outcome(Outcome.REASON_REQUIRED, ",".join(error.codes))
    except review.NoteRequired as error:
        return outcome(Outcome.NOTE_REQUIRED, error.code)
    except review.NotAtThisStep as error:
        return outcome(_AT_THIS_STEP.get(error.code, Outcome.NOT_AT_THIS_STEP), error.code)
    except BudgetExceeded:
        return outcome(Outcome.OVER_BUDGET)
    except sa.exc.DBAPIError as error:
        return outcome(Outcome.FAILED, type(error.orig).__name__)
