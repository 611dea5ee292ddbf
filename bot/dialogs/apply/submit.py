"""Apply, the end: the proof photos, the summary, the truthfulness pledge, and the applications
written (one per program whose window is still open), cross-checked after the commit."""

from __future__ import annotations

from bot.dialogs import check, consent
from bot.dialogs.apply.bank import bank_account
from bot.dialogs.apply.flow import (
    MAX_FILES,
    RECORDS,
    Step,
    claim_plan,
    dialog,
    drafting,
    from_records,
    person,
    recollect,
    registry_facts,
    typed_id,
    verified_person,
)
from bot.dialogs.apply.keep import keep_drafts, proof_files
from bot.dialogs.base import Answer, Reask, Turn, yes_or_no
from common import jobs
from common.i18n import N_
from common.payloads import to_menu
from common.texts import program_name
from db.enums import ApplicationStatus, Capacity, Program
from db.pii import mask_account, mask_id, mask_name
from db.queries import (
    Actor,
    application_number,
    submit,
)
from policy import (
    load_parameters,
    place_name,
)


@dialog.asks(Step.PROOF)
def ask_proof(turn: Turn) -> None:
    count = len(turn.state.get("files", []))
    turn.say(
        turn.t(
            "You may send photos of proof now: the employer's certificate, payslips or the "
            "labour contract. This is optional: tap “Skip” if you have none."
        )
        if count == 0
        else turn.t("Received {count} photo(s). Send more, or tap “Done”.", count=count),
        [turn.button("Done", "done")] if count else [turn.button("Skip", "done")],
    )


@dialog.answers(Step.PROOF)
def answer_proof(turn: Turn, answer: Answer) -> None:
    if answer.file is not None:
        files = turn.state.setdefault("files", [])
        if len(files) >= MAX_FILES:
            raise Reask("That is enough photos, thank you. Tap “Done”.")
        files.append(
            {
                "file_id": answer.file.file_id,
                "type": answer.file.mime_type,
                "size": answer.file.size,
                "name": answer.file.name,
                "storage_path": answer.file.storage_path,
                "sha256": answer.file.sha256,
            }
        )
        dialog.ask(turn, Step.PROOF)
        return
    if answer.button == "done":
        dialog.ask(turn, Step.SUMMARY)
        return
    raise Reask("Please send a photo, or tap “Done”.")


def shown_name(name: str, delegated: str | None) -> str:
    """The name in a summary: whole for the cadre who files on the person's behalf, masked
    (李*国) in the person's own chat."""
    return name if delegated is not None else mask_name(name)


def summary_text(turn: Turn) -> str:
    found = verified_person(turn)
    data = check.facts(turn)
    decisions = {d.program: d for d in check.decide(data, turn.today)}
    delegated = check.applicant_name(turn)
    lines = [
        turn.t("Please check your application:")
        if delegated is None
        else turn.t("Please check the application for {name}:", name=delegated),
        # A chat is a bearer of the person's identity, not the person: their own name masked.
        *([turn.t("Name: {name}", name=shown_name(found.name, delegated))] if found else []),
        turn.t("ID number: {id}", id=mask_id(typed_id(turn))),
        turn.t("Work place: {place}", place=place_name(data["work_place"])),
        turn.t(
            "Period: {start} to {end}",
            start=data["work_from"],
            end=data.get("work_to") or turn.t("now"),
        ),
    ]
    if data.get("monthly_wage"):
        lines.append(turn.t("Monthly wage: {wage} yuan", wage=data["monthly_wage"]))
    lines.append(turn.t("Bank card: {card}", card=mask_account(bank_account(turn) or "")))
    if turn.state.get("bank_name"):
        lines.append(turn.t("Bank: {bank}", bank=turn.state["bank_name"]))
    for program in turn.state.get("programs", []):
        decision = decisions[program]
        amount = (
            turn.t("{amount} yuan", amount=decision.amount)
            if decision.eligible
            else turn.t("to be decided by the reviewers")
        )
        lines.append(
            turn.t("• {program}: {amount}", program=program_name(turn.t, program), amount=amount)
        )
    return "\n".join(lines)


@dialog.asks(Step.SUMMARY)
def ask_summary(turn: Turn) -> None:
    turn.say(
        summary_text(turn),
        [
            turn.button("Correct, continue", "confirm"),
            turn.button("Change the answers", "change"),
            turn.button("Cancel", to_menu("main")),
        ],
    )


@dialog.answers(Step.SUMMARY)
def answer_summary(turn: Turn, answer: Answer) -> None:
    said = yes_or_no(answer)  # 对的 confirms, 不对 changes the answers
    if answer.button == "confirm" or said is True:
        dialog.ask(turn, Step.PLEDGE)
    elif answer.button == "change" or said is False:
        recollect(turn) if turn.state.get("mode") == "self" else _recollect(turn)
    else:
        raise Reask("Please tap one of the buttons.")


def _recollect(turn: Turn) -> None:
    check.collect_facts(turn, then="apply", keep=registry_facts(person(turn)))


