"""Apply for the subsidies (the chart: apply.mmd beside this file).

`flow` holds the dialog and identifies the applicant; `bank` and `submit` answer its later
steps. Importing the package registers every step.
"""

from bot.dialogs.apply import bank, submit
from bot.dialogs.apply.flow import (
    Step,
    after_facts,
    collect,
    dialog,
    identify,
    person,
    registry_facts,
    start,
)
from bot.dialogs.base import DialogModule

MODULE = DialogModule(
    dialog=dialog,
    commands={"/apply": start},
    actions={"apply": start},
    continuations={"apply": after_facts},
)

__all__ = [
    "MODULE",
    "Step",
    "bank",
    "collect",
    "dialog",
    "identify",
    "person",
    "registry_facts",
    "start",
    "submit",
]
