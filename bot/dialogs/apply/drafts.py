"""Apply, the drafts: claims made in a chat not yet verified as their person hold nothing; when
the chat is verified as the person (an SMS code, Telegram's contact, the cadre in person) they
go on as claims, assessed again with what the records know, if the window is still open and
the person has no counting claim yet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dialogs import check
from bot.dialogs.apply.flow import (
    collect,
    collect_known,
    drafting,
    id_facts,
    person,
    registry_facts,
    typed_id,
)
from bot.dialogs.base import Turn
from common import jobs
from common.payloads import to_menu
from common.texts import program_name
from db.models import Application, Person
from db.queries import Actor, application_number
from db.queries.drafts import drafts_of_author, promote
from policy import window


@dataclass(frozen=True)
class Outcome:
    """What became of one draft: its claim, or why none (closed window, a claim exists)."""

    draft: Application
    claim: Application | None
    closed: bool = False


def go_on(
    turn: Turn, found: Person, drafts: Sequence[Application], actor: Actor, *, via: str
) -> list[Outcome]:
    """The drafts as submitted claims (verified `via` sms | contact | cadre), cross-checked
    after the commit."""
    outcomes = []
    for draft in drafts:
        facts = {**draft.facts, **registry_facts(found), "identity_check": via}
        program = draft.program.value
        if not window(program, draft.year, facts.get("home_county")).is_open(turn.today):
            outcomes.append(Outcome(draft, None, closed=True))
            continue
        decision = {d.program: d for d in check.decide(facts, turn.today)}[program]
        promoted = promote(
            turn.session,
            draft,
            actor,
            facts=facts,
            decision=decision.to_dict(),
            amount=decision.amount,
            now=turn.now,
        )
        outcomes.append(Outcome(draft, promoted.claim))
    ids = [o.claim.id for o in outcomes if o.claim is not None]
    if ids:

        def cross_check() -> None:
            for application_id in ids:
                jobs.CROSSCHECK_APPLICATION.send(application_id)

        turn.after_commit.append(cross_check)
    return outcomes


def outcome_lines(t: Callable[..., str], outcomes: Sequence[Outcome]) -> list[str]:
    """One line per draft, in the words of `t` (the reader's language)."""
    lines = []
    for outcome in outcomes:
        values: dict[str, Any] = {
            "program": program_name(t, outcome.draft.program.value),
            "year": outcome.draft.year,
        }
        if outcome.claim is not None:
            lines.append(
                t(
                    "{program} {year}: sent, number {number}.",
                    number=application_number(outcome.claim),
                    **values,
                )
            )
        elif outcome.closed:
            lines.append(t("{program} {year}: claims are no longer taken.", **values))
        else:
            lines.append(t("{program} {year}: already applied. See “My applications”.", **values))
    return lines


def submit_own_drafts(turn: Turn, found: Person) -> bool:
    """The chat just verified as `found`: its drafts for the person go on (said); False when
    it has none."""
    drafts = drafts_of_author(turn.session, turn.identity, found.id)
    if not drafts:
        return False
    via = turn.identity.verified_via or "sms"
    outcomes = go_on(turn, found, drafts, Actor.of_chat_identity(turn.identity), via=via)
    turn.go(None, None)
    turn.state = {}
    turn.say(
        turn.t("Your draft application goes on now that you are verified:")
        + "\n"
        + "\n".join(outcome_lines(turn.t, outcomes)),
        [
            turn.button("My applications", to_menu("status")),
            turn.button("Main menu", to_menu("main")),
        ],
    )
    return True


def identified(turn: Turn) -> None:
    """After verify: a verified person's own drafts go on as claims, else the facts."""
    if drafting(turn):
        collect_known(turn, id_facts(typed_id(turn)))
        return
    found = person(turn)
    if submit_own_drafts(turn, found):
        return
    collect(turn, found)
