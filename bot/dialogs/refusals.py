"""Refusals of the review chain in plain words: why an action is not allowed, or the budget
does not cover a claim (db.queries.review and db.queries.budgets name the cases)."""

from __future__ import annotations

from typing import Any

from bot.dialogs.base import Turn
from common.i18n import N_
from common.texts import program_name
from db.queries import review as rules
from db.queries.budgets import BudgetExceeded, NoAllocation

REFUSALS = {
    "not_staff": N_(
        "This is for village, township and county staff. Staff get an invite code from "
        "their township and send /start CODE."
    ),
    "inactive": N_("Your staff role is no longer active."),
    "scope_mismatch": N_(
        "Your role does not match the region code it was given. Please ask for a new invite code."
    ),
    "wrong_role": N_("Your role does not allow this."),
    "wrong_level": N_("This belongs to another level of the review."),
    "outside_region": N_("This is outside your region."),
    "not_yours": N_("This application is not yours."),
    "not_at_this_step": N_(
        "This application is no longer waiting for your review; someone may have acted on it."
    ),
    "already_approved": N_("You approved this one already; it waits for the notice."),
    "not_eligible": N_(
        "The policy check says this claim is not eligible, so it cannot be approved. Return "
        "it for correction or reject it."
    ),
    "note_required": N_("Please write a few words: they are sent to the person concerned."),
    "nothing_to_post": N_("There is nothing to post: no claim was approved since the last notice."),
    "notice_not_open": N_("This notice is not up any more, so objections can no longer be taken."),
    "not_on_notice": N_("That person is not on this notice."),
    "objection_resolved": N_("This objection has already been resolved."),
    "not_returned": N_("This application is not waiting for a correction."),
    "unknown_region": N_("That village is not in the region register."),
    "reason_required": N_("A finding stands against this claim: say why you approve it."),
    "roster_sent": N_(
        "The roster with this claim has been sent to the finance bureau; its note can no "
        "longer change."
    ),
    "note_too_long": N_("Please keep the roster note under 200 characters."),
}
BUDGET = N_(
    "The county's budget for the {program} {year} does not cover this claim: {remaining} "
    "yuan are left, the claim is {amount} yuan. It can be confirmed once the allocation is raised."
)
NO_BUDGET = N_(
    "The county has no budget allocation for the {program} {year} yet, so nothing can be "
    "confirmed. Import the allocation first."
)


def refuse(turn: Turn, error: rules.ReviewError) -> None:
    """Say why the action is refused, in plain words."""
    turn.say(turn.t(REFUSALS.get(error.code, REFUSALS["wrong_role"])))


def refuse_budget(turn: Turn, error: BudgetExceeded) -> None:
    values: dict[str, Any] = {
        "program": program_name(turn.t, error.program.value),
        "year": error.year,
        "remaining": error.remaining // 100,
        "amount": error.requested // 100,
    }
    turn.say(turn.t(NO_BUDGET if isinstance(error, NoAllocation) else BUDGET, **values))
