"""Staff: taking a role with a one-time invite code (`/start CODE`), then saying who you are.

The invite is used up when it is redeemed: the role exists from then on, under the chat's
display name (or "staff member"), so leaving the naming steps never leaves a role nobody can
use. The name and the phone number asked next replace it; the steps are stored like any
dialog's, so the next message answers them whenever it comes.

A login code (`wugong staff login-code`) is redeemed the same way and signs the chat in as the
existing staff member. Before every turn `keep_or_end` ends a web chat's role that has lapsed
(db/queries/staff.py says which channels lapse and why), telling the person in one line.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from enum import StrEnum

from bot.dialogs import menu
from bot.dialogs.base import Answer, Dialog, DialogModule, Reask, Turn
from common.i18n import N_
from common.settings import StaffSettings
from db.enums import Channel, StaffRole
from db.errors import InvalidValueError
from db.models import Staff
from db.pii import mask_phone, normalize_phone
from db.queries import Actor, record_audit
from db.queries import staff as roles
from db.queries.regions import region_words

ROLE_NAMES = {
    StaffRole.CADRE: N_("village cadre"),
    StaffRole.TOWNSHIP: N_("township staff"),
    StaffRole.COUNTY_ADMIN: N_("county administrator"),
    StaffRole.CITY_ADMIN: N_("city administrator"),
}
NAME_LENGTH = (2, 32)
# Besides letters, what names are written with: 阿依古丽·买买提, Mary-Ann O'Neil Jr.
_NAME_MARKS = frozenset(" ·•.-'")
BAD_NAME = N_(
    "Please send your full name as villagers and colleagues should see it, for example 王建国 "
    "(2 to 32 letters, no digits)."
)
BAD_PHONE = N_("Please send an 11-digit mobile number starting with 1, or tap “Skip”.")
CODE_REFUSED = {
    "invalid": N_("This invite code is not valid or has been used already."),
    "expired": N_("This invite code has expired. Please ask for a new one."),
}
LAPSED = N_(
    "Your staff sign-in on this chat has ended. To work as staff again, ask your administrator "
    "for a new code and send /start with it."
)


class Step(StrEnum):
    NAME = "name"
    PHONE = "phone"


dialog = Dialog("staff", Step, free_text={Step.NAME})


def limits_from_settings() -> roles.StaffLimits:
    settings = StaffSettings()
    return roles.StaffLimits(
        idle=timedelta(hours=settings.staff_idle_hours),
        max_age=timedelta(days=settings.staff_max_days),
    )


def keep_or_end(turn: Turn, limits: roles.StaffLimits) -> None:
    """Before the turn is routed: end a lapsed role (one line, audited; the turn goes on as an
    ordinary user's), or record the staff use of an active one."""
    if turn.identity.staff_id is None:
        return
    reason = roles.lapse_reason(turn.identity, turn.now, limits)
    if reason is not None:
        roles.end_role(turn.session, turn.identity, reason)
        turn.say(turn.t(LAPSED))
        return
    staff = turn.session.get(Staff, turn.identity.staff_id)
    if staff is not None and staff.active:
        roles.touch(turn.identity, staff, turn.now)


def redeem(turn: Turn, code: str) -> None:
    """Give this chat the role of a valid, unused, unexpired invite, then ask for the name;
    or, for a login code, sign it in as that staff member."""
    name = turn.incoming.display_name or turn.t("staff member")
    try:
        redeemed = roles.redeem_code(turn.session, turn.identity, code, turn.now, name)
    except roles.CodeRefused as refused:
        turn.say(turn.t(CODE_REFUSED[refused.reason]))
        menu.show(turn)
        return
    staff = redeemed.staff
    if not redeemed.joined:
        turn.go(None, None)
        welcome(turn, staff)
        return
    turn.say(
        turn.t(
            "This invite makes you {role} for {region}.",
            role=turn.t(ROLE_NAMES[staff.role]),
            region=region_words(turn.session, staff.region_code),
        )
    )
    dialog.ask(turn, Step.NAME)


def _staff(turn: Turn) -> Staff | None:
    """The staff member being named; None (and the menu) when the role is gone meanwhile."""
    staff = turn.session.get(Staff, turn.identity.staff_id) if turn.identity.staff_id else None
    if staff is None or not staff.active:
        menu.show(turn)
        return None
    return staff


def clean_name(text: str) -> str | None:
    """A name as typed, tidied (NFKC, single spaces), or None when it cannot be one."""
    name = " ".join(unicodedata.normalize("NFKC", text).split())
    if not NAME_LENGTH[0] <= len(name) <= NAME_LENGTH[1]:
        return None
    if not all(ch.isalpha() or ch in _NAME_MARKS for ch in name) or not name[0].isalpha():
        return None
    return name


@dialog.asks(Step.NAME)
def ask_name(turn: Turn) -> None:
    offered = clean_name(turn.incoming.display_name or "")
    turn.state["offered_name"] = offered
    turn.say(
        turn.t("What is your full name? Villagers and colleagues will see it."),
        [turn.button("I am {name}", "staff:name", name=offered)] if offered else [],
    )


@dialog.answers(Step.NAME)
def answer_name(turn: Turn, answer: Answer) -> None:
    staff = _staff(turn)
    if staff is None:
        return
    if answer.button == "staff:name" and turn.state.get("offered_name"):
        name = str(turn.state["offered_name"])
    else:
        found = clean_name(answer.text or "") if answer.button is None else None
        if found is None:
            raise Reask(BAD_NAME)
        name = found
    if name != staff.name:
        record_audit(
            turn.session,
            Actor.of_staff(staff),
            "staff_named",
            data={"from": staff.name, "to": name},
        )
        staff.name = name
    turn.state.pop("offered_name", None)
    dialog.ask(turn, Step.PHONE)


@dialog.asks(Step.PHONE)
def ask_phone(turn: Turn) -> None:
    turn.say(
        turn.t(
            "Your mobile phone number, so that colleagues can reach you? Type it, or tap “Skip”."
        ),
        [turn.button("Skip", "staff:skip")],
        request_contact=turn.identity.channel == Channel.TELEGRAM,
    )


@dialog.answers(Step.PHONE)
def answer_phone(turn: Turn, answer: Answer) -> None:
    staff = _staff(turn)
    if staff is None:
        return
    if answer.button != "staff:skip":
        if answer.contact_phone is not None and not answer.contact_is_own:
            raise Reask(N_("Please share your own phone number."))
        phone = _mobile(answer.contact_phone or answer.text or "")
        if phone is None:
            raise Reask(BAD_PHONE)
        if phone != staff.phone:
            staff.phone = phone
            record_audit(
                turn.session,
                Actor.of_staff(staff),
                "staff_phone",
                data={"phone": mask_phone(phone)},
            )
    welcome(turn, staff)


def _mobile(text: str) -> str | None:
    try:
        digits = normalize_phone(text)
    except InvalidValueError:
        return None
    return digits if len(digits) == 11 and digits.startswith("1") else None


def welcome(turn: Turn, staff: Staff) -> None:
    turn.say(
        turn.t(
            "Welcome, {name}! You are now {role} for {region}.",
            name=staff.name,
            role=turn.t(ROLE_NAMES[staff.role]),
            region=region_words(turn.session, staff.region_code),
        )
        + (
            "\n" + turn.t("Your phone number: {phone}", phone=mask_phone(staff.phone))
            if staff.phone
            else ""
        )
    )
    menu.show(turn)


def start_command(turn: Turn) -> None:
    """/start: the greeting, or /start CODE: take the role of a staff invite."""
    parts = (turn.incoming.text or "").split()
    if len(parts) > 1:
        redeem(turn, parts[1])
        return
    menu.greet(turn)


MODULE = DialogModule(dialog=dialog, commands={"/start": start_command})
