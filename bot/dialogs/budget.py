"""The county's budget in chat (/budget): per program the money allocated, committed, paid and
left, and the people supported and the satisfaction against the budget's targets (绩效目标)."""

from __future__ import annotations

from bot.dialogs.base import DialogModule, MenuEntry, Turn
from common.i18n import N_
from common.payloads import BudgetYear, to_menu
from common.texts import program_name
from db.enums import Program, StaffRole
from db.models import Staff
from db.queries.budgets import BudgetLine, budget_summary, overdue_batches
from db.queries.regions import region_words

INDENT = "\u3000"  # the targets line up under their program's line


NOT_COUNTY_ADMIN = N_("Budgets and rosters are for county administrators.")


def as_county_admin(staff: Staff | None) -> Staff | None:
    """The staff member if an active county administrator (who sees budgets and rosters)."""
    if staff is None or not staff.active or staff.role != StaffRole.COUNTY_ADMIN:
        return None
    return staff


def county_admin(turn: Turn) -> Staff | None:
    """The county administrator behind this chat; anyone else is told so and gets None."""
    staff = turn.session.get(Staff, turn.identity.staff_id) if turn.identity.staff_id else None
    if as_county_admin(staff) is None:
        turn.say(turn.t(NOT_COUNTY_ADMIN), [turn.button("Main menu", to_menu("main"))])
        return None
    return staff


def yuan(fen: int | None) -> str:
    """1234567 fen -> "12,345.67"; whole yuan without decimals, as a clerk writes them."""
    whole, cents = divmod(fen or 0, 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"


def _percent(part: int, whole: int, *, decimals: int = 0) -> str:
    """``part`` of ``whole`` in percent, rounded down: 94.96% is shown as 94.9, never as 95."""
    scale = 10**decimals
    value = part * 100 * scale // whole
    return f"{value // scale}" if not decimals else f"{value // scale}.{value % scale}"


def program_label(turn: Turn, program: Program | str) -> str:
    return program_name(turn.t, Program(program).value)


def _targets(turn: Turn, line: BudgetLine) -> list[str]:
    """The people supported and the satisfaction, each against the budget's target if any."""
    lines = []
    if line.target_persons:
        lines.append(
            turn.t(
                "People supported: {persons} of the target {target} ({percent}%).",
                persons=line.committed_persons,
                target=line.target_persons,
                percent=_percent(line.committed_persons, line.target_persons),
            )
        )
    target = line.target_satisfaction_permille
    if line.answers:
        values = {
            "content": line.content,
            "answers": line.answers,
            "percent": _percent(line.content, line.answers, decimals=1),
        }
        if target is None:
            lines.append(
                turn.t(
                    "Satisfaction: {content} of {answers} answers satisfied or basically "
                    "satisfied ({percent}%).",
                    **values,
                )
            )
        else:
            met = line.content * 1000 >= target * line.answers
            lines.append(
                turn.t(
                    "Satisfaction: {content} of {answers} answers satisfied or basically "
                    "satisfied ({percent}%); target {target}%: {verdict}.",
                    target=_percent(target, 1000, decimals=1).removesuffix(".0"),
                    verdict=turn.t("met") if met else turn.t("not met"),
                    **values,
                )
            )
    elif target is not None:
        lines.append(
            turn.t(
                "Satisfaction: no answers yet (target {target}%).",
                target=_percent(target, 1000, decimals=1).removesuffix(".0"),
            )
        )
    return lines


def show_budget(turn: Turn, year: int | None = None) -> None:
    """Allocated, committed and paid per program with the budget's targets, and the rosters
    finance has not paid in time."""
    staff = county_admin(turn)
    if staff is None:
        return
    year = year or turn.today.year
    county = staff.region_code
    lines = [
        turn.t(
            "Budget of {county} for {year}:", county=region_words(turn.session, county), year=year
        )
    ]
    for line in budget_summary(turn.session, county, year):
        name = program_label(turn, line.program)
        if line.allocated is None:
            lines.append(
                turn.t(
                    "• {program}: no allocation imported; committed {committed} yuan.",
                    program=name,
                    committed=yuan(line.committed),
                )
            )
        else:
            lines.append(
                turn.t(
                    "• {program}: allocated {allocated} yuan; committed {committed} yuan "
                    "({persons} people); paid {paid} yuan ({paid_persons} people); remaining "
                    "{remaining} yuan.",
                    program=name,
                    allocated=yuan(line.allocated),
                    committed=yuan(line.committed),
                    persons=line.committed_persons,
                    paid=yuan(line.paid),
                    paid_persons=line.paid_persons,
                    remaining=yuan(line.remaining),
                )
            )
        lines += [INDENT + text for text in _targets(turn, line)]
    for batch in overdue_batches(turn.session, county, turn.today):
        lines.append(
            turn.t(
                "⚠️ Roster {batch} ({program} {year}) was due to be paid by {date} and is not "
                "fully paid yet.",
                batch=batch.id,
                program=program_label(turn, batch.program),
                year=batch.year,
                date=batch.due_date.isoformat() if batch.due_date else "",
            )
        )
    turn.say(
        "\n".join(lines),
        [
            turn.button("Budget {year}", BudgetYear(year - 1).pack(), year=year - 1),
            turn.button("Roster to finance", to_menu("roster")),
            turn.button("Main menu", to_menu("main")),
        ],
    )


def budget_year(turn: Turn, payload: BudgetYear) -> None:
    show_budget(turn, payload.year)


MODULE = DialogModule(
    commands={"/budget": show_budget},
    actions={"budget": show_budget},
    buttons={BudgetYear: budget_year},
    staff_menu=[MenuEntry(N_("Budget"), "budget", frozenset({StaffRole.COUNTY_ADMIN}))],
)
