"""Consent to a claim made on someone's behalf (委托代办): the request in the worker's own chat
and their tap on it, from any step."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from bot.dialogs.base import DialogModule, Turn, active_staff
from bot.messages import Button
from common import jobs
from common.i18n import N_, translate
from common.payloads import Consent, YesNo
from common.texts import program_name
from db.enums import ApplicationStatus
from db.models import Application, ChatIdentity, Person, Staff
from db.queries import Actor, application_number, record_consent

AGREED = N_("The worker agreed to application {number}.")
REFUSED = N_("The worker did not agree to application {number}; it is cancelled.")


def beneficiary_chat(turn: Turn, person: Person) -> ChatIdentity | None:
    """The worker's own chat (the latest one linked to them), if they use the bot."""
    return turn.session.scalars(
        sa.select(ChatIdentity)
        .where(ChatIdentity.person_id == person.id, ChatIdentity.id != turn.identity.id)
        .order_by(ChatIdentity.updated_at.desc())
    ).first()


def request_consent(turn: Turn, person: Person, applications: Sequence[Application]) -> None:
    """Ask the beneficiary, in their own chat and language, to confirm each application."""
    chat = beneficiary_chat(turn, person)
    if chat is None:
        return
    cadre = active_staff(turn)
    who = _who(cadre) if cadre is not None else translate(chat.language, "Your village cadre")
    for application in applications:
        text = translate(
            chat.language,
            "{cadre} applied for the {program} {year} on your behalf (number {number}). "
            "Do you agree?",
            cadre=who,
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
                apply_button(
                    chat.language, "Yes, I agree", Consent(YesNo.YES, application.id).pack()
                ),
                apply_button(chat.language, "No", Consent(YesNo.NO, application.id).pack()),
            ],
        )
    turn.say(turn.t("{name} has been asked to confirm in their chat.", name=person.name))


def _who(cadre: Staff) -> str:
    """The cadre as the villager can reach them: name and, when they gave one, their phone."""
    return f"{cadre.name}（{cadre.phone}）" if cadre.phone else cadre.name


def apply_button(language: str, label: str, value: str) -> Button:
    """A button in another user's language."""
    return Button(translate(language, label), value)


def answer_consent_request(turn: Turn, payload: Consent) -> None:
    """The beneficiary's tap on a consent request, wherever they are in a dialog."""
    application = turn.session.get(Application, payload.application)
    if (
        application is None
        or turn.identity.person_id != application.person_id
        or application.status != ApplicationStatus.DRAFT
    ):
        turn.say(turn.t("This request is no longer open."))
        return
    given = payload.answer == YesNo.YES
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


MODULE = DialogModule(buttons={Consent: answer_consent_request})
