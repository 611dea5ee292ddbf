"""Apply for the subsidies (the chart: apply.mmd beside this file).

`flow` holds the dialog (who applies is bot/dialogs/verify.py's); `bank` and `submit` answer
its later steps; `drafts` takes a claim made before the chat was verified on as a real one.
Importing the package registers every step.
"""

from bot.dialogs.apply import bank, drafts, submit
from bot.dialogs.apply.flow import (
    RECORDS,
    Step,
    after_facts,
    collect,
    dialog,
    drafting,
    person,
    registry_facts,
    start,
)
from bot.dialogs.base import DialogModule

MODULE = DialogModule(
    dialog=dialog,
    commands={"/apply": start},
    actions={"apply": start},
    continuations={"apply": after_facts, "apply_identified": drafts.identified},
)

__all__ = [
    "MODULE",
    "RECORDS",
    "Step",
    "bank",
    "collect",
    "dialog",
    "drafting",
    "drafts",
    "person",
    "registry_facts",
    "start",
    "submit",
]
