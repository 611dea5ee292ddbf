"""Tell in person (当面告知): news that no channel could deliver — a WeChat user who unfollowed or
gave no consent to notices, a Telegram user who blocked the bot — lands on the list of the
person's village (`db.queries.tell_in_person`); the village cadre reads it here, tells the
person, and marks the entry done."""

from __future__ import annotations

from bot.dialogs.base import DialogModule, MenuEntry, Turn, active_staff
from common.i18n import N_
from common.payloads import Told, to_menu
from db.enums import StaffRole
from db.models import Person, Staff
from db.pii import mask_id, mask_phone
from db.queries.tell_in_person import mark_done, open_for_region

ROLES = frozenset({StaffRole.CADRE, StaffRole.TOWNSHIP})
SHOWN = 10


def _teller(turn: Turn) -> Staff | None:
    staff = active_staff(turn)
    return staff if staff is not None and staff.role in ROLES else None


def show(turn: Turn) -> None:
    """The open entries of the staff member's region, oldest first, each with “Told”."""
    turn.go(None, None)
    staff = _teller(turn)
    if staff is None:
        turn.say(turn.t("This is for village and township staff."))
        return
    entries = open_for_region(turn.session, staff.region_code, limit=SHOWN)
    if not entries:
        turn.say(
            turn.t("Nobody needs to be told in person now."),
            [turn.button("Main menu", to_menu("main"))],
        )
        return
    for entry in entries:
        person = turn.session.get(Person, entry.person_id)
        assert person is not None
        turn.say(
            turn.t(
                "Please tell {name} ({id}, phone {phone}) in person — the chat could not "
                "reach them:\n{text}",
                name=person.name,
                id=mask_id(person.id_number),
                phone=mask_phone(person.phone) if person.phone else "—",
                text=entry.text,
            ),
            [turn.button("Told", Told(entry.id).pack())],
        )


def on_told(turn: Turn, pressed: Told) -> None:
    staff = _teller(turn)
    if staff is None or not mark_done(turn.session, pressed.entry, staff.id, staff.region_code):
        turn.say(turn.t("That entry is no longer on your list."))
        return
    turn.say(turn.t("Marked as told. Thank you."))


MODULE = DialogModule(
    commands={"/tell": show},
    actions={"tell": show},
    buttons={Told: on_told},
    staff_menu=[MenuEntry(N_("Tell in person (当面告知)"), "tell", ROLES)],
)
