"""What a public notice (公示) says, in any language: its columns (a village's notice template),
the lines above the list (period in dates and days, how to object) and the total. The page and
the spreadsheet of bot.channels.notice_pages both print these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from common.i18n import N_, long_date, translate
from common.texts import program_name
from db.enums import NoticeLevel, Sex
from db.queries.notices import NoticeRow
from policy import Month, PolicyError, place_name

OBJECT_WITH_PHONE = N_(
    "The applications below have been reviewed and are made public. Anyone who objects may, "
    "within the notice period, tell {where} in person, call the supervision phone {phone}, or "
    "send “/object {number}” with the reason to the subsidy assistant in the chat."
)
OBJECT_IN_PERSON = N_(
    "The applications below have been reviewed and are made public. Anyone who objects may, "
    "within the notice period, tell {where} in person or send “/object {number}” with the "
    "reason to the subsidy assistant in the chat."
)
TITLES = {
    NoticeLevel.VILLAGE: N_("Public notice of work subsidies (village review)"),
    NoticeLevel.TOWNSHIP: N_("Public notice of work subsidies (township review)"),
}
# (header msgid, width in the spreadsheet) of the columns of a village's notice template.
LAYOUT = (
    (N_("Name"), 9),
    (N_("Sex"), 5),
    (N_("Age"), 5),
    (N_("ID number"), 21),
    (N_("Employer"), 20),
    (N_("Work place"), 18),
    (N_("Work period"), 21),
    (N_("Subsidy"), 14),
    (N_("Amount (yuan)"), 11),
)
SEXES = {Sex.MALE: N_("male"), Sex.FEMALE: N_("female")}
FOOTER = N_("Page &P of &N")


@dataclass(frozen=True)
class NoticeView:
    """What a printed notice shows, read in one go from the database: the day it was posted,
    its period (first and last full day) and the county's supervision phone, if any."""

    number: str
    level: NoticeLevel
    region: str
    posted_on: date
    first_day: date
    last_day: date
    closed: bool
    rows: list[NoticeRow]
    phone: str | None = None

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def _month(language: str, text: str) -> str:
    try:
        month = Month.parse(text)
    except PolicyError:
        return text
    return translate(language, "{year}-{month}", year=month.year, month=f"{month.month:02d}")


def row_values(row: NoticeRow, language: str) -> list[object]:
    """One row's cells in the order of LAYOUT: text, the age and the amount as numbers."""

    def t(message: str, **values: object) -> str:
        return translate(language, message, **values)

    try:
        place = place_name(row.work_place)
    except (LookupError, ValueError):
        place = row.work_place
    start = _month(language, row.work_from)
    if row.work_to:
        period = t("{start} to {end}", start=start, end=_month(language, row.work_to))
    else:
        period = t("{start} to now", start=start)
    return [
        row.name,
        t(SEXES[row.sex]) if row.sex else "",
        row.age,
        row.masked_id,
        row.employer or "",
        place,
        period,
        program_name(t, row.program.value),
        Decimal(row.amount_fen) / 100,
    ]


def yuan(fen: int) -> str:
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" if cents == 0 else f"{whole:,}.{cents:02d}"


def intro(view: NoticeView, language: str) -> list[str]:
    """The lines above the list: number, region, the period with its dates and days, and how
    to object (in person, by the county's supervision phone when it has one, in the chat)."""
    where = (
        translate(language, "the village committee")
        if view.level == NoticeLevel.VILLAGE
        else translate(language, "the township government")
    )
    lines = [
        translate(language, "Notice number: {number}", number=view.number),
        translate(language, "Region: {region}", region=view.region),
        translate(
            language,
            "Notice period: {start} to {end} ({days} days)",
            start=long_date(language, view.first_day),
            end=long_date(language, view.last_day),
            days=view.days,
        ),
    ]
    if view.phone:
        lines.append(translate(language, "Supervision phone: {phone}", phone=view.phone))
        how = OBJECT_WITH_PHONE
    else:
        how = OBJECT_IN_PERSON
    lines.append(translate(language, how, where=where, phone=view.phone, number=view.number))
    if view.closed:
        lines.append(translate(language, "This notice has ended."))
    return lines


def total(view: NoticeView, language: str) -> str:
    return translate(
        language,
        "Total: {count} claim(s), {amount} yuan",
        count=len(view.rows),
        amount=yuan(sum(row.amount_fen for row in view.rows)),
    )
