"""Quick check: what one job may be paid, and why (the chart: check.mmd beside this file).

`flow` holds the dialog and the order of its questions; `work` and `person` answer its steps.
Importing the package registers every step.
"""

from bot.dialogs.base import DialogModule
from bot.dialogs.check import person, work
from bot.dialogs.check.flow import (
    Step,
    applicant_name,
    ask_about,
    ask_next,
    claim_year,
    collect_facts,
    decide,
    dialog,
    facts,
    show_results,
    start,
    window_lines,
    years_open,
)

MODULE = DialogModule(
    dialog=dialog,
    commands={"/check": start},
    actions={"check": start},
    continuations={"check": show_results},
)

__all__ = [
    "MODULE",
    "Step",
    "applicant_name",
    "ask_about",
    "ask_next",
    "claim_year",
    "collect_facts",
    "decide",
    "dialog",
    "facts",
    "person",
    "show_results",
    "start",
    "window_lines",
    "work",
    "years_open",
]
