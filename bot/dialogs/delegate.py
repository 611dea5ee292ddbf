"""Delegated application (委托代办): a village cadre applies for a person of their village.

The cadre finds the person by ID number, records the relationship and the consent — a tap by
the beneficiary in their own chat, or a photo of the signed 委托书 — then the apply dialog's
facts, bank account, summary and pledge follow.
"""

from __future__ import annotations

from enum import StrEnum

from bot.dialogs import apply, consent, menu, verify
from bot.dialogs.base import (
    Answer,
    Dialog,
    DialogModule,
    MenuEntry,
    Reask,
    Turn,
    active_staff,
    pick,
)
from common.i18n import N_
from db.enums import StaffRole
from db.pii import mask_id
from db.queries import find_person_by_id_number


class Step(StrEnum):
    ID = "id"
    RELATION = "relation"
    CONSENT = "consent"
    LETTER = "letter"


dialog = Dialog("delegate", Step)

RELATIONS = {
    "relative": ("亲属", "家人", "relative"),
    "village_cadre": ("村干部", "village cadre"),
    "resident_cadre": ("驻村干部", "驻村帮扶干部", "resident cadre"),
    "labour_agency": ("劳务派遣机构", "劳务公司", "labour agency"),
}


def start(turn: Turn) -> None:
    """Only a cadre may apply for someone."""
    staff = active_staff(turn)
    if staff is None or staff.role != StaffRole.CADRE:
        turn.say(
            turn.t(
                "Applying for someone is for village cadres. Ask your township for an "
                "invite code, then send /start CODE."
            )
        )
        menu.show(turn)
        return
    turn.state.clear()
    turn.state.update({"mode": "delegate"})
    dialog.ask(turn, Step.ID)


@dialog.asks(Step.ID)
def ask_id(turn: Turn) -> None:
    turn.say(turn.t("Send the ID card number of the person you apply for."))


@dialog.answers(Step.ID)
def answer_id(turn: Turn, answer: Answer) -> None:
    staff = active_staff(turn)
    if staff is None:  # the role ended meanwhile: the ID still counts as typed
        if (refused := verify.count_id_typed(turn)) is not None:
            verify.refuse_guessing(turn, refused)
        return
    number = verify.read_id_number(turn, answer)
    if number is None:
        return
    found = find_person_by_id_number(turn.session, number)
    # Outside the cadre's own region a registered person and an unknown ID look the same.
    if found is None or not (found.region_code or "").startswith(staff.region_code):
        turn.state.pop("person_id", None)
        raise Reask(
            "{id} is not in your area or not in the records. You can only apply for your "
            "villagers.",
            id=mask_id(number),
        )
    turn.state["person_id"] = found.id
    turn.say(turn.t("Found: {name}, {id}.", name=found.name, id=mask_id(found.id_number)))
    dialog.ask(turn, Step.RELATION)


@dialog.asks(Step.RELATION)
def ask_relation(turn: Turn) -> None:
    turn.say(
        turn.t("What is your relationship to this person?"),
        [
            turn.button("Relative", "relative"),
            turn.button("Village cadre", "village_cadre"),
            turn.button("Resident village cadre (驻村干部)", "resident_cadre"),
            turn.button("Labour dispatch agency", "labour_agency"),
        ],
    )


@dialog.answers(Step.RELATION)
def answer_relation(turn: Turn, answer: Answer) -> None:
    choice = pick(answer, RELATIONS)
    if choice is None:
        raise Reask(
            "Only a relative, a village cadre, a resident village cadre or a labour "
            "dispatch agency may apply for someone. Please tap one of the buttons."
        )
    turn.state["capacity"] = choice
    dialog.ask(turn, Step.CONSENT)


@dialog.asks(Step.CONSENT)
def ask_consent(turn: Turn) -> None:
    person = apply.person(turn)
    buttons = [turn.button("Send a photo of the signed 委托书", "agree:letter")]
    if consent.beneficiary_chat(turn, person) is not None:
        buttons.insert(0, turn.button("Ask them to confirm in their chat", "agree:chat"))
    turn.say(turn.t("How does {name} agree to this application?", name=person.name), buttons)


@dialog.answers(Step.CONSENT)
def answer_consent(turn: Turn, answer: Answer) -> None:
    person = apply.person(turn)
    if answer.button == "agree:chat" and consent.beneficiary_chat(turn, person) is not None:
        turn.state["consent"] = "chat_pending"
        apply.collect(turn, person)
    elif answer.button == "agree:letter":
        dialog.ask(turn, Step.LETTER)
    elif answer.file is not None:
        _take_letter(turn, answer)
    else:
        raise Reask("Please tap one of the buttons.")


@dialog.asks(Step.LETTER)
def ask_letter(turn: Turn) -> None:
    turn.say(turn.t("Send a photo of the 委托书 signed by the person you apply for."))


def _take_letter(turn: Turn, answer: Answer) -> None:
    assert answer.file is not None
    turn.state["consent"] = "letter"
    turn.state["files"] = [
        {
            "file_id": answer.file.file_id,
            "type": answer.file.mime_type,
            "size": answer.file.size,
            "name": answer.file.name,
            "storage_path": answer.file.storage_path,
            "sha256": answer.file.sha256,
            "letter": True,
        }
    ]
    apply.collect(turn, apply.person(turn))


@dialog.answers(Step.LETTER)
def answer_letter(turn: Turn, answer: Answer) -> None:
    if answer.file is None:
        raise Reask("Please send the photo of the signed 委托书.")
    _take_letter(turn, answer)


MODULE = DialogModule(
    dialog=dialog,
    commands={"/delegate": start},
    actions={"delegate": start},
    staff_menu=[
        MenuEntry(N_("Apply for someone (委托代办)"), "delegate", frozenset({StaffRole.CADRE}))
    ],
)
