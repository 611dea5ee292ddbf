"""/broadcast: an administrator composes a notice (text, optionally with a photo or document),
picks the audience within their region, sees how many it reaches, confirms; then follows the
progress (sent / failed / pending), can cancel, and gets a report when it is done."""

from __future__ import annotations

from enum import StrEnum

from bot.dialogs.base import Answer, Dialog, DialogModule, MenuEntry, Reask, Turn
from bot.dialogs.review import staff_of
from common import jobs
from common.i18n import N_
from common.payloads import AudienceChoice, BroadcastAction, BroadcastButton, ProgramChoice, to_menu
from common.texts import program_name
from db.enums import BroadcastStatus, Program, StaffRole
from db.models import Broadcast, Staff
from db.queries import broadcasts as rows
from db.types import utcnow

ADMINS = frozenset({StaffRole.COUNTY_ADMIN, StaffRole.CITY_ADMIN})


class Step(StrEnum):
    TEXT = "text"
    AUDIENCE = "audience"
    PROGRAM = "program"
    REGION = "region"
    CONFIRM = "confirm"


dialog = Dialog("broadcast", Step, free_text={Step.TEXT})

AUDIENCES = {
    "everyone": N_("Everyone in my region"),
    "beneficiaries": N_("Registered beneficiaries"),
    "staff": N_("All staff"),
    "cadre": N_("Village cadres"),
    "program": N_("Applicants of a subsidy"),
    "returned": N_("People with a claim to correct"),
    "region": N_("One township or village"),
}

# The audiences chosen by their button alone (the others ask for a program or a region).
SIMPLE_AUDIENCES: dict[str, dict[str, str | None]] = {
    "everyone": {"who": "everyone", "status": None},
    "beneficiaries": {"who": "beneficiaries", "status": None},
    "staff": {"who": "staff", "status": None},
    "cadre": {"who": "cadre", "status": None},
    "returned": {"who": "beneficiaries", "status": "returned"},
}
NOT_A_REGION = N_("That is not a township or village code.")
OUTSIDE = N_("{code} is outside your region.")


def region_problem(code: str, staff: Staff) -> str | None:
    """Why ``code`` cannot narrow ``staff``'s broadcast (a message id), or None."""
    if not code.isdigit() or len(code) not in (9, 12):
        return NOT_A_REGION
    if not code.startswith(staff.region_code):
        return OUTSIDE
    return None


def _admin(turn: Turn) -> Staff | None:
    staff = staff_of(turn)
    if staff is None or staff.role not in ADMINS:
        turn.say(turn.t("Only county and city administrators can send broadcasts."))
        return None
    return staff


def start(turn: Turn) -> None:
    if _admin(turn) is None:
        return
    turn.state["broadcast"] = {}
    dialog.ask(turn, Step.TEXT)


def _draft(turn: Turn) -> dict:
    return turn.state.setdefault("broadcast", {})


@dialog.asks(Step.TEXT)
def ask_text(turn: Turn) -> None:
    draft = _draft(turn)
    if draft.get("attachment"):
        turn.say(turn.t("Now send the text to go with it (up to 1024 characters)."))
        return
    turn.say(
        turn.t(
            "Send the text of the notice (up to 4096 characters). To add a photo or a document, "
            "send it first, then the text."
        ),
        [turn.button("Cancel", to_menu("main"))],
    )


@dialog.answers(Step.TEXT)
def take_text(turn: Turn, answer: Answer) -> None:
    draft = _draft(turn)
    if answer.file is not None:
        draft["attachment"] = answer.file.file_id
        draft["attachment_kind"] = "photo" if answer.file.kind == "photo" else "document"
        dialog.ask(turn, Step.TEXT)
        return
    text = (answer.text or "").strip()
    limit = rows.MAX_CAPTION if draft.get("attachment") else rows.MAX_TEXT
    if not text:
        raise Reask("Please send the text of the notice.")
    if len(text) > limit:
        raise Reask("That is too long: please keep it under {limit} characters.", limit=limit)
    draft["text"] = text
    dialog.ask(turn, Step.AUDIENCE)


@dialog.asks(Step.AUDIENCE)
def ask_audience(turn: Turn) -> None:
    turn.say(
        turn.t("Who should get it?"),
        [turn.button(label, AudienceChoice(key).pack()) for key, label in AUDIENCES.items()],
    )


@dialog.answers(Step.AUDIENCE)
def take_audience(turn: Turn, answer: Answer) -> None:
    pressed = AudienceChoice.read(answer.button)
    key = pressed.key if pressed is not None else ""
    if key not in AUDIENCES:
        raise Reask("Please tap one of the buttons.")
    if key == "program":
        dialog.ask(turn, Step.PROGRAM)
        return
    if key == "region":
        dialog.ask(turn, Step.REGION)
        return
    _draft(turn)["audience"] = dict(SIMPLE_AUDIENCES[key])
    dialog.ask(turn, Step.CONFIRM)


@dialog.asks(Step.PROGRAM)
def ask_program(turn: Turn) -> None:
    turn.say(
        turn.t("Applicants of which subsidy?"),
        [turn.button(program_name(turn.t, p.value), ProgramChoice(p).pack()) for p in Program],
    )


