"""assess() and assess_all(): run the programs' rules over Facts with the parameter tree."""

from __future__ import annotations

from collections.abc import Callable

from policy.decision import Decision
from policy.errors import UnknownProgram
from policy.facts import PROGRAMS, Facts
from policy.parameters import Parameters, load_parameters
from policy.programs import stable_employment, transport, workshop_employment
from policy.programs.common import Context

_RULES: dict[str, Callable[[Context], Decision]] = {
    transport.PROGRAM: transport.assess,
    stable_employment.PROGRAM: stable_employment.assess,
    workshop_employment.PROGRAM: workshop_employment.assess,
}
assert tuple(_RULES) == PROGRAMS


def assess(program: str, facts: Facts, params: Parameters | None = None) -> Decision:
    """The decision for one program; parameters default to the bundled tree.

    Parameters are read at 1 January of `facts.year` with the home county's overrides.
    """
    rule = _RULES.get(program)
    if rule is None:
        raise UnknownProgram(program)
    return rule(Context.create(program, facts, params or load_parameters()))


def assess_all(facts: Facts, params: Parameters | None = None) -> list[Decision]:
    """One decision per program, in PROGRAMS order."""
    tree = params or load_parameters()
    return [assess(program, facts, tree) for program in PROGRAMS]
