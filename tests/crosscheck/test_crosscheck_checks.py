"""Each cross-check firing and not firing, through the per-application and the set-based path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from policy import load_parameters
from tests.crosscheck.conftest import OTHER_COUNTY_VILLAGE, Registry, run_each, run_open


@dataclass(frozen=True)
class Case:
    """A sentence, the world it builds (returning the application ids), the findings expected."""

    name: str
    build: Callable[[Registry], list[int]]
    expected: dict[str, str]  # code -> severity; no other finding may appear


def matching(r: Registry, **facts) -> list[int]:
    person = r.person()
    r.record(person)
    return [r.application(person, **facts)]


def with_record(person_kwargs: dict, record_kwargs: dict, **facts) -> Callable[[Registry], list]:
    def build(r: Registry) -> list[int]:
        person = r.person(**person_kwargs)
        r.record(person, **record_kwargs)
        return [r.application(person, **facts)]

    return build


def no_record(r: Registry) -> list[int]:
    return [r.application(r.person())]


def shared_account(r: Registry) -> list[int]:
    ids = []
    for _ in range(2):
        person = r.person(account="6217000010002000305")
        r.record(person)
        ids.append(r.application(person))
    return ids


CARD = "6228480010001234567"


def one_card_two_households(r: Registry) -> list[int]:
    ids = []
    for _ in range(2):
        person = r.person()
        r.record(person)
        ids.append(r.application(person, card=CARD))
    return ids


def one_card_one_household(r: Registry) -> list[int]:
    father = r.person()
    son = r.person(household_of=father)
    for person in (father, son):
        r.record(person)
    return [r.application(father, card=CARD + "1"), r.application(son, card=CARD + "1")]


def two_counties(r: Registry) -> list[int]:
    person = r.person()
    r.record(person)
    return [
        r.application(person),
        r.application(person, program="stable_employment", region=OTHER_COUNTY_VILLAGE),
    ]


INFO = {"registry_work_record": "info"}
CASES = [
    Case("A claim that matches its work record gets only the record as evidence", matching, INFO),
    Case(
        "A person without any work record is flagged",
        no_record,
        {"no_registry_work_record": "warning"},
    ),
    Case(
        "A person whose household is not in the registry is an error",
        with_record({"household_type": None}, {}),
        {**INFO, "registry_household_not_eligible": "error"},
    ),
    Case(
        "A household that is neither 脱贫户 nor 监测户 is an error",
        with_record({"household_type": "none"}, {}),
        {**INFO, "registry_household_not_eligible": "error"},
    ),
    Case(
        "A monitored household whose risk ended before the work started is an error",
        with_record({"household_type": "monitored", "risk_eliminated": "2024-12"}, {}),
        {**INFO, "risk_eliminated_before_work": "error"},
    ),
    Case(
        "A monitored household whose risk ended after the work started is fine",
        with_record({"household_type": "monitored", "risk_eliminated": "2025-06"}, {}),
        INFO,
    ),
    Case(
        "A monitored household with open risk is fine",
        with_record({"household_type": "monitored"}, {}),
        INFO,
    ),
    Case(
        "Declaring another province than the record's is an error",
        lambda r: matching(r, work_place="32"),
        {**INFO, "work_place_mismatch": "error"},
    ),
    Case(
        "Declaring another city of the record's province is a warning",
        lambda r: matching(r, work_place="3301"),
        {**INFO, "work_place_mismatch": "warning"},
    ),
    Case(
        "Declaring only the province matches a county in that province",
        lambda r: matching(r, work_place="33"),
        INFO,
    ),
    Case(
        "A record in the home county against work declared elsewhere is an error",
        with_record({}, {"place": "140581", "place_text": "高平市"}, work_place="1401"),
        {**INFO, "work_place_mismatch": "error"},
    ),
    Case(
        "Months three apart from the record are flagged",
        with_record({}, {"start": "2025-06"}),
        {**INFO, "work_period_mismatch": "warning"},
    ),
    Case(
        "Months one apart from the record are within the tolerance",
        with_record({}, {"start": "2025-04", "end": "2025-11"}),
        INFO,
    ),
    Case(
        "Work that began the year before and goes on matches inside the claim year",
        with_record({}, {"start": "2024-05", "end": None}, work_from="2025-01", work_to=None),
        INFO,
    ),
    Case(
        "A wage 52% above the registered income is flagged",
        with_record({}, {"income": 2500}),
        {**INFO, "wage_mismatch": "warning"},
    ),
    Case("A wage 9% above the registered income is fine", with_record({}, {"income": 3500}), INFO),
    Case(
        "A workshop job (帮扶车间) cannot back a transport claim",
        with_record({}, {"channel": "帮扶车间"}),
        {**INFO, "channel_in_county_only": "error"},
    ),
    Case(
        "A public-welfare job (公益性岗位) at home backs a local stable-employment claim",
        with_record(
            {},
            {"channel": "公益性岗位", "place": "140581", "place_text": "高平市"},
            program="stable_employment",
            work_place="140581",
        ),
        INFO,
    ),
    Case(
        "A transport subsidy already paid this year is an error for a transport claim",
        with_record({}, {"transport": 1500}),
        {**INFO, "transport_already_paid": "error"},
    ),
    Case(
        "A transport subsidy already paid does not concern a stable-employment claim",
        with_record({}, {"transport": 1500}, program="stable_employment"),
        INFO,
    ),
    Case(
        "A worker of 14 at the start of the work is under the minimum age",
        with_record({"birth": "20100601"}, {}),
        {**INFO, "under_min_age": "error"},
    ),
    Case(
        "A worker turning 16 on the first day of the work is old enough",
        with_record({"birth": "20090301"}, {}),
        INFO,
    ),
    Case(
        "One bank card registered to two people is flagged on both claims",
        shared_account,
        {**INFO, "bank_account_shared": "warning"},
    ),
    Case(
        "One card paid for claims of two households of the county is an error on both",
        one_card_two_households,
        {**INFO, "card_on_other_households_claims": "error"},
    ),
    Case(
        "A family's card on the claims of two of its members is not flagged",
        one_card_one_household,
        INFO,
    ),
    Case(
        "The same person claiming in two counties is an error on both claims",
        two_counties,
        {**INFO, "claimed_in_two_counties": "error"},
    ),
]


@pytest.mark.parametrize("path", ["per_application", "set_based"])
def test_each_check_fires_exactly_when_it_should(registry: Registry, path: str) -> None:
    """Given one world per case, when the cross-check runs, then each application carries
    exactly the findings (code and severity) its case expects, and is in the village review."""
    built = {case.name: case.build(registry) for case in CASES}
    every = [i for ids in built.values() for i in ids]
    if path == "per_application":
        run_each(registry, every)
    else:
        run_open(registry)
    for case in CASES:
        for application_id in built[case.name]:
            found = {code: s for code, (s, _) in registry.findings(application_id).items()}
            assert found == case.expected, case.name
            assert registry.application_row(application_id).status.value == "village_review"


def test_findings_keep_the_registry_values_they_used(registry: Registry) -> None:
    """Given a wage far from the record, the finding holds both amounts and the record."""
    [application_id] = with_record({}, {"income": 2500})(registry)
    run_each(registry, [application_id])
    findings = registry.findings(application_id)
    assert findings["wage_mismatch"][1] == {
        "place_code": "330203",
        "place": "浙江省宁波市海曙区",
        "start": "2025-03",
        "end": "2025-10",
        "declared_wage_fen": 380000,
        "income_fen": 250000,
        "tolerance_percent": 20,
    }
    assert findings["registry_work_record"][1]["employer"] == "宁波甬兴电子有限公司"


def test_a_county_that_lets_closed_risk_households_claim_gets_no_risk_finding(registry):
    """Given a county parameter switching the open-risk rule off, a household whose risk ended
    before the work is not flagged, and its decision stays eligible."""
    params = load_parameters().with_overrides(
        "140581", {"eligibility.monitored_requires_open_risk": False}, "test"
    )
    [application_id] = with_record(
        {"household_type": "monitored", "risk_eliminated": "2024-12"}, {}
    )(registry)
    run_open(registry, params=params)
    assert set(registry.findings(application_id)) == {"registry_work_record"}
    assert registry.application_row(application_id).decision["eligible"] is True


def test_the_decision_uses_the_registry_and_moves_to_review(registry: Registry) -> None:
    """Given a claim for a worker of 14, the decision is recomputed (ineligible, 0 yuan) and
    the application moves to the village review with its audit events; a matching claim gets
    its 1500 yuan."""
    [young] = with_record({"birth": "20100601"}, {})(registry)
    [fine] = matching(registry)
    run_each(registry, [young, fine])
    row = registry.application_row(young)
    assert row.decision["eligible"] is False
    assert "under_min_age" in row.decision["reasons"]
    assert row.amount_fen == 0
    assert registry.application_row(fine).amount_fen == 150000
    assert registry.audit_actions(fine) == ["crosscheck", "status_change"]