@dialog.answers(Step.PROGRAM)
def take_program(turn: Turn, answer: Answer) -> None:
    pressed = ProgramChoice.read(answer.button)
    if pressed is None:
        raise Reask("Please tap one of the buttons.")
    _draft(turn)["audience"] = {
        "who": "beneficiaries",
        "program": pressed.program.value,
        "year": turn.today.year,
    }
    dialog.ask(turn, Step.CONFIRM)


@dialog.asks(Step.REGION)
def ask_region(turn: Turn) -> None:
    turn.say(turn.t("Send the 9-digit township code or the 12-digit village code."))


@dialog.answers(Step.REGION)
def take_region(turn: Turn, answer: Answer) -> None:
    staff = _admin(turn)
    code = answer.words.replace(" ", "")
    if staff is None:
        return
    problem = region_problem(code, staff)
    if problem is not None:
        raise Reask(problem, code=code)
    _draft(turn)["audience"] = {"who": "everyone", "region": code}
    dialog.ask(turn, Step.CONFIRM)


def _audience(turn: Turn, staff: Staff) -> rows.Audience:
    chosen = {k: v for k, v in (_draft(turn).get("audience") or {}).items() if v is not None}
    return rows.Audience(scope=staff.region_code, **chosen)


@dialog.asks(Step.CONFIRM)
def ask_confirm(turn: Turn) -> None:
    staff = _admin(turn)
    if staff is None:
        return
    count = rows.count_recipients(turn.session, _audience(turn, staff))
    draft = _draft(turn)
    turn.say(
        turn.t(
            "This notice goes to {count} people{attachment}:\n\n{text}",
            count=count,
            attachment=turn.t(" (with a file)") if draft.get("attachment") else "",
            text=draft.get("text", ""),
        ),
        [
            turn.button("Send it", "broadcast:send"),
            turn.button("Change the audience", "broadcast:audience"),
            turn.button("Cancel", to_menu("main")),
        ],
    )


@dialog.answers(Step.CONFIRM)
def take_confirm(turn: Turn, answer: Answer) -> None:
    if answer.button == "broadcast:audience":
        dialog.ask(turn, Step.AUDIENCE)
        return
    if answer.button != "broadcast:send":
        raise Reask("Please tap “Send it” or “Cancel”.")
    staff = _admin(turn)
    if staff is None:
        return
    draft = _draft(turn)
    audience = _audience(turn, staff)
    if rows.count_recipients(turn.session, audience) == 0:
        turn.say(turn.t("Nobody is in that audience; nothing was sent."))
        dialog.ask(turn, Step.AUDIENCE)
        return
    broadcast = rows.broadcast_by(
        turn.session,
        staff,
        audience,
        draft["text"],
        attachment_kind=draft.get("attachment_kind"),
        attachment=draft.get("attachment"),
        chat_identity_id=turn.identity.id,
    )
    number = broadcast.id

    turn.after_commit.append(lambda: jobs.START_BROADCAST.send(number))
    turn.state.pop("broadcast", None)
    turn.go(None, None)
    turn.say(
        turn.t(
            "Broadcast {number} is being sent to {count} people. You will get a report here "
            "when it is done.",
            number=number,
            count=broadcast.total,
        ),
        _progress_buttons(turn, number),
    )


def _progress_buttons(turn: Turn, number: int) -> list:
    return [
        turn.button("Show progress", BroadcastButton(BroadcastAction.SHOW, number).pack()),
        turn.button("Cancel the broadcast", BroadcastButton(BroadcastAction.CANCEL, number).pack()),
    ]


def on_button(turn: Turn, payload: BroadcastButton) -> None:
    """bcast:show:<id> and bcast:cancel:<id>, from anywhere."""
    staff = _admin(turn)
    if staff is None:
        return
    broadcast = turn.session.get(Broadcast, payload.number)
    if broadcast is None or not rows.in_region(broadcast, staff):
        turn.say(turn.t("There is no such broadcast in your region."))
        return
    if payload.action == BroadcastAction.CANCEL:
        if rows.cancel_by(turn.session, staff, broadcast.id, utcnow()):
            turn.say(turn.t("Broadcast {number} is cancelled.", number=broadcast.id))
        else:
            turn.say(turn.t("Broadcast {number} is no longer sending.", number=broadcast.id))
    counts = rows.progress(turn.session, broadcast.id)
    turn.session.refresh(broadcast)
    status = {
        BroadcastStatus.SENDING: N_("sending"),
        BroadcastStatus.FINISHED: N_("finished"),
        BroadcastStatus.CANCELLED: N_("cancelled"),
    }.get(broadcast.status, N_("sending"))
    turn.say(
        turn.t(
            "Broadcast {number} ({status}): {sent} sent, {failed} failed, {blocked} blocked the "
            "bot, {ambiguous} with an unknown outcome, {pending} pending, of {total}.",
            number=broadcast.id,
            status=turn.t(status),
            total=broadcast.total,
            sent=counts["sent"],
            failed=counts["failed"],
            blocked=counts["blocked"],
            ambiguous=counts["ambiguous"],
            pending=counts["pending"] + counts["claimed"],
        ),
        _progress_buttons(turn, broadcast.id)
        if broadcast.status == BroadcastStatus.SENDING
        else [turn.button("Main menu", to_menu("main"))],
    )


MODULE = DialogModule(
    dialog=dialog,
    commands={"/broadcast": start},
    actions={"broadcast": start},
    buttons={BroadcastButton: on_button},
    staff_menu=[MenuEntry(N_("Broadcast a notice"), "broadcast", ADMINS)],
)
