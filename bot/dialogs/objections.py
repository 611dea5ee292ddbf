"""Objections to a public notice: a chat verified as a person objects by quoting its number
(/object GS-… or the menu), once per notice and on a few notices a day; the reviewer of that
level is told (the first at once, later ones in a digest), sees them in /review and upholds or
dismisses them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.dialogs import menu
from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from bot.dialogs.refusals import REFUSALS, refuse
from bot.messages import Button
from common import jobs
from common.i18n import N_
from common.notify import notify_identity, notify_status_change
from common.objection_news import tell_reviewers
from common.payloads import ObjectionDecision, ObjectionTarget, to_menu
from common.settings import get_settings
from db.enums import ApplicationStatus, NoticeLevel, StaffRole
from db.models import Application, ChatIdentity, Notice, Objection, Person, Staff
from db.pii import mask_id, redact
from db.queries import review as rules
from db.queries.notices import current_applications, find_notice, last_day, numbers_in
from db.queries.objections import (
    ObjectionRefused,
    Outcome,
    Resolved,
    is_open,
    may_object,
    may_resolve,
    object_to_notice,
    open_objections,
    resolve_objection,
    tell_now,
)
from db.types import utcnow


class Step(StrEnum):
    NUMBER = "number"
    WHO = "who"
    TEXT = "text"
    DECISION_NOTE = "decision_note"


dialog = Dialog("objection", Step, free_text={Step.TEXT, Step.DECISION_NOTE})

REFUSED = {
    "objection_unverified": N_(
        "Only someone who has confirmed who they are can object here. To confirm, tap “Apply” "
        "and enter your ID number and the code sent by SMS to your phone; or raise the "
        "objection with the village committee in person."
    ),
    "objection_repeated": N_(
        "You have already objected to notice {number}; the reviewers are looking into it."
    ),
    "objection_daily_cap": N_(
        "You have objected to {count} notices today, the most allowed in a day. Please try "
        "again tomorrow, or raise it with the village committee in person."
    ),
}
OUTCOMES = {
    Outcome.DISMISS: N_(
        "Your objection to notice {number} was looked into and not upheld: “{note}”."
    ),
    Outcome.RETURN: N_(
        "Your objection to notice {number} was upheld: “{note}”. The claim goes back to the "
        "applicant for a correction."
    ),
    Outcome.REJECT: N_(
        "Your objection to notice {number} was upheld: “{note}”. The claim is not approved."
    ),
}


def per_day() -> int:
    return get_settings().objections.objections_per_day


def refused(turn: Turn, notice: Notice | None) -> bool:
    """Say in one line why this chat may not object (to ``notice``), if it may not."""
    try:
        may_object(turn.session, turn.identity, notice, now=utcnow(), per_day=per_day())
    except ObjectionRefused as error:
        number = notice.number if notice is not None else ""
        turn.say(turn.t(REFUSED[error.code], number=number, count=per_day()))
        turn.state.pop("objection", None)
        menu.show(turn)
        return True
    return False


def start(turn: Turn) -> None:
    """The menu flow: ask for the notice number first."""
    turn.state.pop("objection", None)
    if refused(turn, None):
        return
    dialog.ask(turn, Step.NUMBER)


def command(turn: Turn) -> None:
    """/object GS-… [names and reason]: as much as was given, then ask for the rest."""
    if refused(turn, None):
        return
    text = (turn.incoming.text or "").split(maxsplit=1)
    rest = text[1] if len(text) > 1 else ""
    numbers = numbers_in(rest)
    if not numbers:
        start(turn)
        return
    reason = " ".join(part for part in rest.split() if part.upper() != numbers[0])
    choose_notice(turn, numbers[0], reason)


def choose_notice(turn: Turn, number: str, reason: str = "") -> None:
    notice = find_notice(turn.session, number)
    if notice is None:
        turn.say(turn.t("I cannot find notice {number}. Please check the number.", number=number))
        dialog.ask(turn, Step.NUMBER)
        return
    if not is_open(notice, utcnow()):
        turn.say(turn.t(rules_message("notice_not_open")))
        menu.show(turn)
        return
    if refused(turn, notice):
        return
    turn.state["objection"] = {"notice": notice.id, "text": reason or None, "who": None}
    named = [a.id for a, person in listed(turn, notice) if reason and person.name in reason]
    if named:
        turn.state["objection"]["who"] = named
        record(turn)
        return
    dialog.ask(turn, Step.WHO)


def rules_message(code: str) -> str:
    return REFUSALS[code]


def listed(turn: Turn, notice: Notice) -> list[tuple[Application, Person]]:
    level = NoticeLevel(notice.level)
    statuses = [rules.NOTICE_STATUS[level], ApplicationStatus.ON_HOLD]
    return [(a, a.person) for a in current_applications(turn.session, notice, statuses)]


def _notice(turn: Turn) -> Notice:
    pending = turn.state.get("objection") or {}
    notice = turn.session.get(Notice, pending.get("notice") or 0)
    if notice is None:
        raise Reask("Please send the notice number, for example GS-140581100200-2025-001.")
    return notice


@dialog.asks(Step.NUMBER)
def ask_number(turn: Turn) -> None:
    turn.say(
        turn.t(
            "Which notice do you object to? Send its number as printed, for example "
            "GS-140581100200-2025-001."
        ),
        [turn.button("Main menu", to_menu("main"))],
    )


@dialog.answers(Step.NUMBER)
def answer_number(turn: Turn, answer: Answer) -> None:
    numbers = numbers_in(answer.text or "")
    if not numbers:
        raise Reask("Please send the notice number, for example GS-140581100200-2025-001.")
    choose_notice(turn, numbers[0])


@dialog.asks(Step.WHO)
def ask_who(turn: Turn) -> None:
    notice = _notice(turn)
    buttons = [
        Button(f"{person.name} {mask_id(person.id_number)}", ObjectionTarget(application.id).pack())
        for application, person in listed(turn, notice)[:20]
    ]
    buttons.append(turn.button("The whole notice", ObjectionTarget().pack()))
    turn.say(
        turn.t(
            "Notice {number} is up until {date}. Whom does your objection concern? Tap the "
            "person, or “The whole notice” if it is about the notice itself.",
            number=notice.number,
            date=last_day(notice).isoformat(),
        ),
        buttons,
    )


@dialog.answers(Step.WHO)
def answer_who(turn: Turn, answer: Answer) -> None:
    pressed = ObjectionTarget.read(answer.button)
    notice = _notice(turn)
    if pressed is None:
        raise Reask("Please tap one of the buttons.")
    if pressed.application is None:
        who = None
    elif pressed.application in {a.id for a, _ in listed(turn, notice)}:
        who = [pressed.application]
    else:
        raise Reask("Please tap one of the buttons.")
    turn.state["objection"]["who"] = who
    if turn.state["objection"].get("text"):
        record(turn)
        return
    dialog.ask(turn, Step.TEXT)


@dialog.asks(Step.TEXT)
def ask_text(turn: Turn) -> None:
    turn.say(
        turn.t("What is your objection? Please say what is wrong; the reviewers will read it."),
        [turn.button("Main menu", to_menu("main"))],
    )


@dialog.answers(Step.TEXT)
def answer_text(turn: Turn, answer: Answer) -> None:
    if answer.text is None or len(answer.words) < 2:
        raise Reask("Please write your objection in a few words.")
    turn.state["objection"]["text"] = answer.text.strip()
    record(turn)


def record(turn: Turn) -> None:
    """Write the objection, hold the claims, tell the applicants and the reviewers."""
    pending = turn.state.pop("objection")
    notice = turn.session.get(Notice, pending["notice"])
    assert notice is not None
    try:
        objected = object_to_notice(
            turn.session,
            turn.identity,
            notice,
            pending["text"] or "",
            application_ids=pending["who"],
            now=utcnow(),
            per_day=per_day(),
        )
    except ObjectionRefused as error:
        turn.say(turn.t(REFUSED[error.code], number=notice.number, count=per_day()))
        menu.show(turn)
        return
    except rules.ReviewError as error:
        refuse(turn, error)
        menu.show(turn)
        return
    for application in objected.held:
        notify_status_change(turn.session, application)
    tell(turn, notice, objected.objections)
    turn.go(None, None)
    turn.say(
        turn.t(
            "Thank you. Your objection to notice {number} is recorded; {count} claim(s) are on "
            "hold until the reviewers look into it. You will hear the outcome here.",
            number=notice.number,
            count=len(objected.held),
        ),
        [turn.button("Main menu", to_menu("main"))],
    )


def tell(turn: Turn, notice: Notice, objections: Sequence[Objection]) -> None:
    """Tell the reviewers now if this is the notice's first objection in the digest window;
    otherwise the objection sweep gathers it into a digest (workers/notices.py)."""
    window = timedelta(minutes=get_settings().objections.objection_digest_minutes)
    if not tell_now(turn.session, notice, objections, now=utcnow(), window=window):
        return
    written = tell_reviewers(turn.session, notice, 0)

    def deliver() -> None:
        for notification_id in written:
            jobs.DELIVER_NOTIFICATION.send(notification_id)

    turn.after_commit.append(deliver)


def show_open(turn: Turn, staff: Staff) -> None:
    """The open objections of the staff member's level and region, each with its decisions."""
    if staff.role not in rules.NOTICE_LEVEL and staff.role != StaffRole.COUNTY_ADMIN:
        return
    for objection in open_objections(turn.session, staff)[:3]:
        notice = turn.session.get(Notice, objection.notice_id)
        assert notice is not None
        application = (
            turn.session.get(Application, objection.application_id)
            if objection.application_id
            else None
        )
        who = (
            f"{application.person.name} {mask_id(application.person.id_number)}"
            if application is not None
            else turn.t("the whole notice")
        )
        turn.say(
            turn.t(
                "Objection to notice {number} about {who}:\n“{text}”",
                number=notice.number,
                who=who,
                text=redact(objection.text),
            ),
            [
                turn.button(
                    "Dismiss the objection", ObjectionDecision(Outcome.DISMISS, objection.id).pack()
                ),
                turn.button(
                    "Uphold: return for correction",
                    ObjectionDecision(Outcome.RETURN, objection.id).pack(),
                ),
                turn.button(
                    "Uphold: reject", ObjectionDecision(Outcome.REJECT, objection.id).pack()
                ),
            ],
        )


