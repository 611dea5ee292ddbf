"""Reminders on and off (/reminders), the one-tap satisfaction answer after payment with an
optional comment, and the results a county administrator sees against the 95% target."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from bot.dialogs import menu
from bot.dialogs.base import Answer, Dialog, DialogModule, MenuEntry, Reask, Turn
from bot.dialogs.broadcast import ADMINS
from bot.dialogs.review import staff_of
from common.i18n import N_
from common.payloads import Rate, Reminders, Switch, to_menu
from common.reminder_texts import RATINGS
from db.enums import ApplicationStatus, Rating
from db.models import Application, Satisfaction
from db.pii import redact

TARGET = 0.95  # the satisfaction target of the provincial assessment
MAX_COMMENT = 500


class Step(StrEnum):
    COMMENT = "comment"


dialog = Dialog("satisfaction", Step, free_text={Step.COMMENT})


def show(turn: Turn) -> None:
    """/reminders: say whether reminders are on, with the button that switches them."""
    if turn.identity.reminders_enabled:
        turn.say(
            turn.t(
                "Reminders are on: I remind you of deadlines and of corrections to make, and "
                "after a payment I ask how it went."
            ),
            [
                turn.button("Stop reminders", Reminders(Switch.OFF).pack()),
                turn.button("Main menu", to_menu("main")),
            ],
        )
    else:
        turn.say(
            turn.t(
                "Reminders are off. News about your applications still reaches you. Turn "
                "reminders back on?"
            ),
            [
                turn.button("Turn reminders on", Reminders(Switch.ON).pack()),
                turn.button("Main menu", to_menu("main")),
            ],
        )


def switch(turn: Turn, payload: Reminders) -> None:
    """reminders:on / reminders:off, from anywhere (also the button under each reminder)."""
    turn.identity.reminders_enabled = payload.switch == Switch.ON
    if turn.identity.reminders_enabled:
        turn.say(turn.t("Reminders are on again."))
    else:
        turn.say(
            turn.t("Reminders are off. Send /reminders to turn them on again."),
            [turn.button("Turn reminders on", Reminders(Switch.ON).pack())],
        )


def rate(turn: Turn, payload: Rate) -> None:
    """sat:<application>:<rating>: record the answer, then offer to add a comment."""
    application = turn.session.get(Application, payload.application)
    rating = payload.rating
    if (
        application is None
        or application.person_id != turn.identity.person_id
        or application.status != ApplicationStatus.PAID
    ):
        turn.say(turn.t("This question is not for you, or it has expired."))
        return
    answer = turn.session.scalar(
        sa.select(Satisfaction).where(Satisfaction.application_id == application.id)
    )
    if answer is None:
        answer = Satisfaction(
            application_id=application.id,
            chat_identity_id=turn.identity.id,
            county_code=(application.region_code or "")[:6],
            rating=rating,
        )
        turn.session.add(answer)
    else:
        answer.rating = rating
    turn.state["satisfaction"] = application.id
    turn.say(turn.t("Thank you: “{rating}” is recorded.", rating=turn.t(RATINGS[rating])))
    dialog.ask(turn, Step.COMMENT)


@dialog.asks(Step.COMMENT)
def ask_comment(turn: Turn) -> None:
    turn.say(
        turn.t("If you like, write what went well or what should be better (or tap Skip)."),
        [turn.button("Skip", "satisfaction:skip")],
    )


@dialog.answers(Step.COMMENT)
def take_comment(turn: Turn, answer: Answer) -> None:
    if answer.button == "satisfaction:skip" or answer.words in ("跳过", "skip"):
        menu.show(turn)
        return
    text = (answer.text or "").strip()
    if not text:
        raise Reask("Please write your comment as text, or tap Skip.")
    if len(text) > MAX_COMMENT:
        raise Reask("That is too long: please keep it under {limit} characters.", limit=MAX_COMMENT)
    satisfaction = turn.session.scalar(
        sa.select(Satisfaction).where(
            Satisfaction.application_id == turn.state.get("satisfaction", 0)
        )
    )
    if satisfaction is not None:
        satisfaction.comment = redact(text)  # no ID or card number is kept in a comment
    turn.state.pop("satisfaction", None)
    turn.say(turn.t("Thank you, your comment is recorded."))
    menu.show(turn)


def results(turn: Turn) -> None:
    """/satisfaction: the county's (or city's) answers against the 95% target."""
    staff = staff_of(turn)
    if staff is None or staff.role not in ADMINS:
        turn.say(turn.t("Only county and city administrators can see the satisfaction results."))
        return
    scope = Satisfaction.county_code.startswith(staff.region_code[:6], autoescape=True)
    rows = turn.session.execute(
        sa.select(Satisfaction.rating, sa.func.count()).where(scope).group_by(Satisfaction.rating)
    ).tuples()
    counts: dict[Rating, int] = dict(rows.all())
    total = sum(counts.values())
    if not total:
        turn.say(turn.t("Nobody in your region has answered the satisfaction question yet."))
        return
    content = counts.get(Rating.SATISFIED, 0) + counts.get(Rating.BASICALLY_SATISFIED, 0)
    share = content / total
    comments = turn.session.scalars(
        sa.select(Satisfaction.comment)
        .where(scope, Satisfaction.comment.is_not(None))
        .order_by(Satisfaction.updated_at.desc())
        .limit(5)
    ).all()
    lines = [
        turn.t(
            "Satisfaction in {region}: {total} answer(s): {satisfied} satisfied, {basic} "
            "basically satisfied, {unhappy} not satisfied. Satisfied or basically satisfied: "
            "{share:.1%} (target {target:.0%}: {verdict}).",
            region=staff.region_code,
            total=total,
            satisfied=counts.get(Rating.SATISFIED, 0),
            basic=counts.get(Rating.BASICALLY_SATISFIED, 0),
            unhappy=counts.get(Rating.DISSATISFIED, 0),
            share=share,
            target=TARGET,
            verdict=turn.t("met") if share >= TARGET else turn.t("not met"),
        )
    ]
    if comments:
        lines.append(turn.t("Latest comments:"))
        lines += [f"• {comment}" for comment in comments]
    turn.say("\n".join(lines), [turn.button("Main menu", to_menu("main"))])


MODULE = DialogModule(
    dialog=dialog,
    commands={"/reminders": show, "/satisfaction": results},
    actions={"reminders": show, "satisfaction": results},
    buttons={Reminders: switch, Rate: rate},
    staff_menu=[MenuEntry(N_("Satisfaction results"), "satisfaction", ADMINS)],
)
