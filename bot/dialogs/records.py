"""Start from the registry (免申即享): what the monitoring records say of a person's work in a
claim year and what it means, offered instead of the questions (the chart: records.mmd).

- A chat verified as a person whose records qualify them is greeted with the offer (the
  "greeting" offer; bot/dialogs/menu.py), and so is a person who has just verified inside
  Apply, or whom a cadre applies for (the "apply" offer; apply's `collect`).
- The person confirms (then the bank card, and the summary with the pledge in one message:
  apply's steps honour ``state["from_records"]``) or corrects a fact: the quick check's own
  question for it, then the offer again with that fact marked as declared. The claim's facts
  say which came from the records and which were declared (``facts["source"]``).
- A village cadre's “People who can claim”: the people of the cadre's region whose records
  qualify them for a program taking claims, who have not applied; tapping one starts a
  delegated claim (bot/dialogs/delegate.py) without the ID number, the records prefilled.

Nothing of the records is shown to a chat not verified as the person (no oracle).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from bot.dialogs import apply, check, delegate
from bot.dialogs.base import (
    Answer,
    Dialog,
    DialogModule,
    MenuEntry,
    Reask,
    Turn,
    active_staff,
    yes_or_no,
)
from bot.dialogs.review import employer_words
from bot.messages import Button
from common.i18n import N_, month_span
from common.payloads import ClaimablePage, ClaimFor, CorrectionPart, to_menu
from common.texts import decisions_text, program_name
from db.enums import StaffRole
from db.models import MonitoringEmployment, Person, Staff
from db.pii import mask_id
from db.queries import records as work
from policy import Decision, Month, open_years, place_name, window
from policy.errors import PolicyError


class Step(StrEnum):
    OFFER = "offer"
    FIX = "fix"


dialog = Dialog("records", Step)

APPLY = "offer:apply"
FIX = "offer:fix"
BACK = "offer:back"

# The facts of the job (records or declared) and of the person (the registry).
WORK_FACTS = (
    "work_place",
    "work_from",
    "work_to",
    "channel",
    "same_employer",
    "monthly_wage",
    "contract_months",
)
# What a tap on a part clears, and the quick check's question that asks it again.
PARTS: dict[str, tuple[tuple[str, ...], check.Step]] = {
    "place": (("work_place",), check.Step.WORK_PLACE),
    "period": (("work_from", "work_to"), check.Step.WORK_FROM),
    "employer": (("channel", "same_employer", "contract_months"), check.Step.EMPLOYER),
    "wage": (("monthly_wage",), check.Step.WAGE),
    "contract": (("contract_months",), check.Step.CONTRACT),
}

GREETING = N_("Hello! I looked up your work in the monitoring system's records.")
CORRECT = N_("Something is wrong, I will correct it")
# A fact the person gave instead of the records' (申报).
DECLARED = N_("{line} (declared by you)")
OTHERS = N_(
    "There are {count} more work records in {year}; this is the longest job. To claim for "
    "another job, tap “Something is wrong, I will correct it”."
)


# -- what the records offer ----------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """What the records give for one claim year: the job, the facts (the registry's and the
    job's), the decisions, the programs that may pay and take claims today and that the
    person has not claimed, and those claimed."""

    year: int
    job: work.Job
    facts: dict[str, Any]
    registry: list[str]
    decisions: list[Decision]
    programs: list[str]
    claimed: list[str]


def offer_of(
    known: dict[str, Any],
    records: Sequence[MonitoringEmployment],
    claimed: set[tuple[str, int]],
    today: date,
) -> Offer | None:
    """The offer of the first claim year taking claims today (the one whose window closes
    first) in which the records' job may pay something not claimed yet; None if there is none.
    `known` is what the registry says of the person (apply.registry_facts)."""
    county = known.get("home_county")
    for year in open_years(today, county):
        job = work.job_of(records, year, today)
        if job is None:
            continue
        facts = {**known, **job.facts, "year": year}
        try:
            decisions = check.decide(facts, today)
        except PolicyError:
            continue  # the records contradict the registry (work before birth…): no offer
        taken = [p for p, y in claimed if y == year]
        programs = [
            d.program
            for d in decisions
            if d.eligible is not False
            and d.program not in taken
            and window(d.program, year, county).is_open(today)
        ]
        if programs:
            return Offer(year, job, facts, sorted(known), decisions, programs, taken)
    return None


def _years(today: date) -> tuple[date, date]:
    """The days a claim year open today can cover: from last year's first to today."""
    return date(today.year - 1, 1, 1), today


def find_offer(turn: Turn, found: Person) -> Offer | None:
    """The records' offer for one person (three queries), or None."""
    first, last = _years(turn.today)
    records = work.work_records(turn.session, [found.id], first, last)[found.id]
    if not records:
        return None
    taken = work.claimed(turn.session, [found.id], (first.year, last.year))[found.id]
    return offer_of(apply.registry_facts(found), records, taken, turn.today)


def begin(turn: Turn, offer: Offer, intro: str | None = None) -> None:
    """Start the claim from the records: the facts they give (the quick check asks only what
    they lack), then the offer. `intro` (an msgid) comes before it."""
    record = offer.job.record
    turn.state["from_records"] = True
    turn.state["record"] = {
        "id": record.id,
        "year": offer.year,
        "others": offer.job.others,
        "facts": offer.job.facts,
        "registry": offer.registry,
        "place": record.work_place,
        "employer": record.employer_name,
        "claimed": offer.claimed,
    }
    lacking = "work_place" not in offer.facts or any(
        name not in offer.facts for d in offer.decisions for name in d.missing
    )
    if lacking:
        # The question comes next: first what the records do say.
        data = dict(offer.facts)
        mark_sources(turn, data)
        lines = [turn.t(intro)] if intro else []
        lines += record_lines(turn, data)
        lines.append(turn.t("The records do not say everything needed: please answer this first."))
        turn.say("\n".join(lines))
    elif intro:
        turn.state["intro"] = intro
    check.collect_facts(turn, then=apply.RECORDS, keep=dict(offer.facts))


def greet(turn: Turn) -> bool:
    """The "greeting" offer: a chat verified as a person whose records qualify them."""
    identity = turn.identity
    if identity.person_id is None or not identity.phone_verified:
        return False
    found = turn.session.get(Person, identity.person_id)
    offer = find_offer(turn, found) if found is not None else None
    if found is None or offer is None:
        return False
    turn.state.clear()
    turn.state.update({"mode": "self", "person_id": found.id, "verified": True})
    begin(turn, offer, intro=GREETING)
    return True


def in_apply(turn: Turn) -> bool:
    """The "apply" offer: after verification inside Apply, or a cadre's consent, the records
    instead of the questions. Not for a draft (the chat is not verified as the person), nor
    when the person has just told the quick check about the work themselves (facts of an
    earlier offer, kept by the menu, are the records' own)."""
    if apply.drafting(turn):
        return False
    quick = turn.state.get("quick_facts") or {}
    if turn.state.get("mode") == "self" and "work_place" in quick and "record_id" not in quick:
        return False
    offer = find_offer(turn, apply.person(turn))
    if offer is None:
        return False
    begin(turn, offer)
    return True


# -- the offer -----------------------------------------------------------------------------


def mark_sources(turn: Turn, data: dict[str, Any]) -> None:
    """Which facts the records gave, which the registry and which the person declared, kept
    with the facts (so on the claim): ``source`` and the record's id."""
    record = turn.state.get("record") or {}
    from_records = record.get("facts") or {}
    registry = set(record.get("registry") or ())
    source = {}
    for key in WORK_FACTS:
        if key in data:
            same = key in from_records and from_records[key] == data[key]
            source[key] = "records" if same else "declared"
    for key in ("birth_date", "home_county", "household_type", "risk_eliminated"):
        if key in data:
            source[key] = "registry" if key in registry else "declared"
    data["source"] = source
    data["record_id"] = record.get("id")


def _month(value: Any) -> date | None:
    return Month.parse(str(value)).first_day() if value else None


def record_lines(turn: Turn, data: dict[str, Any]) -> list[str]:
    """What the records say of the job (and what the person declared instead, marked)."""
    record = turn.state.get("record") or {}
    source = data.get("source") or {}

    def marked(line: str, *keys: str) -> str:
        declared = any(source.get(key) == "declared" for key in keys)
        return turn.t(DECLARED, line=line) if declared else line

    year = check.claim_year(data, turn.today)
    name = check.applicant_name(turn)
    lines = [
        turn.t("The monitoring system's records of your work in {year}:", year=year)
        if name is None
        else turn.t(
            "The monitoring system's records of {name}'s work in {year}:", name=name, year=year
        )
    ]
    place = data.get("work_place")
    try:
        where = place_name(str(place)) if place else str(record.get("place") or "?")
    except (LookupError, ValueError):
        where = str(place)
    lines.append(marked(turn.t("Work place: {place}", place=where), "work_place"))
    first = _month(data.get("work_from"))
    if first is not None:
        period = month_span(turn.language, first, _month(data.get("work_to")))
        lines.append(marked(turn.t("Work period: {period}", period=period), "work_from", "work_to"))
    if "channel" in data:
        employer = record.get("employer")
        from_records = source.get("channel") != "declared" and source.get("same_employer") != (
            "declared"
        )
        kind = employer_words(turn.t, data)
        if employer and from_records:
            words = f"{employer} · {kind}" if data.get("channel") == "workshop" else employer
        else:
            words = kind
        lines.append(marked(turn.t("Employer: {kind}", kind=words), "channel", "same_employer"))
    if data.get("monthly_wage"):
        lines.append(
            marked(
                turn.t("Monthly income: about {wage} yuan", wage=data["monthly_wage"]),
                "monthly_wage",
            )
        )
    if data.get("contract_months") is not None:
        lines.append(
            marked(
                turn.t("Contract: {months} months", months=data["contract_months"]),
                "contract_months",
            )
        )
    if record.get("others"):
        lines.append(turn.t(OTHERS, count=record["others"], year=year))
    return lines


def amount_words(turn: Turn, decision: Decision) -> str:
    if decision.eligible:
        return turn.t("{amount} yuan", amount=decision.amount)
    return turn.t("to be decided by the reviewers")


def claimable(turn: Turn, decisions: Iterable[Decision], year: int, county: Any) -> list[Decision]:
    """The decisions that may pay, for programs taking claims today and not claimed yet."""
    taken = set((turn.state.get("record") or {}).get("claimed") or ())
    return [
        d
        for d in decisions
        if d.eligible is not False
        and d.program not in taken
        and window(d.program, year, county).is_open(turn.today)
    ]


@dialog.asks(Step.OFFER)
def ask_offer(turn: Turn) -> None:
    data = check.facts(turn)
    mark_sources(turn, data)
    decisions = check.decide(data, turn.today)
    year = check.claim_year(data, turn.today)
    offered = claimable(turn, decisions, year, data.get("home_county"))
    turn.state["programs"] = [d.program for d in offered]
    intro = turn.state.pop("intro", None)
    lines = ([turn.t(intro)] if intro else []) + record_lines(turn, data) + [""]
    if offered:
        lines.append(turn.t("What this means — you can claim:"))
        lines += [
            turn.t(
                "• {program}: {amount}",
                program=program_name(turn.t, d.program),
                amount=amount_words(turn, d),
            )
            for d in offered
        ]
        lines += [
            "",
            turn.t(
                "If this is right, tap “Correct, apply”: only the bank card and the pledge remain."
            ),
        ]
        buttons = [turn.button("Correct, apply", APPLY), turn.button(CORRECT, FIX)]
    else:
        lines.append(turn.t("From these answers there is no subsidy to claim now:"))
        lines.append(decisions_text(turn.t, decisions))
        buttons = [turn.button(CORRECT, FIX)]
    turn.say("\n".join(lines), [*buttons, turn.button("Main menu", to_menu("main"))])


@dialog.answers(Step.OFFER)
def answer_offer(turn: Turn, answer: Answer) -> None:
    said = yes_or_no(answer)  # 对的, 没错 confirm; 不对 corrects
    if (answer.button == APPLY or said is True) and turn.state.get("programs"):
        apply.dialog.ask(turn, apply.Step.BANK)
    elif answer.button == FIX or said is False:
        dialog.ask(turn, Step.FIX)
    else:
        raise Reask("Please tap one of the buttons.")


def show_offer(turn: Turn) -> None:
    """The continuation after the quick check asked what the records lack or a correction."""
    dialog.ask(turn, Step.OFFER)


@dialog.asks(Step.FIX)
def ask_fix(turn: Turn) -> None:
    buttons = [
        turn.button("Work place", CorrectionPart("place").pack()),
        turn.button("Period", CorrectionPart("period").pack()),
        turn.button("Employer", CorrectionPart("employer").pack()),
        turn.button("Wage", CorrectionPart("wage").pack()),
    ]
    if check.facts(turn).get("channel") == "workshop":
        buttons.append(turn.button("Contract", CorrectionPart("contract").pack()))
    buttons.append(turn.button("Nothing, go back", BACK))
    turn.say(turn.t("What is not right? Tap it, then tell me what it should be."), buttons)


@dialog.answers(Step.FIX)
def answer_fix(turn: Turn, answer: Answer) -> None:
    if answer.button == BACK:
        dialog.ask(turn, Step.OFFER)
        return
    pressed = CorrectionPart.read(answer.button)
    part = PARTS.get(pressed.part) if pressed is not None else None
    if part is None:
        raise Reask("Please tap one of the buttons.")
    keys, step = part
    data = check.facts(turn)
    for key in keys:
        data.pop(key, None)
    turn.state.pop("place_choices", None)
    # The question of that fact; its answer goes on through the quick check, which asks
    # anything else now missing and comes back to the offer (the continuation).
    check.dialog.ask(turn, step)


# -- the cadre's list ----------------------------------------------------------------------

PAGE = 10
CHUNK = 50  # people read at a time while filling a page


def _cadre(turn: Turn) -> Staff | None:
    staff = active_staff(turn)
    return staff if staff is not None and staff.role == StaffRole.CADRE else None


@dataclass(frozen=True)
class Row:
    person: Person
    offer: Offer


def page_after(turn: Turn, staff: Staff, after: int) -> tuple[list[Row], int | None]:
    """Up to PAGE people of the cadre's region after person id `after` whose records qualify
    them, and the id the next page starts after (None: no more). A few queries per CHUNK
    people read: candidates, their records, their claims."""
    first, last = _years(turn.today)
    rows: list[Row] = []
    while True:
        people = work.candidates(
            turn.session, staff.region_code, first, last, after=after, limit=CHUNK
        )
        ids = [person.id for person in people]
        records = work.work_records(turn.session, ids, first, last)
        taken = work.claimed(turn.session, ids, (first.year, last.year))
        for person in people:
            offer = offer_of(
                apply.registry_facts(person), records[person.id], taken[person.id], turn.today
            )
            if offer is None:
                continue
            if len(rows) == PAGE:
                return rows, rows[-1].person.id
            rows.append(Row(person, offer))
        if len(people) < CHUNK:
            return rows, None
        after = people[-1].id


def show_list(turn: Turn) -> None:
    """The menu action: the first page."""
    turn.state.pop("claimable_starts", None)
    show_page(turn, ClaimablePage(0))


def show_page(turn: Turn, pressed: ClaimablePage) -> None:
    """A page of the list (claimable:N from anywhere); the pages' starts are kept in the state,
    and found again from the first page when the state no longer has them."""
    turn.go(None, None)
    staff = _cadre(turn)
    if staff is None:
        turn.say(turn.t("This is for village cadres."))
        return
    starts: list[int] = list(turn.state.get("claimable_starts") or [0])
    page = pressed.page
    while len(starts) <= page:
        _, following = page_after(turn, staff, starts[-1])
        if following is None:
            page = len(starts) - 1
            break
        starts.append(following)
    rows, following = page_after(turn, staff, starts[page])
    del starts[page + 1 :]
    if following is not None:
        starts.append(following)
    turn.state["claimable_starts"] = starts
    if not rows:
        turn.say(
            turn.t(
                "Nobody in your area can claim by the work records now, or everyone who can "
                "has applied."
            ),
            [turn.button("Main menu", to_menu("main"))],
        )
        return
    lines = [
        turn.t(
            "People in your area who can claim by their work records and have not applied "
            "yet (page {page}):",
            page=page + 1,
        )
    ]
    buttons = []
    for number, row in enumerate(rows, start=page * PAGE + 1):
        decisions = {d.program: d for d in row.offer.decisions}
        lines.append(
            turn.t(
                "{number}. {name} ({id}), work in {year}:",
                number=number,
                name=row.person.name,
                id=mask_id(row.person.id_number),
                year=row.offer.year,
            )
        )
        lines += [
            "   "
            + turn.t(
                "• {program}: {amount}",
                program=program_name(turn.t, program),
                amount=amount_words(turn, decisions[program]),
            )
            for program in row.offer.programs
        ]
        # A name is a proper name: shown as it is.
        buttons.append(Button(f"{number}. {row.person.name}", ClaimFor(row.person.id).pack()))
    lines.append(turn.t("Tap a name to apply on their behalf."))
    if page > 0:
        buttons.append(turn.button("Previous page", ClaimablePage(page - 1).pack()))
    if following is not None and page + 1 < 100:
        buttons.append(turn.button("Next page", ClaimablePage(page + 1).pack()))
    buttons.append(turn.button("Main menu", to_menu("main")))
    turn.say("\n".join(lines), buttons)


def claim_for(turn: Turn, pressed: ClaimFor) -> None:
    """claimfor:ID from the list: a delegated claim for that person, without the ID number;
    the records' offer comes after the relationship and the consent."""
    staff = _cadre(turn)
    if staff is None:
        turn.say(turn.t("This is for village cadres."))
        return
    found = turn.session.get(Person, pressed.person)
    # A forged or old button: a person outside the cadre's region is refused like one unknown.
    if found is None or not (found.region_code or "").startswith(staff.region_code):
        turn.say(turn.t("That person is not on your list any more."))
        show_list(turn)
        return
    if find_offer(turn, found) is None:
        turn.say(
            turn.t(
                "{name} has nothing to claim by the work records now, or has applied already.",
                name=found.name,
            )
        )
        show_list(turn)
        return
    turn.state.clear()
    turn.state.update({"mode": "delegate", "person_id": found.id})
    turn.say(turn.t("Found: {name}, {id}.", name=found.name, id=mask_id(found.id_number)))
    delegate.dialog.ask(turn, delegate.Step.RELATION)


MODULE = DialogModule(
    dialog=dialog,
    commands={"/claimable": show_list},
    actions={"claimable": show_list},
    buttons={ClaimablePage: show_page, ClaimFor: claim_for},
    staff_menu=[
        MenuEntry(
            N_("People who can claim (可申领名单)"), "claimable", frozenset({StaffRole.CADRE})
        )
    ],
    continuations={apply.RECORDS: show_offer},
    offers={"greeting": greet, "apply": in_apply},
)