def on_decision(turn: Turn, payload: ObjectionDecision) -> None:
    """objection:dismiss|return|reject:<id>: check the reviewer may, then ask for the reason."""
    objection = turn.session.get(Objection, payload.objection)
    if objection is None:
        menu.go(turn, "review")
        return
    notice = turn.session.get(Notice, objection.notice_id)
    assert notice is not None
    try:
        may_resolve(rules.staff_of(turn.session, turn.identity), notice)
    except rules.ReviewError as error:
        refuse(turn, error)
        menu.go(turn, "review")
        return
    turn.state["decision"] = {"objection": objection.id, "outcome": payload.outcome.value}
    dialog.ask(turn, Step.DECISION_NOTE)


@dialog.asks(Step.DECISION_NOTE)
def ask_decision_note(turn: Turn) -> None:
    turn.say(
        turn.t("Please give the reason in a few words; the objector and the applicant see it."),
        [turn.button("Cancel", to_menu("review"))],
    )


@dialog.answers(Step.DECISION_NOTE)
def answer_decision_note(turn: Turn, answer: Answer) -> None:
    if answer.text is None or len(answer.words) < 2:
        raise Reask("Please write a few words: they are sent to the person concerned.")
    pending = turn.state.pop("decision", None) or {}
    objection = turn.session.get(Objection, pending.get("objection") or 0)
    if objection is None:
        menu.go(turn, "review")
        return
    outcome = Outcome(pending["outcome"])
    try:
        resolved = resolve_objection(
            turn.session,
            rules.staff_of(turn.session, turn.identity),
            objection,
            outcome,
            answer.text.strip(),
            now=utcnow(),
        )
    except rules.ReviewError as error:
        refuse(turn, error)
        menu.go(turn, "review")
        return
    tell_resolved(turn.session, resolved, outcome)
    turn.say(turn.t("The objection is resolved; the people concerned are told."))
    menu.go(turn, "review")


def tell_resolved(session: Session, resolved: Resolved, outcome: Outcome) -> None:
    """After an objection is resolved (here or in the staff console): the applicants whose
    claims moved and the objector are told."""
    for application in resolved.changed:
        notify_status_change(session, application)
    objection = resolved.objection
    objector = (
        session.get(ChatIdentity, objection.from_chat_identity_id)
        if objection.from_chat_identity_id
        else None
    )
    if objector is not None:
        note = redact(objection.resolution or "")
        number = resolved.notice.number
        notify_identity(session, objector, OUTCOMES[outcome], number=number, note=note)


MODULE = DialogModule(
    dialog=dialog,
    commands={"/object": command},
    actions={"object": start},
    buttons={ObjectionDecision: on_decision},
)
