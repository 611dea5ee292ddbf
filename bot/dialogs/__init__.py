"""The dialogs: one state machine per module, registered by name for the router."""

from bot.dialogs import apply, check, delegate, status
from bot.dialogs.base import Dialog

DIALOGS: dict[str, Dialog] = {
    module.dialog.name: module.dialog for module in (check, apply, delegate, status)
}

__all__ = ["DIALOGS"]
