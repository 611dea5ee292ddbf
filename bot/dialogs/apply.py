"""Apply: identify by ID number (and phone on Telegram), the facts, bank account, proof,
summary and the truthfulness pledge; then one application per program that may pay.

Delegated applications (委托代办, bot/dialogs/delegate.py) join this dialog at the facts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.dialogs import check, consent
from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from common import jobs
from common.i18n import N_
from common.texts import decisions_text, program_name
from db.crypto import keyring
from db.enums import ApplicationStatus, AttachmentKind, Capacity, Program
from db.models import Person
from db.pii import mask_account, mask_id, normalize_account, normalize_phone
from db.queries import (
    Actor,
    NewFile,
    application_number,
    find_person_by_id_number,
    submit,
)
from policy import (
    PROGRAMS,
    Decision,
    load_parameters,
    next_window,
    open_windows,
    place_name,
    window,
)
from policy.errors import InvalidIdNumber
from policy.ric import parse as parse_id

MAX_FILES = 10


class Step(StrEnum):
    ID = "id"
    PHONE = "phone"
    BANK = "bank"
    BANK_CONFIRM = "bank_confirm"
    BANK_NAME = "bank_name"
    PROOF = "proof"
    SUMMARY = "summary"
    PLEDGE = "pledge"


dialog = Dialog("apply", Step)


def start(turn: Turn) -> None:
    """Apply for oneself."""
    keep = turn.state.get("facts") or {}
    turn.state.clear()
    turn.state.update({"mode": "self", "quick_facts": keep})
    dialog.ask(turn, Step.ID)


def person(turn: Turn) -> Person:
    found = turn.session.get(Person, turn.state["person_id"])
    if found is None:
        raise Reask("I could not find that person any more. Please start again.")
    return found


def identify(turn: Turn, answer: Answer) -> Person | None:
    """The registry's person for a typed ID number; None (with a message) when not found."""
    if answer.file is not None or not answer.words:
        raise Reask("Please type the 18-character ID number.")
    try:
        record = parse_id(answer.words, today=turn.today)
    except InvalidIdNumber:
        raise Reask(
            "That ID number is not valid. Please check it: 18 characters, the last may be X."
        ) from None
    found = find_person_by_id_number(turn.session, record.number)
    if found is None:
        turn.say(
            turn.t(
                "{id} is not in the list of households lifted out of poverty or monitored. "
                "If you think it should be, please ask your village cadre.",
                id=mask_id(record.number),
            ),
            [turn.button("Main menu", "menu:main")],
        )
        turn.go(None, None)
        return None
    turn.state["person_id"] = found.id
    return found


def registry_facts(found: Person) -> dict[str, Any]:
    """What the registry knows: birth date and home county from the ID, the household type."""
    record = parse_id(found.id_number)
    facts: dict[str, Any] = {
        "birth_date": record.birth_date.isoformat(),
        "home_county": record.region,
    }
    if found.household is not None:
        facts["household_type"] = found.household.household_type.value
        month = found.household.risk_eliminated_month
        if found.household.risk_eliminated and month is not None:
            facts["risk_eliminated"] = f"{month.year:04d}-{month.month:02d}"
        else:
            facts["risk_eliminated"] = None
    return facts


def collect(turn: Turn, found: Person) -> None:
    """Go on to the facts, keeping the quick check's answers about the work; or, when no
    claims are taken in the person's county today, say when they are and stop."""
    known = registry_facts(found)
    if not open_windows(turn.today, known["home_county"]):
        turn.go(None, None)
        turn.say(
            turn.t("No claims are taken now.")
            + "\n"
            + next_windows_text(turn, known["home_county"]),
            [turn.button("Main menu", "menu:main")],
        )
        return
    quick = turn.state.get("quick_facts") or {}
    work = {k: v for k, v in quick.items() if k not in {"birth_date", "home_county"}}
    check.collect_facts(turn, then="apply", keep={**work, **known})


def next_windows_text(turn: Turn, county: str | None) -> str:
    """When each program next takes claims in the county."""
    lines = []
    for program in PROGRAMS:
        following = next_window(program, turn.today, county)
        lines.append(
            turn.t(
                "⏰ {program}: claims for {year} are taken from {opens} to {closes}.",
                program=program_name(turn.t, program),
                year=following.year,
                opens=following.opens.isoformat(),
                closes=following.closes.isoformat(),
            )
        )
    return "\n".join(lines)


def claimable_now(turn: Turn, decisions: list[Decision]) -> tuple[list[str], list[str]]:
    """The programs that may pay and take claims today, and lines about those that may pay
    but whose window is not open."""
    data = check.facts(turn)
    year = check.claim_year(data, turn.today)
    county = data.get("home_county")
    hopeful = [d.program for d in decisions if d.eligible is not False]
    open_now = [p for p in hopeful if window(p, year, county).is_open(turn.today)]
    return open_now, check.window_lines(turn, hopeful, year, county)


@dialog.asks(Step.ID)
def ask_id(turn: Turn) -> None:
    turn.say(turn.t("Please send your ID card number (身份证号码)."))


