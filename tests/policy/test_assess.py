"""assess()/assess_all(): the public API, input validation and invariants over many facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy import (
    PROGRAMS,
    Facts,
    InvalidFacts,
    Month,
    UnknownProgram,
    assess,
    assess_all,
    facts_from_mapping,
)
from policy.facts import FIELD_ORDER


def test_assess_all_returns_one_decision_per_program_in_order() -> None:
    facts = Facts(year=2025, household_type="poverty_alleviated")
    assert [d.program for d in assess_all(facts)] == list(PROGRAMS)


def test_unknown_program_is_an_error() -> None:
    with pytest.raises(UnknownProgram):
        assess("housing", Facts(year=2025))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"work_from": Month(2025, 5), "work_to": Month(2025, 3)}, "work_to"),
        ({"monthly_wage": -1}, "monthly_wage"),
        ({"household_type": "rich"}, "household_type"),
        ({"channel": "office"}, "channel"),
        ({"paid_programs": frozenset({"housing"})}, "paid_programs"),
        ({"home_county": "1405"}, "home_county"),
        ({"work_place": "140"}, "work_place"),
        ({"contract_months": -3}, "contract_months"),
        ({"year": 1999}, "year"),
        ({"monthly_wage": "lots"}, "monthly_wage"),
    ],
)
def test_invalid_facts_name_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFacts) as caught:
        Facts(**{"year": 2025, **values})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_wages_become_decimals() -> None:
    assert Facts(year=2025, monthly_wage=1000).monthly_wage == Decimal(1000)


def test_facts_from_mapping_reads_plain_values() -> None:
    facts = facts_from_mapping(
        {
            "year": 2025,
            "id_number": "140581199003151232",
            "work_place": "宁波",
            "work_from": "2025-03",
            "as_of": "2025-06-30",
        }
    )
    assert (facts.work_place, facts.work_from, facts.home_county) == (
        "3302",
        Month(2025, 3),
        "140581",
    )
    assert facts.as_of == date(2025, 6, 30)
    with pytest.raises(InvalidFacts):
        facts_from_mapping({"year": 2025, "salary": 3})


def test_decision_to_dict_keeps_the_contract_keys() -> None:
    decision = assess("transport", Facts(year=2025, household_type="none"))
    data = decision.to_dict()
    assert {"program", "eligible", "amount", "reasons", "missing"} <= set(data)
    assert data["reasons"] == ["household_not_eligible"]


facts_strategy = st.builds(
    Facts,
    year=st.just(2025),
    household_type=st.sampled_from([None, "poverty_alleviated", "monitored", "none"]),
    risk_eliminated=st.one_of(st.none(), st.builds(Month, st.just(2025), st.integers(1, 12))),
    birth_date=st.one_of(st.none(), st.dates(date(1940, 1, 1), date(2012, 1, 1))),
    home_county=st.sampled_from([None, "140581", "140821", "141182", "140421"]),
    work_place=st.sampled_from([None, "32", "14", "1401", "1405", "140525", "140581", "140802"]),
    work_from=st.one_of(st.none(), st.builds(Month, st.integers(2024, 2025), st.integers(1, 12))),
    same_employer=st.one_of(st.none(), st.booleans()),
    monthly_wage=st.one_of(st.none(), st.integers(0, 40000)),
    channel=st.sampled_from([None, "migrant", "workshop"]),
    contract_months=st.one_of(st.none(), st.integers(0, 24)),
    paid_programs=st.frozensets(st.sampled_from(PROGRAMS)),
    as_of=st.just(date(2025, 12, 31)),
)


@settings(max_examples=400, deadline=None)
@given(facts=facts_strategy)
def test_decisions_are_consistent(facts: Facts) -> None:
    for decision in assess_all(facts):
        # amounts only when eligible; missing only when undecided; missing in the person's order
        assert (decision.amount > 0) <= (decision.eligible is True)
        assert (decision.eligible is None) == bool(decision.missing)
        assert list(decision.missing) == sorted(decision.missing, key=FIELD_ORDER.index)
        assert decision.amount >= 0 and decision.deadline is not None
        if decision.eligible is False:
            assert decision.reasons


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy)
def test_filling_in_a_missing_fact_never_turns_a_refusal_into_something_else(facts: Facts) -> None:
    # A definitive refusal must not depend on facts that were unknown.
    for decision in assess_all(facts):
        if decision.eligible is False and facts.monthly_wage is None:
            filled = Facts(**{**facts.__dict__, "monthly_wage": Decimal(5000)})
            again = assess(decision.program, filled)
            assert again.eligible is False
