"""帮扶车间务工就业稳岗补助: contract >= 6 months -> 200 x months worked in the claim year."""

from __future__ import annotations

from policy.decision import Decision
from policy.programs.common import (
    Context,
    Outcome,
    check_age,
    check_documented,
    check_household,
    check_paid,
    check_wage_plausible,
    work_months,
)

PROGRAM = "workshop_employment"


def assess(ctx: Context) -> Decision:
    out = Outcome()
    facts = ctx.facts
    check_documented(ctx, out)
    if facts.channel != "workshop":
        # Not stated counts as ordinary migrant work (see Facts.channel).
        out.fail("not_workshop_job", {"channel": facts.channel or "migrant"})
    check_household(ctx, out)
    check_age(ctx, out)
    check_paid(ctx, out)
    min_contract = ctx.value("min_contract_months")
    if facts.contract_months is None:
        out.need("contract_months")
    elif facts.contract_months < min_contract:
        out.fail(
            "contract_too_short",
            {"contract_months": facts.contract_months, "min_contract_months": min_contract},
            ctx.reference("min_contract_months"),
        )
    months = work_months(ctx, out)
    monthly = ctx.value("monthly_amount")
    amount = monthly * months if months is not None else 0
    check_wage_plausible(ctx, out)
    if months is not None and not out.failures:
        out.note(
            "workshop_amount",
            {"months": months, "monthly_amount": monthly, "amount": amount},
            ctx.reference("monthly_amount"),
        )
    return out.decide(ctx, amount)
