"""The dialogs: one state machine per module, registered by name for the router."""

from bot.dialogs import apply, check, delegate, status
from bot.dialogs.base import Dialog

DIALOGS: dict[str, Dialog] = {
    module.dialog.name: module.dialog for module in (check, apply, delegate, status)
}

from bot.dialogs import budget, finance, menu, staff  # noqa: E402  (menu imports the above)

DIALOGS[staff.dialog.name] = staff.dialog
menu.extend(budget)
menu.extend(finance)

from bot.dialogs import (  # noqa: E402  (review chain)
    assign_village,
    corrections,
    notices,
    objections,
    review,
    roster_note,
)

_REVIEW_CHAIN = (review, objections, corrections, assign_village, roster_note)
DIALOGS.update({m.dialog.name: m.dialog for m in _REVIEW_CHAIN})
for _module in (*_REVIEW_CHAIN, notices):
    menu.extend(_module)

from bot.dialogs import imports  # noqa: E402  (monitoring imports in chat)

DIALOGS[imports.dialog.name] = imports.dialog
menu.extend(imports)

from bot.dialogs import broadcast, reminders  # noqa: E402  (messaging)

DIALOGS.update({m.dialog.name: m.dialog for m in (broadcast, reminders)})
for _module in (broadcast, reminders):
    menu.extend(_module)

__all__ = ["DIALOGS"]
