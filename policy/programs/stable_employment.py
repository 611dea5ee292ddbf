"""脱贫劳动力外出务工就业稳岗补助: 6+ months at one employer with wage >= 1000 -> 200 x 6."""

from __future__ import annotations

from decimal import Decimal

from policy import places
from policy.decision import Decision
from policy.programs.common import (
    Context,
    Outcome,
    check_age,
    check_documented,
    check_household,
    check_paid,
    check_wage_plausible,
    classify_place,
    work_months,
)

PROGRAM = "stable_employment"


def assess(ctx: Context) -> Decision:
    out = Outcome()
    facts = ctx.facts
    check_documented(ctx, out)
    check_household(ctx, out)
    check_age(ctx, out)
    check_paid(ctx, out)
    if facts.channel == "workshop":
        # The workshop program pays for that job; the two are not combined (docs/domain.md §2.3).
        out.fail("workshop_not_combined_with_stable", {"channel": "workshop"})
    amount = ctx.value("monthly_amount") * ctx.value("paid_months")
    _check_place(ctx, out)
    if facts.same_employer is None:
        out.need("same_employer")
    elif not facts.same_employer:
        out.fail("not_same_employer", {"same_employer": False}, ctx.reference("min_months"))
    months = work_months(ctx, out)
    if months is not None:
        min_months = ctx.value("min_months")
        if months < min_months:
            out.fail(
                "below_min_months",
                {"months": months, "min_months": min_months, "needs_months": min_months - months},
                ctx.reference("min_months"),
            )
    if facts.monthly_wage is None:
        out.need("monthly_wage")
    else:
        min_wage = ctx.value("min_monthly_wage")
        wage = Decimal(facts.monthly_wage)
        if wage < min_wage:
            out.fail(
                "wage_below_minimum",
                {"wage": _plain(wage), "min_wage": min_wage, "needs_wage": _plain(min_wage - wage)},
                ctx.reference("min_monthly_wage"),
            )
    check_wage_plausible(ctx, out)
    if len(out.failures) == 1 and out.failures[0].code in (
        "below_min_months",
        "wage_below_minimum",
    ):
        out.failures[0].values["amount_if_met"] = amount
    if not out.failures and not out.missing:
        out.note(
            "stable_employment_amount",
            {
                "months": months,
                "monthly_amount": ctx.value("monthly_amount"),
                "paid_months": ctx.value("paid_months"),
                "amount": amount,
            },
            ctx.reference("monthly_amount"),
        )
    return out.decide(ctx, amount)


def _check_place(ctx: Context, out: Outcome) -> None:
    """No source requires work outside the home county; the county decides, default is review."""
    required = ctx.value("require_outside_home_county")
    if not required and (ctx.facts.work_place is None or ctx.facts.home_county is None):
        return  # the place cannot change the outcome here
    probe = Outcome()
    kind = classify_place(ctx, probe)
    values = {"work_place": ctx.facts.work_place, "home_county": ctx.facts.home_county}
    reference = ctx.reference("require_outside_home_county")
    if required:
        out.missing |= probe.missing
        if kind == places.HOME_COUNTY:
            out.fail("work_in_home_county", values, reference)
    elif kind in (places.HOME_COUNTY, None):
        out.note("outside_home_county_unresolved", values, reference, review=True)


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
