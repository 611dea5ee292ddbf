"""Posting the public notice (公示) from chat: the village's or township's approved claims go on
one numbered notice for the county's notice days; the poster gets the printable page and list."""

from __future__ import annotations

from datetime import date

from bot.dialogs import menu
from bot.dialogs.base import DialogModule, MenuEntry, Turn
from bot.dialogs.refusals import refuse
from common.i18n import N_, long_date
from common.notify import notify_status_change
from common.payloads import to_menu
from common.settings import get_settings
from db.enums import StaffRole
from db.queries import review as rules
from db.queries.notices import first_day, last_day, local_date, post_notice
from db.types import utcnow
from policy import load_parameters

PAGE_PATH = "/notices/{number}"
XLSX_PATH = "/notices/{number}.xlsx"


def notice_path(number: str, *, xlsx: bool = False) -> str:
    """The address of a notice's printable page (or its spreadsheet) on wugong's web server."""
    return get_settings().public_url() + (XLSX_PATH if xlsx else PAGE_PATH).format(number=number)


def notice_days(region_code: str, on: date) -> int:
    """The county's notice period in calendar days (policy parameter process.notice_days)."""
    return int(load_parameters().get("process.notice_days", on, county=region_code[:6]))


def post(turn: Turn) -> None:
    """Post the staff member's draft notice and hand over the links to print and to share."""
    staff = rules.staff_of(turn.session, turn.identity)
    now = utcnow()
    try:
        if staff is None:
            raise rules.NotAllowed("not_staff")
        days = notice_days(staff.region_code, local_date(now))
        posted = post_notice(turn.session, staff, staff.region_code, now=now, days=days)
    except rules.ReviewError as error:
        refuse(turn, error)
        menu.go(turn, "review")
        return
    notice = posted.notice
    for application in posted.applications:
        notify_status_change(turn.session, application, notice=notice)
    turn.go(None, None)
    turn.say(
        turn.t(
            "Notice {number} is posted today with {count} claim(s). Notice period: {start} to "
            "{end} ({days} days).\n"
            "Printable page: {page}\n"
            "List as a spreadsheet: {xlsx}\n"
            "Anyone can object in this chat by sending: /object {number} and the reason.",
            number=notice.number,
            count=len(posted.applications),
            start=long_date(turn.language, first_day(notice)),
            end=long_date(turn.language, last_day(notice)),
            days=days,
            page=notice_path(notice.number),
            xlsx=notice_path(notice.number, xlsx=True),
        ),
        [
            turn.button("Review applications", to_menu("review")),
            turn.button("Main menu", to_menu("main")),
        ],
    )


MODULE = DialogModule(
    actions={"post_notice": post},
    staff_menu=[
        MenuEntry(
            N_("Post the public notice"),
            "post_notice",
            frozenset({StaffRole.CADRE, StaffRole.TOWNSHIP}),
        ),
    ],
)
