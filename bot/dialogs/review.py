"""The review queue in chat (/review): one claim at a time with the applicant, facts, decision and
cross-check findings; approve, return for correction or reject; the county confirms.

Who may do what is decided by db.queries.review alone; this module shows and asks.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.dialogs import menu, notices, objections
from bot.dialogs.base import Answer, Dialog, DialogModule, MenuEntry, Reask, Turn
from bot.dialogs.refusals import refuse, refuse_budget
from common.attachment_links import attachment_url
from common.findings import finding_lines
from common.i18n import N_
from common.notify import notify_approved_at_level, notify_status_change
from common.payloads import AssignVillage, Review, ReviewAction, RosterNote, to_menu
from common.texts import Translate, decision_text, program_name
from db.enums import AttachmentKind, Capacity, StaffRole
from db.models import Application, Staff
from db.pii import mask_id, redact
from db.queries import application_number
from db.queries import review as rules
from db.queries import review_queue as queues
from db.queries.budgets import BudgetExceeded
from db.queries.regions import region_words
from policy import Decision, place_name


class Step(StrEnum):
    NOTE = "note"


dialog = Dialog("review", Step, free_text={Step.NOTE})

UNSTAFFED = {
    rules.Unstaffed.NO_VILLAGE: N_(
        "⚠️ Nobody below the county can review it: it is registered under {region}, not a "
        "village. Assign its village."
    ),
    rules.Unstaffed.NO_REVIEWER: N_(
        "⚠️ Nobody reviews it at its level: {region} has no active reviewer. Invite one "
        "(wugong staff invite --role {role} --region {code}), assign another village, or "
        "return or reject it here."
    ),
}
CAPACITY_WORDS = {
    Capacity.RELATIVE: N_("a relative"),
    Capacity.VILLAGE_CADRE: N_("a village cadre"),
    Capacity.RESIDENT_CADRE: N_("a resident village cadre (驻村干部)"),
    Capacity.LABOUR_AGENCY: N_("a labour dispatch agency"),
}


def staff_of(turn: Turn) -> Staff | None:
    return rules.staff_of(turn.session, turn.identity)


def decision_of(application: Application) -> Decision:
    """The stored decision snapshot as a Decision, for the plain-words text."""
    return Decision.from_dict(
        application.decision or {},
        program=application.program.value,
        amount=(application.amount_fen or 0) // 100,
    )


def _place(code: Any) -> str:
    try:
        return place_name(str(code))
    except (LookupError, ValueError):
        return str(code or "?")


def employer_words(t: Translate, facts: dict[str, Any]) -> str:
    if facts.get("channel") == "workshop":
        return t("an assistance workshop (帮扶车间)")
    if facts.get("same_employer") is False:
        return t("several employers")
    return t("one employer")


# The facts of a claim from the monitoring records (bot/dialogs/records.py), in words.
SOURCE_WORDS = {
    "work_place": N_("Work place"),
    "work_from": N_("Period"),
    "work_to": N_("Period"),
    "channel": N_("Employer"),
    "same_employer": N_("Employer"),
    "monthly_wage": N_("Wage"),
    "contract_months": N_("Contract"),
}


def source_lines(t: Translate, facts: dict[str, Any]) -> list[str]:
    """For a claim started from the monitoring records: which facts the applicant declared
    instead of taking the records' (the cross-check compares them as any claim's)."""
    source = facts.get("source")
    if not isinstance(source, dict):
        return []
    declared = [SOURCE_WORDS[k] for k, v in source.items() if v == "declared" and k in SOURCE_WORDS]
    if not declared:
        return [t("Claimed from the monitoring records as they are.")]
    words = " / ".join(t(word) for word in dict.fromkeys(declared))
    return [t("Claimed from the monitoring records; declared instead: {facts}", facts=words)]


def fact_lines(t: Translate, application: Application) -> list[str]:
    """The claim's facts as declared, and what to double-check about them (the review card's
    and the console's claim page)."""
    facts = application.facts or {}
    lines = []
    if application.capacity != Capacity.SELF:
        lines.append(
            t("Applied on their behalf by {who}.", who=t(CAPACITY_WORDS[application.capacity]))
        )
    lines.append(t("Work place: {place}", place=_place(facts.get("work_place"))))
    lines.append(
        t(
            "Period: {start} to {end}",
            start=facts.get("work_from") or "?",
            end=facts.get("work_to") or t("now"),
        )
    )
    if facts.get("monthly_wage"):
        lines.append(t("Monthly wage: {wage} yuan", wage=facts["monthly_wage"]))
    lines.append(t("Employer: {kind}", kind=employer_words(t, facts)))
    lines += source_lines(t, facts)
    if facts.get("identity_check") == "cadre":
        lines.append(t("⚠️ The phone number was not verified: please confirm who applied."))
    if facts.get("bank_warning") == "luhn":
        lines.append(t("⚠️ The bank card number does not pass the usual check."))
    return lines


