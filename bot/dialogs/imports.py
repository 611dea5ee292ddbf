"""Importing monitoring records in chat (/import): a county admin sends the export as a document."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from bot.dialogs.base import Answer, Dialog, DialogModule, MenuEntry, Reask, Turn
from common import jobs
from common.i18n import N_
from common.payloads import to_menu
from db.enums import Channel, StaffRole
from db.models import Staff
from db.queries.console.imports import request_import

# Who may replace the registry's records: the county and the city administrators.
IMPORTERS = frozenset({StaffRole.COUNTY_ADMIN, StaffRole.CITY_ADMIN})
SUFFIXES = (".xlsx", ".csv")


class Step(StrEnum):
    FILE = "file"


dialog = Dialog("imports", Step)


def _importer(turn: Turn) -> Staff | None:
    staff = turn.session.get(Staff, turn.identity.staff_id) if turn.identity.staff_id else None
    if staff is None or not staff.active or staff.role not in IMPORTERS:
        turn.say(
            turn.t("Importing monitoring records is for county administrators."),
            [turn.button("Main menu", to_menu("main"))],
        )
        return None
    return staff


def start(turn: Turn) -> None:
    """/import: ask for the export file."""
    if _importer(turn) is None:
        return
    if turn.identity.channel != Channel.TELEGRAM:
        turn.say(
            turn.t(
                "Files can be sent to me through Telegram only. On the server, the command "
                "`wugong import monitoring FILE` imports them too."
            ),
            [turn.button("Main menu", to_menu("main"))],
        )
        return
    dialog.ask(turn, Step.FILE)


@dialog.asks(Step.FILE)
def ask_file(turn: Turn) -> None:
    turn.say(
        turn.t(
            "Send me the export of the national monitoring system as a file (xlsx or csv): "
            "监测对象信息 (persons and households) or 已外出务工信息 (work records). I import "
            "it in the background and tell you how it goes."
        ),
        [turn.button("Cancel", to_menu("main"))],
    )


@dialog.answers(Step.FILE)
def answer_file(turn: Turn, answer: Answer) -> None:
    staff = _importer(turn)
    if staff is None:
        turn.go(None, None)
        return
    document = answer.file
    if document is None or document.kind != "document":
        raise Reask(N_("Please send the export as a file (a document), not as text or a photo."))
    name = Path(document.name or "export.xlsx").name
    if not name.lower().endswith(SUFFIXES):
        raise Reask(N_("I can read xlsx and csv files only. Please save the export as xlsx."))
    batch = request_import(turn.session, staff, name)
    batch_id, identity_id, file_id = batch.id, turn.identity.id, document.file_id

    turn.after_commit.append(lambda: jobs.IMPORT_UPLOAD.send(batch_id, identity_id, file_id))
    turn.go(None, None)
    turn.say(
        turn.t("Received {file}. The import starts in a moment.", file=name),
        [turn.button("Main menu", to_menu("main"))],
    )


MODULE = DialogModule(
    dialog=dialog,
    commands={"/import": start},
    actions={"import": start},
    staff_menu=[MenuEntry(N_("Import monitoring records"), "import", IMPORTERS)],
)
