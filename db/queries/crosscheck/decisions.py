"""Decisions computed again with the registry's facts, as the cross-check's second step does.

Where the registry is authoritative (household type, risk eliminated, birth date) its word
replaces what the claim said (``with_registry``), then the policy decides (``decide``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from db.models import Application
from policy import FACT_NAMES, Parameters, PolicyError, assess, facts_from_mapping


def with_registry(facts: dict[str, Any], row: Any) -> dict[str, Any]:
    """The facts with the registry's word where it is authoritative (and has one)."""
    updated = dict(facts)
    if row.has_household:
        updated["household_type"] = row.household_type
        updated["risk_eliminated"] = row.risk_month
    if row.registry_birth is not None:
        updated["birth_date"] = row.registry_birth
    return updated


def decide(
    application: Application, facts: dict[str, Any], day: date, params: Parameters
) -> dict[str, Any]:
    """The policy's decision on the claim with ``facts`` on ``day``, as stored on it; facts the
    policy refuses as contradictory make a decision that asks a person to look."""
    known = {k: v for k, v in facts.items() if k in FACT_NAMES and v is not None}
    try:
        decision = assess(
            application.program.value,
            facts_from_mapping({**known, "year": application.year, "as_of": day.isoformat()}),
            params,
        )
    except PolicyError as error:
        # The registry contradicts the claim (work before birth…): a person must look.
        code = getattr(error, "code", type(error).__name__)
        return {
            "program": application.program.value,
            "eligible": None,
            "amount": 0,
            "reasons": ["facts_contradict_registry"],
            "missing": [],
            "review": True,
            "deadline": None,
            "details": [{"code": "facts_contradict_registry", "values": {"error": code}}],
        }
    return decision.to_dict()
