"""Apply, the end of a claim made before the chat is verified as its person: a draft that holds
nothing. For an ID number in the records it is written (the person and the village cadre see
it; it goes on when its author is verified as the person); for any other nothing is written.
Either way the author is told the same and sees the same draft in “My applications”, kept on
the chat identity (`ChatIdentity.drafts`), so nothing tells whether the ID is in the records.
"""

from __future__ import annotations

from typing import Any

from bot.dialogs.apply.bank import bank_account
from bot.dialogs.apply.flow import claim_plan, typed_id
from bot.dialogs.base import Turn
from common.payloads import to_menu
from common.texts import program_name
from db.crypto import blind_index
from db.enums import AttachmentKind, Capacity, Program
from db.models import Person
from db.pii import mask_id
from db.queries import Actor, NewFile, submit

MAX_KEPT = 20


def proof_files(turn: Turn) -> list[NewFile]:
    """The photos sent in this dialog, as files to attach."""
    return [
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


def keep_drafts(turn: Turn) -> None:
    """Keep the claim as a draft per program whose window is open, and say so."""
    plan = claim_plan(turn, "unverified")
    data, year, decisions = plan.facts, plan.year, plan.decisions
    programs = [p for p in turn.state.get("programs", []) if p in plan.taken]
    number = typed_id(turn)
    candidate = turn.state.get("candidate")
    found = turn.session.get(Person, candidate) if candidate else None
    files = proof_files(turn)
    kept: list[dict[str, Any]] = []
    for program in programs:
        decision = decisions[program]
        application_id = None
        if found is not None:
            written = submit(
                turn.session,
                person=found,
                program=Program(program),
                year=year,
                facts=data,
                decision=decision.to_dict(),
                amount=decision.amount,
                actor=Actor.of_chat_identity(turn.identity),
                submitted_by=turn.identity,
                capacity=Capacity.SELF,
                bank_account=bank_account(turn),
                bank_name=turn.state.get("bank_name"),
                files=files,
                identity_verified=False,
            )
            files = []
            application_id = written.application.id
        kept.append(
            {
                "key": blind_index("id", number),
                "id": mask_id(number),
                "program": program,
                "year": year,
                "amount": decision.amount,
                "application": application_id,
            }
        )
    _remember(turn, kept)
    turn.go(None, None)
    turn.state = {}
    lines = [
        turn.t("• {program} {year}", program=program_name(turn.t, k["program"]), year=year)
        for k in kept
    ]
    turn.say(
        turn.t(
            "Your application is kept as a draft. It is sent once you are verified: start "
            "“Apply” again and type the code we send by SMS, or ask your village cadre to "
            "confirm who you are in person."
        )
        + ("\n" + "\n".join(lines) if lines else ""),
        [
            turn.button("My applications", to_menu("status")),
            turn.button("Main menu", to_menu("main")),
        ],
    )


def _remember(turn: Turn, kept: list[dict[str, Any]]) -> None:
    """The author's own list of drafts: a new one replaces one for the same ID, program, year."""
    fresh = {(k["key"], k["program"], k["year"]) for k in kept}
    before = [
        k
        for k in (turn.identity.drafts or [])
        if (k.get("key"), k.get("program"), k.get("year")) not in fresh
    ]
    turn.identity.drafts = (before + kept)[-MAX_KEPT:]
