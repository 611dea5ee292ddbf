"""The county admin gives a claim its village (a claim on a county code, or nobody's at its
level): the township, then the village, from the region register."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from bot.dialogs import review
from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from bot.messages import Button
from common.payloads import AssignVillage, to_menu
from common.payloads import Region as RegionButton
from db.enums import MOVABLE_STATUSES
from db.models import Application, Region
from db.queries import review as rules
from db.queries.regions import region_words


class Step(StrEnum):
    TOWNSHIP = "township"
    VILLAGE = "village"


dialog = Dialog("assign_village", Step)


def start(turn: Turn, payload: AssignVillage) -> None:
    """assign:<id>: refused at once when the village could not be assigned anyway."""
    staff = review.staff_of(turn)
    try:
        application = rules.view(turn.session, staff, payload.application)
        rules.authorize(staff, rules.Action.ASSIGN_REGION, application.region_code)
        if application.status not in MOVABLE_STATUSES:
            raise rules.NotAtThisStep("not_at_this_step", application.status.value)
    except rules.ReviewError as error:
        review.refuse(turn, error)
        review.show_queue(turn)
        return
    turn.state["assign"] = {"application": application.id}
    dialog.ask(turn, Step.TOWNSHIP)


def _children(turn: Turn, parent: str) -> list[Region]:
    return list(
        turn.session.scalars(
            sa.select(Region).where(Region.parent_code == parent).order_by(Region.code)
        )
    )


def _pick(answer: Answer, choices: list[Region]) -> Region:
    """The region a button, or a typed name or code, picks among ``choices``."""
    picked = RegionButton.read(answer.button)
    if picked is not None:
        found = [r for r in choices if r.code == picked.code]
    else:
        typed = "".join(answer.words.split())
        found = [r for r in choices if typed and (typed == r.code or typed in r.name)]
    if len(found) != 1:
        raise Reask("Please tap one of the buttons, or send the name.")
    return found[0]


def _county(turn: Turn) -> str:
    staff = review.staff_of(turn)
    return staff.region_code if staff is not None else ""


@dialog.asks(Step.TOWNSHIP)
def ask_township(turn: Turn) -> None:
    turn.say(
        turn.t("In which township does the applicant live?"),
        [Button(r.name, RegionButton(r.code).pack()) for r in _children(turn, _county(turn))]
        + [turn.button("Cancel", to_menu("review"))],
    )


@dialog.answers(Step.TOWNSHIP)
def answer_township(turn: Turn, answer: Answer) -> None:
    township = _pick(answer, _children(turn, _county(turn)))
    turn.state.setdefault("assign", {})["township"] = township.code
    dialog.ask(turn, Step.VILLAGE)


@dialog.asks(Step.VILLAGE)
def ask_village(turn: Turn) -> None:
    township = (turn.state.get("assign") or {}).get("township") or ""
    turn.say(
        turn.t("And in which village?"),
        [Button(r.name, RegionButton(r.code).pack()) for r in _children(turn, township)]
        + [turn.button("Cancel", to_menu("review"))],
    )


@dialog.answers(Step.VILLAGE)
def answer_village(turn: Turn, answer: Answer) -> None:
    pending = turn.state.get("assign") or {}
    village = _pick(answer, _children(turn, pending.get("township") or ""))
    application = turn.session.get(Application, pending.get("application") or 0)
    turn.state.pop("assign", None)
    if application is None:
        review.show_queue(turn)
        return
    try:
        moved = rules.assign_region(turn.session, review.staff_of(turn), application, village.code)
    except rules.ReviewError as error:
        review.refuse(turn, error)
    else:
        turn.say(
            turn.t(
                "{count} claim(s) of {name} now belong to {village}.",
                count=len(moved),
                name=application.person.name,
                village=region_words(turn.session, village.code),
            )
        )
        still = review.unstaffed_line(turn, application)
        if still:
            turn.say(still)
    review.show_queue(turn)


MODULE = DialogModule(
    dialog=dialog,
    buttons={AssignVillage: start},
)