@dialog.answers(Step.ID)
def answer_id(turn: Turn, answer: Answer) -> None:
    found = identify(turn, answer)
    if found is None:
        return
    turn.say(turn.t("Found: {name}, {id}.", name=found.name, id=mask_id(found.id_number)))
    if turn.channel == "telegram":
        dialog.ask(turn, Step.PHONE)
        return
    # The web chat cannot prove a phone number: the village cadre confirms the identity.
    turn.state["identity_check"] = "cadre"
    collect(turn, found)


@dialog.asks(Step.PHONE)
def ask_phone(turn: Turn) -> None:
    turn.say(
        turn.t(
            "Please tap “Share my phone number” below so I can compare it with the registry. "
            "Or tap “Skip”: then your village cadre confirms who you are."
        ),
        [turn.button("Skip", "skip")],
        request_contact=True,
    )


@dialog.answers(Step.PHONE)
def answer_phone(turn: Turn, answer: Answer) -> None:
    found = person(turn)
    if answer.contact_phone is not None:
        if not answer.contact_is_own:
            raise Reask("Please share your own phone number.")
        registered = found.phone
        if registered and normalize_phone(answer.contact_phone) == registered:
            turn.identity.phone_verified = True
            turn.identity.person_id = found.id
            turn.state["identity_check"] = "phone"
            turn.say(turn.t("Thank you, your phone number matches the registry."))
        else:
            turn.state["identity_check"] = "cadre"
            turn.say(
                turn.t(
                    "This number is not the one in the registry. You can still apply; your "
                    "village cadre will confirm who you are."
                )
            )
    elif answer.button == "skip":
        turn.state["identity_check"] = "cadre"
    else:
        raise Reask("Please tap one of the buttons.")
    collect(turn, found)


def after_facts(turn: Turn) -> None:
    """The facts are complete: say what can be claimed, then the bank account."""
    decisions = check.decide(check.facts(turn), turn.today)
    claimable, closed = claimable_now(turn, decisions)
    if not claimable:
        turn.go(None, None)
        turn.say(
            turn.t("From these answers there is no subsidy to claim now:")
            + "\n\n"
            + decisions_text(turn.t, decisions)
            + ("\n\n" + "\n".join(closed) if closed else ""),
            [turn.button("Check again", "menu:check"), turn.button("Main menu", "menu:main")],
        )
        return
    if closed:
        turn.say("\n".join(closed))
    turn.state["programs"] = claimable
    dialog.ask(turn, Step.BANK)


@dialog.asks(Step.BANK)
def ask_bank(turn: Turn) -> None:
    found = person(turn)
    buttons = []
    if found.bank_account:
        buttons.append(
            turn.button("Use the card {card}", "bank:file", card=mask_account(found.bank_account))
        )
    check.ask_about(
        turn,
        N_(
            "Send the number of the bank card the subsidy should be paid to. It must be in "
            "your own name."
        ),
        N_(
            "Send the number of {name}'s bank card, which the subsidy is paid to. It must be "
            "in {name}'s own name."
        ),
        buttons,
    )


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _store_account(turn: Turn, account: str) -> None:
    # Dialog state is not encrypted at rest, so the account is kept there as ciphertext.
    turn.state["bank"] = keyring().encrypt(account)


def bank_account(turn: Turn) -> str | None:
    stored = turn.state.get("bank")
    return keyring().decrypt(stored) if stored else None


@dialog.answers(Step.BANK)
def answer_bank(turn: Turn, answer: Answer) -> None:
    found = person(turn)
    if answer.button == "bank:file" and found.bank_account:
        _store_account(turn, found.bank_account)
        turn.state["bank_name"] = found.bank_name
        dialog.ask(turn, Step.PROOF if found.bank_name else Step.BANK_NAME)
        return
    digits = normalize_account(answer.words) if answer.text else ""
    if not digits.isdigit() or not 10 <= len(digits) <= 30:
        raise Reask("Please send the card number: digits only, for example 6217 0000 0000 0000.")
    _store_account(turn, digits)
    turn.state.pop("bank_name", None)
    if len(digits) in range(16, 20) and not _luhn_ok(digits):
        dialog.ask(turn, Step.BANK_CONFIRM)
        return
    dialog.ask(turn, Step.BANK_NAME)


@dialog.asks(Step.BANK_CONFIRM)
def ask_bank_confirm(turn: Turn) -> None:
    account = bank_account(turn) or ""
    turn.say(
        turn.t(
            "The card number {card} does not pass the usual check. Please compare it with your "
            "card. Is it right?",
            card=mask_account(account),
        ),
        [turn.button("Yes, it is right", "yes"), turn.button("No, type it again", "no")],
    )


@dialog.answers(Step.BANK_CONFIRM)
def answer_bank_confirm(turn: Turn, answer: Answer) -> None:
    if answer.button == "yes":
        turn.state["bank_warning"] = "luhn"  # shown to the reviewer, not a refusal
        dialog.ask(turn, Step.BANK_NAME)
    elif answer.button == "no":
        turn.state.pop("bank", None)
        dialog.ask(turn, Step.BANK)
    else:
        raise Reask("Please tap one of the buttons.")


