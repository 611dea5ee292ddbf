"""Confirm in person (当面核实): the village cadre lists the draft claims of the village — made in
chats not verified as their person — and, having seen the person, confirms: the draft's chat is
then verified as that person, and its drafts go on as claims (bot/dialogs/apply/drafts.py)."""

from __future__ import annotations

from functools import partial

from bot.dialogs.apply.drafts import go_on, outcome_lines
from bot.dialogs.base import DialogModule, MenuEntry, Turn, active_staff
from common.i18n import N_, translate
from common.payloads import SeenInPerson, to_menu
from common.texts import program_name
from db.enums import ApplicationStatus, StaffRole
from db.models import Application, ChatIdentity, Staff
from db.pii import mask_id
from db.queries import Actor
from db.queries.drafts import drafts_in_region, drafts_of_author, verify_identity


def _cadre(turn: Turn) -> Staff | None:
    staff = active_staff(turn)
    return staff if staff is not None and staff.role == StaffRole.CADRE else None


def show(turn: Turn) -> None:
    """The village's drafts, each with “I have seen this person”."""
    turn.go(None, None)
    staff = _cadre(turn)
    if staff is None:
        turn.say(turn.t("This is for village cadres."))
        return
    drafts = drafts_in_region(turn.session, staff.region_code)
    if not drafts:
        turn.say(
            turn.t("No draft claims wait for you to confirm the person."),
            [turn.button("Main menu", to_menu("main"))],
        )
        return
    for draft in drafts[:10]:
        turn.say(
            turn.t(
                "Draft: {name}, {id} · {program} {year}. Made in a chat not verified as this "
                "person. Confirm only when you have seen them and their ID card.",
                name=draft.person.name,
                id=mask_id(draft.person.id_number),
                program=program_name(turn.t, draft.program.value),
                year=draft.year,
            ),
            [turn.button("I have seen this person", SeenInPerson(draft.id).pack())],
        )


def on_seen(turn: Turn, pressed: SeenInPerson) -> None:
    staff = _cadre(turn)
    draft = turn.session.get(Application, pressed.application)
    if (
        staff is None
        or draft is None
        or draft.identity_verified
        or draft.status != ApplicationStatus.DRAFT
        or not (draft.person.region_code or "").startswith(staff.region_code)
    ):
        turn.say(turn.t("That draft is no longer waiting for you."))
        return
    author = turn.session.get(ChatIdentity, draft.submitted_by_chat_identity_id or 0)
    assert author is not None
    found = draft.person
    verify_identity(author, found, via="cadre", now=turn.now)
    drafts = drafts_of_author(turn.session, author, found.id)
    outcomes = go_on(turn, found, drafts, Actor.of_staff(staff), via="cadre")
    turn.say(
        turn.t("Confirmed. {id}:", id=mask_id(found.id_number))
        + "\n"
        + "\n".join(outcome_lines(turn.t, outcomes))
    )
    t = partial(translate, author.language)
    turn.notify(
        author,
        t(N_("Your village cadre has confirmed who you are. Your draft application goes on:"))
        + "\n"
        + "\n".join(outcome_lines(t, outcomes)),
    )


MODULE = DialogModule(
    commands={"/drafts": show},
    actions={"drafts": show},
    buttons={SeenInPerson: on_seen},
    staff_menu=[
        MenuEntry(N_("Confirm in person (当面核实)"), "drafts", frozenset({StaffRole.CADRE}))
    ],
)
