"""A program is added in a handful of files (ARCHITECTURE.md, "How to add a program"); this
test names the one that was forgotten."""

from __future__ import annotations

from datetime import date

import pytest

from common.roster_xlsx import TITLES
from common.texts import PROGRAM_NAMES
from db.enums import Program
from policy import PROGRAMS, Facts, assess, load_parameters


@pytest.mark.parametrize("program", list(Program))
def test_every_program_is_whole(program):
    assert program.value in PROGRAMS  # the database's enum is the policy's
    assert program.value in PROGRAM_NAMES, "common/texts.py: PROGRAM_NAMES"
    assert program.value in TITLES, "common/roster_xlsx.py: TITLES (the roster's title)"
    params = load_parameters()
    for name in ("documented", "deadline", "window_opens"):
        params.get(f"{program.value}.{name}", date(2026, 1, 1))
    decision = assess(program.value, Facts(year=2026))  # a rule in policy/assess.py
    assert decision.program == program.value