def card(turn: Turn, application: Application) -> str:
    """Everything a reviewer needs about one claim; the ID number masked."""
    person = application.person
    lines = [
        turn.t(
            "{number} · {program} {year}",
            number=application_number(application),
            program=program_name(turn.t, application.program.value),
            year=application.year,
        ),
        turn.t("Applicant: {name}, {id}", name=person.name, id=mask_id(person.id_number)),
        *fact_lines(turn.t, application),
    ]
    if application.review_note:
        lines.append(turn.t("Earlier note: {note}", note=redact(application.review_note)))
    lines += ["", decision_text(turn.t, decision_of(application)), ""]
    findings = finding_lines(turn.t, application.findings)
    lines.append(turn.t("Cross-check:") if findings else turn.t("Cross-check: no findings."))
    lines += findings
    lines += attachment_lines(turn, application)
    return "\n".join(lines)


def attachment_lines(turn: Turn, application: Application) -> list[str]:
    """A link per file kept by the project (proof, 委托书), for this reviewer only, short-lived."""
    staff = staff_of(turn)
    kept = sorted((a for a in application.attachments if a.storage_path), key=lambda a: a.id)
    if staff is None or not kept:
        return []
    lines = ["", turn.t("Files (the links work for you for 30 minutes):")]
    for attachment in kept:
        what = (
            turn.t("Delegation letter (委托书)")
            if attachment.kind == AttachmentKind.DELEGATION_LETTER
            else turn.t("Proof")
        )
        lines.append(f"📎 {what}: {attachment_url(attachment.id, turn.identity, staff)}")
    return lines


def unstaffed_line(turn: Turn, application: Application) -> str | None:
    """Why a claim in the county admin's queue is there though it waits at a lower level."""
    why = rules.unstaffed(turn.session, application)
    if why is None:
        return None
    role, length = rules.WAITS_FOR[application.status]
    code = application.region_code or ""
    return turn.t(
        UNSTAFFED[why],
        region=region_words(turn.session, code[:length] if len(code) >= length else code),
        role=role.value,
        code=code[:length],
    )


def show_queue(turn: Turn, *, after_id: int = 0) -> None:
    """Open objections first, then the next claim waiting at the staff member's level."""
    staff = staff_of(turn)
    try:
        items = queues.queue(turn.session, staff, after_id=after_id, limit=1)
    except rules.ReviewError as error:
        refuse(turn, error)
        menu.show(turn)
        return
    assert staff is not None
    turn.go(None, None)
    objections.show_open(turn, staff)
    waiting = queues.queue_size(turn.session, staff)
    approved = queues.waiting_for_notice(turn.session, staff)
    buttons = []
    if items:
        application = items[0]
        text = turn.t("{count} claim(s) wait for your review.", count=waiting) + "\n\n"
        orphan = unstaffed_line(turn, application) if staff.role == StaffRole.COUNTY_ADMIN else None
        if orphan:
            text += orphan + "\n\n"
            buttons.append(turn.button("Assign the village", AssignVillage(application.id).pack()))
        elif staff.role == StaffRole.COUNTY_ADMIN:
            buttons.append(
                turn.button("Confirm", Review(ReviewAction.APPROVE, application.id).pack())
            )
        else:
            buttons.append(
                turn.button("Approve", Review(ReviewAction.APPROVE, application.id).pack())
            )
        text += card(turn, application)
        buttons += [
            turn.button(
                "Return for correction", Review(ReviewAction.RETURN, application.id).pack()
            ),
            turn.button("Reject", Review(ReviewAction.REJECT, application.id).pack()),
            turn.button("Note for the roster (备注)", RosterNote(application.id).pack()),
            turn.button("Next", Review(ReviewAction.NEXT, application.id).pack()),
        ]
    elif after_id and waiting:
        text = turn.t("That was the last one. {count} claim(s) wait in all.", count=waiting)
        buttons.append(turn.button("From the start", to_menu("review")))
    else:
        text = turn.t("No claim waits for your review now.")
    if approved:
        text += "\n\n" + turn.t(
            "{count} approved claim(s) wait for the public notice.", count=approved
        )
        buttons.append(turn.button("Post the public notice", Review(ReviewAction.POST).pack()))
    buttons.append(turn.button("Main menu", to_menu("main")))
    turn.say(text, buttons)


