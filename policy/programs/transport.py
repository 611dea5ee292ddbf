"""外出务工一次性交通补贴: a fixed amount per person per year by where the work is."""

from __future__ import annotations

from typing import Any

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

PROGRAM = "transport"


def assess(ctx: Context) -> Decision:
    out = Outcome()
    facts = ctx.facts
    check_documented(ctx, out)
    check_household(ctx, out)
    check_age(ctx, out)
    check_paid(ctx, out)
    if facts.channel == "workshop":
        # Workshop jobs count as in-county employment in the national system (docs/domain.md §2.3).
        out.fail("workshop_job_no_transport", {"channel": "workshop"})
    months = work_months(ctx, out)
    if months is not None:
        min_months = ctx.value("min_months")
        if months < min_months:
            hint: dict[str, Any] = {"months": months, "min_months": min_months}
            hint["needs_months"] = min_months - months
            out.fail("below_min_months", hint, ctx.reference("min_months"))
    amount = _amount(ctx, out)
    check_wage_plausible(ctx, out)
    if amount and len(out.failures) == 1 and out.failures[0].code == "below_min_months":
        out.failures[0].values["amount_if_met"] = amount
    return out.decide(ctx, amount)


def _amount(ctx: Context, out: Outcome) -> int:
    """The tier amount for the work place; 0 (with a failure) in the home county."""
    kind = classify_place(ctx, out)
    if kind is None:
        return 0
    work = ctx.facts.work_place or ""
    values: dict[str, Any] = {"work_place": work, "tier": kind}
    if kind == places.HOME_COUNTY:
        values = {"work_place": work, "home_county": ctx.facts.home_county}
        out.fail("work_in_home_county", values, ctx.reference("amount.home_county"))
        return 0
    group = _group(ctx, out, work)
    if group is not None:
        values.update(group=group["name"], amount=group["amount"])
        out.note("place_group_tier", values, ctx.reference("place_groups"))
        return int(group["amount"])
    if out.missing & {"work_place"}:
        return 0
    amount = ctx.value(f"amount.{kind}")
    if amount is None and kind == places.OWN_CITY:
        # No city tier in this county: work elsewhere in the city is just "in the province".
        kind = places.OWN_PROVINCE
        amount = ctx.value(f"amount.{kind}")
    values.update(tier=kind, amount=amount)
    name = f"amount.{kind}"
    out.note(f"{kind}_tier", values, ctx.reference(name))
    return int(amount)


def _group(ctx: Context, out: Outcome, work: str) -> dict[str, Any] | None:
    """The most specific place group containing the work place, if any.

    A group inside a coarser work place (a city group when only the province is known) means
    the amount depends on where exactly, so the work place is asked for.
    """
    best: tuple[int, dict[str, Any]] | None = None
    for group in ctx.value("place_groups"):
        for code in group["places"]:
            if places.contains(code, work):
                if best is None or len(code) > best[0]:
                    best = (len(code), group)
            elif len(code) > len(work) and places.contains(work, code):
                out.need("work_place")
    return best[1] if best else None
