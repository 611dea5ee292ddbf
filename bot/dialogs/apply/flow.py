"""Apply, the flow: who is applying (bot/dialogs/verify.py: the ID number, then an SMS code or
Telegram's contact, else a draft the village cadre confirms in person), then the facts (the
quick check), then `bank` (the card and its bank) and `submit` (proof, summary, pledge, the
applications written); one application per program that may pay.

Delegated applications (委托代办, bot/dialogs/delegate.py) join this dialog at the facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.dialogs import check, verify
from bot.dialogs.base import Dialog, Reask, Turn
from common.payloads import to_menu
from common.texts import decisions_text, program_name
from db.crypto import keyring
from db.models import Person
from policy import (
    PROGRAMS,
    Decision,
    next_window,
    open_windows,
    window,
)
from policy.ric import parse as parse_id

MAX_FILES = 10
# The continuation that shows what the monitoring records say (bot/dialogs/records.py).
RECORDS = "records"


class Step(StrEnum):
    BANK = "bank"
    BANK_CONFIRM = "bank_confirm"
    BANK_NAME = "bank_name"
    PROOF = "proof"
    SUMMARY = "summary"
    PLEDGE = "pledge"


dialog = Dialog("apply", Step)


def start(turn: Turn) -> None:
    """Apply for oneself: who is applying first (bot/dialogs/verify.py)."""
    keep = turn.state.get("facts") or {}
    turn.state.clear()
    turn.state.update({"mode": "self", "quick_facts": keep})
    verify.begin(turn, then="apply_identified")


def person(turn: Turn) -> Person:
    found = turn.session.get(Person, turn.state["person_id"])
    if found is None:
        raise Reask("I could not find that person any more. Please start again.")
    return found


def drafting(turn: Turn) -> bool:
    """Whether the claim is a draft: the chat is not verified as the person it names. Then
    nothing of the records is used or shown, so nothing tells whether the ID is in them."""
    return turn.state.get("verified") is False


def verified_person(turn: Turn) -> Person | None:
    """The claim's person when the chat may see the records about them, else None."""
    return None if drafting(turn) else person(turn)


def typed_id(turn: Turn) -> str:
    """The ID number the claim is for (kept encrypted in the state while drafting)."""
    if drafting(turn):
        return str(keyring().decrypt(turn.state["id_number"]))
    return person(turn).id_number


def id_facts(number: str) -> dict[str, Any]:
    """What the ID number itself says: birth date and home county."""
    record = parse_id(number)
    return {"birth_date": record.birth_date.isoformat(), "home_county": record.region}


def registry_facts(found: Person) -> dict[str, Any]:
    """What the registry knows: birth date and home county from the ID, the household type."""
    facts = id_facts(found.id_number)
    if found.household is not None:
        facts["household_type"] = found.household.household_type.value
        month = found.household.risk_eliminated_month
        if found.household.risk_eliminated and month is not None:
            facts["risk_eliminated"] = f"{month.year:04d}-{month.month:02d}"
        else:
            facts["risk_eliminated"] = None
    return facts


def collect(turn: Turn, found: Person) -> None:
    """Go on to the facts with what the records know of the person (`collect_known`); or,
    when the person's work records in a claim year qualify them, offer what they say (the
    "apply" offer: bot/dialogs/records.py) instead of asking the questions one by one."""
    if turn.registry.offer("apply", turn):
        return
    collect_known(turn, registry_facts(found))


def from_records(turn: Turn) -> bool:
    """Whether the claim started from the monitoring records' offer (bot/dialogs/records.py):
    then proof photos are not asked for and the summary comes with the pledge."""
    return bool(turn.state.get("from_records"))


def after_bank(turn: Turn) -> None:
    """The card and its bank are known: the proof photos next, or, for a claim from the
    records, the summary with the pledge."""
    dialog.ask(turn, Step.PLEDGE if from_records(turn) else Step.PROOF)


def recollect(turn: Turn) -> None:
    """The facts again (the summary's “change”), from what may be used of the records."""
    found = verified_person(turn)
    collect_known(turn, registry_facts(found) if found else id_facts(typed_id(turn)))


def collect_known(turn: Turn, known: dict[str, Any]) -> None:
    """Go on to the facts, keeping the quick check's answers about the work; or, when no
    claims are taken in the person's county today, say when they are and stop."""
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


@dataclass(frozen=True)
class ClaimPlan:
    """What the pledge writes: the facts as recorded on the claims (with how the person was
    identified and any bank warning), the claim year, the decision per program, and the
    programs taking claims today (`taken`) with lines about the others (`closed`)."""

    facts: dict[str, Any]
    year: int
    decisions: dict[str, Decision]
    taken: list[str]
    closed: list[str]


def claim_plan(turn: Turn, identity_check: str) -> ClaimPlan:
    """The plan of the claims the pledge writes, decided once for drafts and claims alike."""
    data = dict(check.facts(turn))
    data["identity_check"] = identity_check
    if turn.state.get("bank_warning"):
        data["bank_warning"] = turn.state["bank_warning"]
    decisions = {d.program: d for d in check.decide(check.facts(turn), turn.today)}
    # The dialog may have begun before a window closed: claims are taken while it is open.
    taken, closed = claimable_now(turn, list(decisions.values()))
    return ClaimPlan(data, check.claim_year(data, turn.today), decisions, taken, closed)


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