def on_button(turn: Turn, payload: Review) -> None:
    """review:approve|return|reject|next:<id> and review:post, from anywhere."""
    action, application_id = payload.action, payload.application
    if action == ReviewAction.POST:
        notices.post(turn)
        return
    if application_id is None:
        show_queue(turn)
        return
    if action == ReviewAction.NEXT:
        show_queue(turn, after_id=application_id)
        return
    staff = staff_of(turn)
    try:
        application = rules.view(turn.session, staff, application_id)
        if action == ReviewAction.APPROVE and rules.blocking_findings(application):
            # A ⛔ finding stands against it: approving needs the reviewer's reason.
            rules.precheck(staff, rules.Action.APPROVE, application)
            turn.state["review"] = {"action": "approve", "application": application.id}
            dialog.ask(turn, Step.NOTE)
            return
        if action == ReviewAction.APPROVE:
            approve(turn, staff, application)
        elif action in (ReviewAction.RETURN, ReviewAction.REJECT):
            rules.precheck(staff, rules.Action(action), application)
            turn.state["review"] = {"action": action.value, "application": application.id}
            dialog.ask(turn, Step.NOTE)
            return
    except rules.ReviewError as error:
        refuse(turn, error)
        if staff is None or not staff.active:  # no queue to show: the one line, then the menu
            menu.show(turn)
            return
    except BudgetExceeded as error:
        refuse_budget(turn, error)
    show_queue(turn)


def approve(
    turn: Turn, staff: Staff | None, application: Application, reason: str | None = None
) -> None:
    notice = rules.approve(turn.session, staff, application, reason=reason)
    number = application_number(application)
    if notice is None:
        notify_status_change(turn.session, application)
        turn.say(turn.t("{number} is confirmed: approved for the roster.", number=number))
        return
    notify_approved_at_level(turn.session, application, notice.level)
    turn.say(
        turn.t(
            "{number} is approved. It waits for the public notice; tap “Post the public "
            "notice” when you have gone through the claims.",
            number=number,
        )
    )


@dialog.asks(Step.NOTE)
def ask_note(turn: Turn) -> None:
    pending = turn.state.get("review", {})
    action = pending.get("action")
    if action == "approve":
        application = turn.session.get(Application, pending.get("application") or 0)
        blocking = [
            f for f in (application.findings if application else []) if f.severity.value == "error"
        ]
        turn.say(
            turn.t("These findings stand against this claim:")
            + "\n"
            + "\n".join(finding_lines(turn.t, blocking))
            + "\n\n"
            + turn.t(
                "To approve it anyway, write why (for example what you checked). Your words "
                "are kept in the record with your name; the applicant does not see them."
            ),
            [turn.button("Cancel", to_menu("review"))],
        )
        return
    turn.say(
        turn.t("What should the applicant fix? Your words are sent to them.")
        if action == "return"
        else turn.t("Why is it rejected? Your words are sent to the applicant."),
        [turn.button("Cancel", to_menu("review"))],
    )


@dialog.answers(Step.NOTE)
def answer_note(turn: Turn, answer: Answer) -> None:
    pending = turn.state.get("review") or {}
    if answer.text is None or len(answer.words) < 2:
        if pending.get("action") == "approve":
            raise Reask("Please write a few words: why you approve it.")
        raise Reask("Please write a few words: they are sent to the person concerned.")
    application = turn.session.get(Application, pending.get("application") or 0)
    if application is None:
        show_queue(turn)
        return
    staff = staff_of(turn)
    if pending.get("action") == "approve":
        turn.state.pop("review", None)
        try:
            approve(turn, staff, application, reason=answer.text.strip())
        except rules.ReviewError as error:
            refuse(turn, error)
        except BudgetExceeded as error:
            refuse_budget(turn, error)
        show_queue(turn)
        return
    act = rules.return_for_correction if pending.get("action") == "return" else rules.reject
    try:
        act(turn.session, staff, application, answer.text.strip())
    except rules.ReviewError as error:
        refuse(turn, error)
    else:
        notify_status_change(turn.session, application)
        number = application_number(application)
        if pending.get("action") == "return":
            turn.say(turn.t("{number} is returned to the applicant.", number=number))
        else:
            turn.say(turn.t("{number} is rejected; the applicant is told why.", number=number))
    turn.state.pop("review", None)
    show_queue(turn)


MODULE = DialogModule(
    dialog=dialog,
    commands={"/review": show_queue},
    actions={"review": show_queue},
    buttons={Review: on_button},
    staff_menu=[
        MenuEntry(
            N_("Review applications"),
            "review",
            frozenset({StaffRole.CADRE, StaffRole.TOWNSHIP, StaffRole.COUNTY_ADMIN}),
        ),
    ],
)
