"""Policy decisions in plain words: reason codes and hints, per program, in the user's language."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from common.i18n import N_
from policy import Decision, place_name
from policy.errors import PolicyError

Translate = Callable[..., str]

PROGRAM_NAMES = {
    "transport": N_("One-off transport subsidy"),
    "stable_employment": N_("Stable-employment subsidy"),
    "workshop_employment": N_("Assistance-workshop subsidy"),
}

REASONS = {
    "household_not_eligible": N_(
        "Only workers of households lifted out of poverty (脱贫户) or of monitored households "
        "(监测户) can get it."
    ),
    "risk_eliminated_before_work": N_(
        "Your household's risk was marked as eliminated in {risk_eliminated}, before the work "
        "started in {work_from}."
    ),
    "under_min_age": N_("You were {age} when the work started; the minimum age is {min_age}."),
    "already_paid_this_year": N_("It has already been paid to you for {year}."),
    "previous_year_not_allowed": N_(
        "Work done in {work_year} cannot be claimed in {claim_year} in your county."
    ),
    "previous_year_claim": N_("This is a claim for work done in {work_year}."),
    "no_work_in_claim_year": N_("None of the months worked falls in {year}."),
    "parameters_unconfirmed_for_year": N_(
        "No document confirms the amounts for {year} yet; the last confirmed amounts are shown."
    ),
    "wage_outside_system_range": N_(
        "A monthly wage of {wage} yuan is outside the usual range ({min}–{max} yuan); a "
        "reviewer will check it."
    ),
    "wage_unusually_low": N_(
        "A monthly wage of {wage} yuan is unusually low; a reviewer will check it."
    ),
    "other_province_tier": N_("You work in another province ({place})."),
    "own_province_tier": N_("You work in Shanxi, outside your home county ({place})."),
    "own_city_tier": N_("You work in your own city, outside your home county ({place})."),
    "place_group_tier": N_("You work in {place}."),
    "work_in_home_county": N_(
        "You work in your home county ({place}); only work outside it counts."
    ),
    "workshop_job_no_transport": N_(
        "A job at an assistance workshop is local work, so it gets no transport subsidy."
    ),
    "below_min_months": N_("You worked {months} months; at least {min_months} are needed."),
    "work_place_too_coarse": N_("The county or city where you work is needed."),
    "workshop_not_combined_with_stable": N_(
        "A workshop job gets the assistance-workshop subsidy instead."
    ),
    "not_same_employer": N_("It needs 6 months or more at the same employer."),
    "wage_below_minimum": N_(
        "Your average monthly wage of {wage} yuan is below the {min_wage} yuan needed."
    ),
    "outside_home_county_unresolved": N_(
        "You work in your home county; the rules do not say whether that counts, so a "
        "reviewer will decide."
    ),
    "stable_employment_amount": N_(
        "{months} months at one employer: {monthly_amount} yuan × {paid_months} months."
    ),
    "not_workshop_job": N_("It is only for workers of an assistance workshop (帮扶车间)."),
    "contract_too_short": N_(
        "Your contract is for {contract_months} months; at least {min_contract_months} are needed."
    ),
    "workshop_amount": N_("{monthly_amount} yuan for each of the {months} months worked."),
}

HINT_MONTHS = N_("{needs_months} more month(s) of work and you qualify for {amount} yuan.")
HINT_WAGE = N_("With an average wage of {min_wage} yuan or more you would get {amount} yuan.")

MISSING_NAMES = {
    "work_place": N_("where you work"),
    "work_from": N_("when the work started"),
    "same_employer": N_("whether it is one employer"),
    "monthly_wage": N_("your monthly wage"),
    "household_type": N_("your household type"),
    "birth_date": N_("your date of birth"),
    "home_county": N_("your home county"),
    "contract_months": N_("the length of your contract"),
}


def program_name(t: Translate, program: str) -> str:
    return t(PROGRAM_NAMES.get(program, program))


def document(reference: str | None) -> str | None:
    """The short name of the document a reason comes from: 晋乡振发〔2023〕44号, …"""
    if not reference:
        return None
    for separator in (" (", ";", ",", "，", " http"):
        reference = reference.split(separator, 1)[0]
    return reference.strip() or None


def _place(code: Any) -> str:
    try:
        return place_name(str(code))
    except (PolicyError, LookupError, ValueError):
        return str(code)


def reason_lines(t: Translate, decision: Decision) -> list[str]:
    """One sentence per reason, with its document where it has one, then the hints."""
    lines = []
    hints = []
    for reason in decision.reasons:
        message = REASONS.get(reason.code)
        if message is None:
            continue
        values = dict(reason.values)
        if "work_place" in values:
            values["place"] = _place(values["work_place"])
        line = t(message, **values)
        source = document(reason.reference)
        if source and decision.eligible is not None:
            line += " " + t("(Source: {document})", document=source)
        lines.append(line)
        if "amount_if_met" in values:
            hint = HINT_MONTHS if reason.code == "below_min_months" else HINT_WAGE
            hints.append(t(hint, **values, amount=values["amount_if_met"]))
    return lines + hints


def decision_text(t: Translate, decision: Decision) -> str:
    """A program's verdict: yes with the amount, no, or what is still needed, and why."""
    name = program_name(t, decision.program)
    if decision.eligible is True:
        head = t("✅ {program}: {amount} yuan", program=name, amount=decision.amount)
    elif decision.eligible is False:
        head = t("❌ {program}: not this time", program=name)
    else:
        needed = ", ".join(t(MISSING_NAMES.get(m, m)) for m in decision.missing)
        head = t("❔ {program}: depends on {needed}", program=name, needed=needed)
    lines = [head, *("  " + line for line in reason_lines(t, decision))]
    if decision.review:
        lines.append("  " + t("⚠️ A reviewer will look at this one closely."))
    return "\n".join(lines)


def decisions_text(t: Translate, decisions: Iterable[Decision]) -> str:
    return "\n\n".join(decision_text(t, decision) for decision in decisions)
