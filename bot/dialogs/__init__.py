"""The dialogs: one state machine per module, registered by name for the router."""

from bot.dialogs import apply, check, delegate, status
from bot.dialogs.base import Dialog

DIALOGS: dict[str, Dialog] = {
    module.dialog.name: module.dialog for module in (check, apply, delegate, status)
}

from bot.dialogs import finance, menu, staff  # noqa: E402  (menu imports the dialogs above)

DIALOGS[staff.dialog.name] = staff.dialog
menu.extend(finance)

from bot.dialogs import corrections, notices, objections, review  # noqa: E402  (review chain)

DIALOGS.update({m.dialog.name: m.dialog for m in (review, objections, corrections)})
for _module in (review, notices, objections, corrections):
    menu.extend(_module)

from bot.dialogs import imports  # noqa: E402  (monitoring imports in chat)

DIALOGS[imports.dialog.name] = imports.dialog
menu.extend(imports)

from bot.dialogs import broadcast, reminders  # noqa: E402  (messaging)

DIALOGS.update({m.dialog.name: m.dialog for m in (broadcast, reminders)})
for _module in (broadcast, reminders):
    menu.extend(_module)

__all__ = ["DIALOGS"]
