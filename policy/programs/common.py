"""Conditions shared by the programs, and the way their results become a Decision.

Each check adds a definitive failure, a missing fact, or a note to an Outcome. A program is not
eligible as soon as one failure is known, whatever else is missing, so facts that could not
change the result are never asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from policy import places, windows
from policy.decision import Decision, Reason
from policy.facts import FIELD_ORDER, Facts
from policy.months import Month, months_in_year
from policy.parameters import Parameters
from policy.ric import age_on

_SHARED = ("eligibility", "checks", "process")


@dataclass
class Context:
    """Facts, parameters and the instant and county at which parameters are read."""

    program: str
    facts: Facts
    params: Parameters
    county: str | None
    on: date

    @classmethod
    def create(cls, program: str, facts: Facts, params: Parameters) -> Context:
        return cls(program, facts, params, facts.home_county, date(facts.year, 1, 1))

    def value(self, name: str) -> Any:
        return self.params.get(self.qualified(name), self.on, self.county)

    def reference(self, name: str) -> str:
        return self.params.lookup(self.qualified(name), self.on, self.county).reference

    def qualified(self, name: str) -> str:
        """Names are relative to the program unless they start at a shared branch."""
        return name if name.split(".")[0] in _SHARED else f"{self.program}.{name}"


@dataclass
class Outcome:
    """What the checks found so far."""

    failures: list[Reason] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    review: bool = False

    def fail(self, code: str, values: dict[str, Any], reference: str | None = None) -> None:
        self.failures.append(Reason(code, values, reference))

    def note(
        self, code: str, values: dict[str, Any], reference: str | None = None, review: bool = False
    ) -> None:
        self.notes.append(Reason(code, values, reference))
        self.review = self.review or review

    def need(self, *names: str) -> None:
        self.missing.update(names)

    def decide(self, ctx: Context, amount: int) -> Decision:
        """Turn the findings into a Decision; `amount` is used only when eligible."""
        # The last day claims of the year are taken (the window's close).
        deadline = windows.window(ctx.program, ctx.facts.year, ctx.county, ctx.params).closes
        if self.failures:
            eligible: bool | None = False
        elif self.missing:
            eligible = None
        else:
            eligible = True
        order = {name: index for index, name in enumerate(FIELD_ORDER)}
        missing = (
            () if self.failures else tuple(sorted(self.missing, key=lambda n: order.get(n, 99)))
        )
        return Decision(
            program=ctx.program,
            eligible=eligible,
            amount=amount if eligible else 0,
            reasons=tuple(self.failures + self.notes),
            missing=missing,
            deadline=deadline,
            review=self.review,
        )


def check_documented(ctx: Context, out: Outcome) -> None:
    """A year no document covers still computes, with the last known values, but for review."""
    if not ctx.value("documented"):
        out.note(
            "parameters_unconfirmed_for_year",
            {"year": ctx.facts.year, "program": ctx.program},
            ctx.reference("documented"),
            review=True,
        )


def check_household(ctx: Context, out: Outcome) -> None:
    """脱贫户 qualify; 监测对象 while their risk is open or was closed after the work started."""
    facts = ctx.facts
    if facts.household_type is None:
        out.need("household_type")
    elif facts.household_type == "none":
        out.fail("household_not_eligible", {"household_type": "none"})
    elif facts.household_type == "monitored" and facts.risk_eliminated is not None:
        if not ctx.value("eligibility.monitored_requires_open_risk"):
            return
        if facts.work_from is None:
            out.need("work_from")
        elif facts.risk_eliminated <= facts.work_from:
            # Month precision: elimination in the month the work started is not "after" it.
            out.fail(
                "risk_eliminated_before_work",
                {"risk_eliminated": str(facts.risk_eliminated), "work_from": str(facts.work_from)},
                ctx.reference("eligibility.monitored_requires_open_risk"),
            )


def check_age(ctx: Context, out: Outcome) -> None:
    """At least `min_age` on the first day of the month the work started; no upper limit."""
    facts = ctx.facts
    if facts.birth_date is None:
        out.need("birth_date")
        return
    if facts.work_from is None:
        out.need("work_from")
        return
    age = age_on(facts.birth_date, facts.work_from.first_day())
    min_age = ctx.value("eligibility.min_age")
    if age < min_age:
        out.fail(
            "under_min_age",
            {"age": age, "min_age": min_age, "work_from": str(facts.work_from)},
            ctx.reference("eligibility.min_age"),
        )


def check_paid(ctx: Context, out: Outcome) -> None:
    if ctx.program in ctx.facts.paid_programs:
        out.fail("already_paid_this_year", {"year": ctx.facts.year, "program": ctx.program})


def work_months(ctx: Context, out: Outcome) -> int | None:
    """Whole months worked in the year the claim covers; None when the period is unknown.

    Work that ended before the claim year is a back-claim for the year it ended in, allowed
    only for the previous year and only where `allow_previous_year` is on for the claim year.
    """
    facts = ctx.facts
    end = facts.work_end
    if facts.work_from is None or end is None:
        out.need("work_from")
        return None
    work_year = facts.year
    # Only work that has ended can be a back-claim; open work seen before the year is just none.
    if facts.work_to is not None and end < Month(facts.year, 1):
        work_year = end.year
        allowed = ctx.value("eligibility.allow_previous_year")
        values = {"work_year": work_year, "claim_year": facts.year}
        if not allowed or work_year != facts.year - 1:
            out.fail(
                "previous_year_not_allowed",
                values,
                ctx.reference("eligibility.allow_previous_year"),
            )
            return None
        out.note("previous_year_claim", values, ctx.reference("eligibility.allow_previous_year"))
    months = months_in_year(facts.work_from, end, work_year)
    if months == 0:
        out.fail(
            "no_work_in_claim_year",
            {"year": work_year, "work_from": str(facts.work_from), "work_to": str(end)},
        )
        return None
    return months


def check_wage_plausible(ctx: Context, out: Outcome) -> None:
    """The national system's range checks on a declared wage: a warning, never a refusal."""
    wage = ctx.facts.monthly_wage
    if wage is None:
        return
    low, high, flag = (ctx.value(f"checks.{n}") for n in ("wage_min", "wage_max", "wage_low"))
    reference = ctx.reference("checks.wage_min")
    shown = _number(Decimal(wage))
    if wage < low or wage > high:
        out.note(
            "wage_outside_system_range", {"wage": shown, "min": low, "max": high}, reference, True
        )
    elif wage < flag:
        out.note("wage_unusually_low", {"wage": shown, "threshold": flag}, reference, True)


def classify_place(ctx: Context, out: Outcome) -> str | None:
    """Where the work is seen from home (places.classify); None and missing facts when unknown."""
    facts = ctx.facts
    if facts.work_place is None:
        out.need("work_place")
    if facts.home_county is None:
        out.need("home_county")
    if facts.work_place is None or facts.home_county is None:
        return None
    kind = places.classify(facts.work_place, facts.home_county)
    if kind is None:
        out.need("work_place")
        out.note(
            "work_place_too_coarse",
            {"work_place": facts.work_place, "home_county": facts.home_county},
        )
    return kind


def _number(value: Decimal) -> int | float:
    """A JSON-friendly number: integral wages as int."""
    return int(value) if value == value.to_integral_value() else float(value)