# The banks rural workers in Shanxi mostly have cards of; any other name can be typed. The
# names are what the roster's 开户行 column shows, so they stay in Chinese.
BANKS = (
    (N_("Rural commercial bank / credit union (农商银行/信用社)"), "农村商业银行（农村信用社）"),
    (N_("Postal Savings Bank (邮储银行)"), "中国邮政储蓄银行"),
    (N_("Agricultural Bank (农业银行)"), "中国农业银行"),
    (N_("China Construction Bank (建设银行)"), "中国建设银行"),
    (N_("ICBC (工商银行)"), "中国工商银行"),
    (N_("Bank of China (中国银行)"), "中国银行"),
    (N_("Jinshang Bank (晋商银行)"), "晋商银行"),
)
BANK_WORDS = ("银行", "信用社", "农商", "信合", "bank", "credit")


@dialog.asks(Step.BANK_NAME)
def ask_bank_name(turn: Turn) -> None:
    turn.say(
        turn.t(
            "Which bank is the card from? Tap it, or type the bank and branch, for example "
            "高平农商银行三甲支行."
        ),
        [turn.button(label, f"bankname:{index}") for index, (label, _) in enumerate(BANKS)],
    )


@dialog.answers(Step.BANK_NAME)
def answer_bank_name(turn: Turn, answer: Answer) -> None:
    raw = (answer.button or "").removeprefix("bankname:")
    if answer.button is not None and raw.isdigit() and int(raw) < len(BANKS):
        turn.state["bank_name"] = BANKS[int(raw)][1]
    elif answer.text and any(word in answer.words.lower() for word in BANK_WORDS):
        turn.state["bank_name"] = answer.words[:100]
    else:
        raise Reask("Please tap the bank, or type its name, for example 高平农商银行.")
    dialog.ask(turn, Step.PROOF)


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


def summary_text(turn: Turn) -> str:
    found = person(turn)
    data = check.facts(turn)
    decisions = {d.program: d for d in check.decide(data, turn.today)}
    delegated = check.applicant_name(turn)
    lines = [
        turn.t("Please check your application:")
        if delegated is None
        else turn.t("Please check the application for {name}:", name=delegated),
        turn.t("Name: {name}", name=found.name),
        turn.t("ID number: {id}", id=mask_id(found.id_number)),
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
            turn.button("Cancel", "menu:main"),
        ],
    )


@dialog.answers(Step.SUMMARY)
def answer_summary(turn: Turn, answer: Answer) -> None:
    if answer.button == "confirm":
        dialog.ask(turn, Step.PLEDGE)
    elif answer.button == "change":
        collect(turn, person(turn)) if turn.state.get("mode") == "self" else _recollect(turn)
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
    check.ask_about(
        turn,
        PLEDGE,
        DELEGATE_PLEDGE,
        [turn.button("I promise (我承诺)", "pledge:accept"), turn.button("Cancel", "menu:main")],
    )


@dialog.answers(Step.PLEDGE)
def answer_pledge(turn: Turn, answer: Answer) -> None:
    if answer.button != "pledge:accept":
        raise Reask("The application can only be sent with the pledge. Tap “I promise”.")
    finish(turn)


def finish(turn: Turn) -> None:
    """Write one application per program, enqueue the cross-checks, and give the numbers."""
    found = person(turn)
    data = dict(check.facts(turn))
    data["identity_check"] = turn.state.get("identity_check", "cadre")
    if turn.state.get("bank_warning"):
        data["bank_warning"] = turn.state["bank_warning"]
    year = check.claim_year(data, turn.today)
    decisions = {d.program: d for d in check.decide(check.facts(turn), turn.today)}
    # The dialog may have begun before a window closed: claims are taken while it is open.
    taken, closed = claimable_now(turn, list(decisions.values()))
    wanted = turn.state.get("programs", [])
    turn.state["programs"] = [p for p in wanted if p in taken]
    closed_meanwhile = closed if len(turn.state["programs"]) < len(wanted) else []
    next_steps = _next_steps(turn)
    delegated = turn.state.get("mode") == "delegate"
    waiting_consent = delegated and turn.state.get("consent") == "chat_pending"
    files = [
        NewFile(
            AttachmentKind.DELEGATION_LETTER if f.get("letter") else AttachmentKind.OTHER,
            f["file_id"],
            f.get("type"),
            f.get("size"),
            name=f.get("name"),
            storage_path=f.get("storage_path"),
            sha256=f.get("sha256"),
        )
        for f in turn.state.get("files", [])
    ]
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
        turn.after_commit.append(lambda: [jobs.CROSSCHECK_APPLICATION.send(i) for i in ids])
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
        [turn.button("My applications", "menu:status"), turn.button("Main menu", "menu:main")],
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


MODULE = DialogModule(
    dialog=dialog,
    commands={"/apply": start},
    actions={"apply": start},
    continuations={"apply": after_facts},
)
