"""Runs the YAML rule cases in tests/policy/cases/, one file per program (OpenFisca style).

A case: `name` (a sentence), `input` (plain facts; work_place may be a name; id_number may stand
for birth date and home county; as_of defaults to 31 December of the claim year), optional
`county_overrides` ({parameter name: value}) applied to `county` or else the home county, and
`output` with `eligible`, `amount` and optionally `reasons` (codes that must be present),
`absent` (codes that must not be), `missing` (exact, ordered), `review`, `deadline`, and
`values` ({code: {key: value}} that the reason must carry).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy import Facts, assess, facts_from_mapping, load_parameters

CASES = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            params.append(pytest.param(path.stem, case, id=f"{path.stem}: {case['name']}"))
    return params


def _facts(case: dict[str, Any]) -> Facts:
    data = dict(case["input"])
    data.setdefault("as_of", date(int(data["year"]), 12, 31))
    return facts_from_mapping(data)


@pytest.mark.parametrize(("program", "case"), _cases())
def test_case(program: str, case: dict[str, Any]) -> None:
    # Given the facts and the county's parameters
    facts = _facts(case)
    params = load_parameters()
    overrides = case.get("county_overrides")
    if overrides:
        county = str(case.get("county") or facts.home_county)
        params = params.with_overrides(county, overrides, reference="test case")
    # When the program is assessed
    decision = assess(program, facts, params)
    # Then the outcome matches
    expected = case["output"]
    codes = decision.reason_codes
    assert decision.eligible is expected["eligible"], codes
    assert decision.amount == expected["amount"], codes
    for code in expected.get("reasons", []):
        assert code in codes, f"{code} not in {codes}"
    for code in expected.get("absent", []):
        assert code not in codes, f"{code} in {codes}"
    if "missing" in expected:
        assert list(decision.missing) == expected["missing"]
    elif decision.eligible is not None:
        assert decision.missing == ()
    if "review" in expected:
        assert decision.review is expected["review"], codes
    if "deadline" in expected:
        assert decision.deadline == date.fromisoformat(str(expected["deadline"]))
    for code, values in expected.get("values", {}).items():
        reason = decision.reason(code)
        assert reason is not None, f"{code} not in {codes}"
        for key, value in values.items():
            assert reason.values.get(key) == value, f"{code}.{key}: {reason.values}"


def test_every_case_name_is_a_sentence_unique_in_its_file() -> None:
    ids = [p.id for p in _cases()]
    assert len(ids) == len(set(ids))
    names = [p.values[1]["name"] for p in _cases()]
    assert all(name[0].isupper() or not name[0].isascii() for name in names)
    assert all(len(name.split()) >= 5 for name in names)
