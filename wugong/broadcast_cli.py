"""`wugong broadcast`: the broadcast an administrator can start in chat, from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from common.i18n import N_, translate
from wugong.imports_cli import cli_language

PREVIEW = N_("Broadcast to {count} recipient(s) ({audience}):\n{text}")
CONFIRM = N_("Send it? [y/N] ")
NOT_SENT = N_("Nothing was sent.")
STARTED = N_("Broadcast {number} is sending to {count} recipient(s).")
EMBEDDED = N_("The running `wugong serve` starts sending it within a minute.")
PROGRESS = N_(
    "Broadcast {number} ({status}): {sent} sent, {failed} failed, {blocked} blocked, "
    "{ambiguous} outcome unknown, {claimed} being sent, {pending} pending, of {total}"
)
CANCELLED = N_("Broadcast {number} is cancelled; {pending} recipient(s) will not get it.")
NOT_CANCELLED = N_("Broadcast {number} is not sending; nothing to cancel.")
UNKNOWN = N_("There is no broadcast {number}.")
NOBODY = N_("Nobody is in that audience; nothing was sent.")
YES = ("y", "yes", "是", "好")  # answers to CONFIRM that send


def add_commands(commands: Any) -> None:
    parser = commands.add_parser(
        "broadcast",
        help="send a notice to an audience, follow or cancel a broadcast",
        description="Audience words (all must hold): everyone, beneficiaries, staff, cadre, "
        "township, county_admin, city_admin, region:CODE, program:ID, status:STATUS, year:YYYY.",
    )
    parser.add_argument("--text", help="the notice (up to 4096 characters, 1024 with a file)")
    parser.add_argument("--audience", nargs="+", default=["everyone"], metavar="WORD")
    attachment = parser.add_mutually_exclusive_group()
    attachment.add_argument("--photo", metavar="FILE_ID_OR_URL", help="a Telegram file_id or URL")
    attachment.add_argument("--document", metavar="FILE_ID_OR_URL")
    parser.add_argument("--yes", action="store_true", help="send without asking")
    parser.add_argument("--dry-run", action="store_true", help="only count the recipients")
    parser.add_argument("--wait", action="store_true", help="print progress until it is done")
    parser.add_argument("--show", type=int, metavar="ID", help="print a broadcast's progress")
    parser.add_argument("--cancel", type=int, metavar="ID", help="stop a broadcast")


def run(args: argparse.Namespace) -> int:
    from common import runtime as wugong_runtime
    from db.queries import broadcasts as rows

    language = cli_language()

    def say(message: str, **values: Any) -> None:
        print(translate(language, message, **values), flush=True)

    if args.show is None and args.cancel is None and not args.text:
        print("wugong broadcast: --text is required", file=sys.stderr)
        return 2
    try:
        audience = rows.Audience.parse(args.audience)
    except rows.AudienceError as error:
        print(f"wugong broadcast: {error}", file=sys.stderr)
        return 2
    runtime = wugong_runtime.start(upgrade=True)
    try:
        if args.show is not None:
            return _follow(runtime, args.show, say, wait=args.wait)
        if args.cancel is not None:
            return _cancel(runtime, args.cancel, say)
        return _send(runtime, args, audience, say, language)
    finally:
        runtime.close()


def _send(runtime: Any, args: argparse.Namespace, audience: Any, say: Any, language: str) -> int:
    """Count, confirm, write the broadcast and start its senders."""
    from db.queries import broadcasts as rows

    with runtime.sessions() as session:
        count = rows.count_recipients(session, audience)
    say(PREVIEW, count=count, audience=" ".join(args.audience), text=args.text)
    if count == 0:
        say(NOBODY)
        return 1
    if args.dry_run:
        return 0
    if not args.yes and input(translate(language, CONFIRM)).strip().lower() not in YES:
        say(NOT_SENT)
        return 1
    kind, reference = ("photo", args.photo) if args.photo else ("document", args.document)
    embedded = runtime.settings.embedded
    try:
        with runtime.sessions.begin() as session:
            broadcast = rows.create_broadcast(
                session,
                audience,
                args.text,
                attachment_kind=kind if reference else None,
                attachment=reference,
                # No worker of this process sends in the embedded mode: a heartbeat left
                # empty lets the server's sweep start the senders at its next run.
                started=not embedded,
            )
            number, total = broadcast.id, broadcast.total
    except rows.AudienceError as error:
        print(f"wugong broadcast: {error}", file=sys.stderr)
        return 2
    say(STARTED, number=number, count=total)
    if embedded:
        say(EMBEDDED)
    else:
        from common import jobs
        from common.broker import setup_broker

        setup_broker(runtime.settings.queue.redis_url)
        jobs.START_BROADCAST.send(number)
    return _follow(runtime, number, say, wait=args.wait) if args.wait else 0


def _follow(runtime: Any, number: int, say: Any, *, wait: bool) -> int:
    from db.enums import BroadcastStatus
    from db.models import Broadcast
    from db.queries import broadcasts as rows

    while True:
        with runtime.sessions() as session:
            broadcast = session.get(Broadcast, number)
            if broadcast is None:
                say(UNKNOWN, number=number)
                return 2
            counts = rows.progress(session, number)
        say(PROGRESS, number=number, status=broadcast.status.value, total=broadcast.total, **counts)
        if not wait or broadcast.status != BroadcastStatus.SENDING:
            return 0
        time.sleep(2)


def _cancel(runtime: Any, number: int, say: Any) -> int:
    from db.queries import broadcasts as rows
    from db.types import utcnow

    with runtime.sessions.begin() as session:
        cancelled = rows.cancel(session, number, utcnow())
        pending = rows.progress(session, number)["pending"]
    if not cancelled:
        say(NOT_CANCELLED, number=number)
        return 1
    say(CANCELLED, number=number, pending=pending)
    return 0
