"""Apply, the flow: identify by ID number (and phone on Telegram), then the facts (the quick
check), then `bank` (the card and its bank) and `submit` (proof, summary, pledge, the
applications written); one application per program that may pay.

Delegated applications (委托代办, bot/dialogs/delegate.py) join this dialog at the facts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from bot.dialogs import check
from bot.dialogs.base import Answer, Dialog, Reask, Turn
from common.payloads import to_menu
from common.texts import decisions_text, program_name
from db.models import Person
from db.pii import mask_id, normalize_phone
from db.queries import (
    find_person_by_id_number,
)
from policy import (
    PROGRAMS,
    Decision,
    next_window,
    open_windows,
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
            [turn.button("Main menu", to_menu("main"))],
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
            [turn.button("Main menu", to_menu("main"))],
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
            [
                turn.button("Check again", to_menu("check")),
                turn.button("Main menu", to_menu("main")),
            ],
        )
        return
    if closed:
        turn.say("\n".join(closed))
    turn.state["programs"] = claimable
    dialog.ask(turn, Step.BANK)
