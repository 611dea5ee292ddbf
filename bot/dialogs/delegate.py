"""Delegated application (委托代办): a village cadre applies for a person of their village.

The cadre finds the person by ID number, records the relationship and the consent — a tap by
the beneficiary in their own chat, or a photo of the signed 委托书 — then the apply dialog's
facts, bank account, summary and pledge follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import sqlalchemy as sa

from bot.dialogs import apply
from bot.dialogs.base import Answer, Dialog, Reask, Turn, pick
from bot.messages import Button
from common import jobs
from common.i18n import N_, translate
from common.texts import program_name
from db.enums import ApplicationStatus, StaffRole
from db.models import Application, ChatIdentity, Person, Staff
from db.pii import mask_id
from db.queries import Actor, application_number, record_consent

AGREED = N_("The worker agreed to application {number}.")
REFUSED = N_("The worker did not agree to application {number}; it is cancelled.")


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


def staff_of(turn: Turn) -> Staff | None:
    if turn.identity.staff_id is None:
        return None
    staff = turn.session.get(Staff, turn.identity.staff_id)
    return staff if staff is not None and staff.active else None


def start(turn: Turn) -> None:
    """Only a cadre may apply for someone."""
    from bot.dialogs import menu

    staff = staff_of(turn)
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
    staff = staff_of(turn)
    found = apply.identify(turn, answer)
    if found is None or staff is None:
        return
    if not (found.region_code or "").startswith(staff.region_code):
        turn.state.pop("person_id", None)
        raise Reask(
            "{id} does not live in your village. You can only apply for your villagers.",
            id=mask_id(found.id_number),
        )
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


def beneficiary_chat(turn: Turn, person: Person) -> ChatIdentity | None:
    return turn.session.scalars(
        sa.select(ChatIdentity)
        .where(ChatIdentity.person_id == person.id, ChatIdentity.id != turn.identity.id)
        .order_by(ChatIdentity.updated_at.desc())
    ).first()


@dialog.asks(Step.CONSENT)
def ask_consent(turn: Turn) -> None:
    person = apply.person(turn)
    buttons = [turn.button("Send a photo of the signed 委托书", "agree:letter")]
    if beneficiary_chat(turn, person) is not None:
        buttons.insert(0, turn.button("Ask them to confirm in their chat", "agree:chat"))
    turn.say(turn.t("How does {name} agree to this application?", name=person.name), buttons)


@dialog.answers(Step.CONSENT)
def answer_consent(turn: Turn, answer: Answer) -> None:
    person = apply.person(turn)
    if answer.button == "agree:chat" and beneficiary_chat(turn, person) is not None:
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
            "letter": True,
        }
    ]
    apply.collect(turn, apply.person(turn))


@dialog.answers(Step.LETTER)
def answer_letter(turn: Turn, answer: Answer) -> None:
    if answer.file is None:
        raise Reask("Please send the photo of the signed 委托书.")
    _take_letter(turn, answer)


def request_consent(turn: Turn, person: Person, applications: Sequence[Application]) -> None:
    """Ask the beneficiary, in their own chat and language, to confirm each application."""
    chat = beneficiary_chat(turn, person)
    if chat is None:
        return
    cadre = staff_of(turn)
    for application in applications:
        text = translate(
            chat.language,
            "{cadre} applied for the {program} {year} on your behalf (number {number}). "
            "Do you agree?",
            cadre=cadre.name
            if cadre is not None
            else translate(chat.language, "Your village cadre"),
            program=program_name(
                lambda m, **v: translate(chat.language, m, **v), application.program.value
            ),
            year=application.year,
            number=application_number(application),
        )
        turn.notify(
            chat,
            text,
            [
                apply_button(chat.language, "Yes, I agree", f"consent:yes:{application.id}"),
                apply_button(chat.language, "No", f"consent:no:{application.id}"),
            ],
        )
    turn.say(turn.t("{name} has been asked to confirm in their chat.", name=person.name))


def _who(cadre: Staff) -> str:
    """The cadre as the villager can reach them: name and, when they gave one, their phone."""
    return f"{cadre.name}（{cadre.phone}）" if cadre.phone else cadre.name


def apply_button(language: str, label: str, value: str) -> Button:
    """A button in another user's language."""
    return Button(translate(language, label), value)


def answer_consent_request(turn: Turn, value: str) -> None:
    """The beneficiary's tap on a consent request, wherever they are in a dialog."""
    _, answer, raw_id = value.split(":", 2)
    application = turn.session.get(Application, int(raw_id)) if raw_id.isdigit() else None
    if (
        application is None
        or turn.identity.person_id != application.person_id
        or application.status != ApplicationStatus.DRAFT
    ):
        turn.say(turn.t("This request is no longer open."))
        return
    given = answer == "yes"
    record_consent(turn.session, application, Actor.of_chat_identity(turn.identity), given=given)
    number = application_number(application)
    if given:
        application_id = application.id
        turn.after_commit.append(lambda: jobs.CROSSCHECK_APPLICATION.send(application_id))
        turn.say(turn.t("Thank you. Application {number} is sent.", number=number))
    else:
        turn.say(turn.t("Application {number} is cancelled.", number=number))
    submitter = turn.session.get(ChatIdentity, application.submitted_by_chat_identity_id)
    if submitter is not None:
        turn.notify(
            submitter,
            translate(submitter.language, AGREED if given else REFUSED, number=number),
        )