PLEDGE = N_(
    "Pledge (承诺): I promise that the work place, period and income given here are true. If "
    "they are not, I will return the subsidy and bear the responsibility."
)
DELEGATE_PLEDGE = N_(
    "Pledge (承诺): applying on behalf of {name} with their consent, I promise that the work "
    "place, period and income given here are what {name} told me and what I could check. If "
    "they are not true, the subsidy is returned."
)


@dialog.asks(Step.PLEDGE)
def ask_pledge(turn: Turn) -> None:
    promise = turn.button("I promise (我承诺)", "pledge:accept")
    cancel = turn.button("Cancel", to_menu("main"))
    if from_records(turn):
        # A claim from the records' offer: the summary and the pledge in one message.
        name = check.applicant_name(turn)
        pledge = turn.t(PLEDGE) if name is None else turn.t(DELEGATE_PLEDGE, name=name)
        turn.say(
            summary_text(turn) + "\n\n" + pledge,
            [promise, turn.button("Something is wrong, I will correct it", "change"), cancel],
        )
        return
    check.ask_about(turn, PLEDGE, DELEGATE_PLEDGE, [promise, cancel])


@dialog.answers(Step.PLEDGE)
def answer_pledge(turn: Turn, answer: Answer) -> None:
    if answer.button == "change" and from_records(turn):
        turn.registry.continuations[RECORDS](turn)  # back to what the records say
        return
    if answer.button != "pledge:accept":
        raise Reask("The application can only be sent with the pledge. Tap “I promise”.")
    keep_drafts(turn) if drafting(turn) else finish(turn)


def finish(turn: Turn) -> None:
    """Write one application per program, enqueue the cross-checks, and give the numbers."""
    found = person(turn)
    # How the applicant was verified (sms | contact | cadre); a delegate's claim: the cadre.
    self_claim = turn.state.get("mode") == "self"
    plan = claim_plan(turn, (turn.identity.verified_via if self_claim else None) or "cadre")
    data, year, decisions = plan.facts, plan.year, plan.decisions
    wanted = turn.state.get("programs", [])
    turn.state["programs"] = [p for p in wanted if p in plan.taken]
    closed_meanwhile = plan.closed if len(turn.state["programs"]) < len(wanted) else []
    next_steps = _next_steps(turn)
    delegated = turn.state.get("mode") == "delegate"
    waiting_consent = delegated and turn.state.get("consent") == "chat_pending"
    files = proof_files(turn)
    lines = []
    created = []
    for program in turn.state.get("programs", []):
        decision = decisions[program]
        result = submit(
            turn.session,
            person=found,
            program=Program(program),
            year=year,
            facts=data,
            decision=decision.to_dict(),
            amount=decision.amount,
            actor=Actor.of_chat_identity(turn.identity),
            submitted_by=turn.identity,
            capacity=Capacity(turn.state.get("capacity", "self")),
            staff_id=turn.identity.staff_id if delegated else None,
            consent_kind=turn.state.get("consent"),
            bank_account=bank_account(turn),
            bank_name=turn.state.get("bank_name") or found.bank_name,
            files=files,
            status=ApplicationStatus.DRAFT if waiting_consent else ApplicationStatus.SUBMITTED,
        )
        files = []  # the proof is attached to the first application only
        number = application_number(result.application)
        name = program_name(turn.t, program)
        if result.existing:
            lines.append(
                turn.t(
                    "{program} {year}: already applied, number {number}. See “My applications”.",
                    program=name,
                    year=year,
                    number=number,
                )
            )
            continue
        created.append(result.application)
        lines.append(turn.t("{program}: number {number}", program=name, number=number))
    turn.go(None, None)
    turn.state = {}
    if created and not waiting_consent:
        ids = [application.id for application in created]

        def cross_check() -> None:
            for application_id in ids:
                jobs.CROSSCHECK_APPLICATION.send(application_id)

        turn.after_commit.append(cross_check)
    if waiting_consent:
        consent.request_consent(turn, found, created)
    if not created:
        head = turn.t("Nothing new was sent.")
    elif delegated:
        head = turn.t("The application for {name} has been sent. Numbers:", name=found.name)
    else:
        head = turn.t("Your application has been sent. Numbers:")
    turn.say(
        head
        + "\n"
        + "\n".join(lines + closed_meanwhile)
        + ("\n\n" + next_steps if created else ""),
        [
            turn.button("My applications", to_menu("status")),
            turn.button("Main menu", to_menu("main")),
        ],
    )


def _next_steps(turn: Turn) -> str:
    """What happens now; no payment date: that is known once the roster goes to finance."""
    days = load_parameters().get(
        "process.notice_days", turn.today, check.facts(turn).get("home_county")
    )
    return turn.t(
        "Next: it is checked against the monitoring records and reviewed by the village and "
        "the township, each time with a public notice of {days} days. When the county sends "
        "the roster to the finance bureau, I will tell you the day the money is due. I will "
        "tell you about every step.",
        days=days,
    )
