"""The dialogs: one module per conversation, each declaring what it handles (its MODULE); this
list wires them into the one registry every turn carries."""

from bot.dialogs import (
    apply,
    assign_village,
    broadcast,
    budget,
    check,
    consent,
    corrections,
    delegate,
    finance,
    imports,
    in_person,
    menu,
    notices,
    objections,
    records,
    reminders,
    review,
    roster_note,
    staff,
    status,
    tell,
    verify,
)
from bot.dialogs.base import Registry

MODULES = (
    menu.MODULE,
    staff.MODULE,
    check.MODULE,
    verify.MODULE,
    apply.MODULE,
    delegate.MODULE,
    records.MODULE,
    consent.MODULE,
    status.MODULE,
    corrections.MODULE,
    review.MODULE,
    in_person.MODULE,
    tell.MODULE,
    assign_village.MODULE,
    roster_note.MODULE,
    notices.MODULE,
    objections.MODULE,
    budget.MODULE,
    finance.MODULE,
    imports.MODULE,
    broadcast.MODULE,
    reminders.MODULE,
)
REGISTRY = Registry.of(MODULES)
__all__ = ["MODULES", "REGISTRY"]
