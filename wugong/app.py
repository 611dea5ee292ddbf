"""The long-running commands: serve (the main job), worker, scheduler, and db maintenance."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

from common import runtime as wugong_runtime
from common.errors import ConfigurationError
from common.i18n import N_, translate
from common.settings import get_settings

log = logging.getLogger(__name__)


def serve() -> int:
    """Migrate if needed, then run HTTP, and in embedded mode the workers and the scheduler."""
    import dramatiq
    import uvicorn

    settings = get_settings()
    from common.sms import install_sms_provider, sms_provider

    install_sms_provider(sms_provider(settings))  # bad SMS settings stop the start here
    runtime = wugong_runtime.start(settings, upgrade=True, log_level="INFO")

    from bot.channels.edge import EdgeLimits
    from bot.engine import Conversations
    from common.broker import setup_broker
    from wugong.senders import register_senders
    from wugong.web import create_app

    # Jobs go to Redis, or to the in-process queue that this process's worker threads serve.
    broker = setup_broker(settings.queue.redis_url)
    # Status news, reminders and broadcasts go out through the channels' senders.
    register_senders(runtime)
    conversations = Conversations(runtime.dialog_sessions(), today=settings.clock.today_function())
    if settings.clock.today is not None:
        log.warning("WUGONG_TODAY is set: conversations take %s as today", settings.clock.today)
    # Requests are counted at the edge (web chat, /telegram) in Redis, or in this process.
    edge = EdgeLimits.from_settings(settings)
    channels = []
    if settings.telegram.telegram_token is not None:
        from bot.channels.telegram import TelegramChannel
        from common.attachments import FileStore

        # Photos and proof documents are kept (encrypted) under the data directory.
        files = FileStore(settings.paths.var_dir)
        channels.append(TelegramChannel(settings.telegram, conversations, files, edge))
    worker = background = None
    if settings.embedded:
        from workers import context, declare_actors, scheduler

        declare_actors()
        context.install(runtime)
        worker = dramatiq.Worker(broker, worker_threads=settings.queue.worker_threads)
        worker.start()
        background = scheduler.start_background()
        log.info("embedded mode: in-process queue with %d worker threads", worker.worker_threads)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turning it into SystemExit lets the
    # workers and the scheduler below stop cleanly too, and the process exit with 0.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        log.info("serving on http://%s:%d", settings.http.http_host, settings.http.http_port)
        uvicorn.run(
            create_app(runtime, conversations, channels, edge=edge),
            host=settings.http.http_host,
            port=settings.http.http_port,
            log_config=None,
            access_log=False,
        )
    finally:
        if background is not None:
            background.shutdown(wait=False)
        if worker is not None:
            worker.stop()
        runtime.close()
        log.info("wugong stopped")
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def worker(processes: int, threads: int) -> int:
    """Replace this process with dramatiq's worker CLI on the Redis broker."""
    if get_settings().embedded:
        print(
            "wugong worker needs WUGONG_REDIS_URL; without it `wugong serve` runs the workers.",
            file=sys.stderr,
        )
        return 2
    argv = [
        sys.executable, "-m", "dramatiq", "wugong.worker_process",
        "-p", str(processes), "-t", str(threads),
    ]  # fmt: skip
    # A worker holds no more messages than it has threads (dramatiq's default is twice as
    # many): a killed worker then takes only what it was running with it, and long messages
    # such as broadcast senders spread over the workers instead of queueing behind one.
    os.environ.setdefault("dramatiq_queue_prefetch", str(threads))
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover - execv does not return


def scheduler() -> int:
    """Run the one scheduler process (production)."""
    if get_settings().embedded:
        print(
            "wugong scheduler needs WUGONG_REDIS_URL; without it `wugong serve` runs the schedule.",
            file=sys.stderr,
        )
        return 2
    settings = get_settings()
    runtime = wugong_runtime.start(settings, log_level="INFO")
    from common.broker import setup_broker
    from wugong.senders import register_senders

    setup_broker(settings.queue.redis_url)
    register_senders(runtime)  # it only enqueues; registered so anything it runs can send
    from workers import scheduler as schedule  # declares the actors it enqueues

    schedule.run_forever()
    return 0


def db_upgrade() -> int:
    """Apply every migration that the database does not have yet."""
    from db import migrate

    runtime = wugong_runtime.start()
    try:
        migrate.upgrade(runtime.engine)
        print(f"database at revision {migrate.current_revision(runtime.engine)}")
    finally:
        runtime.close()
    return 0


def staff_invite(role: str, region: str, days: int) -> int:
    """Create a one-time invite and print its code; only its hash is stored.

    The region must be a current division of the register at the role's level (a cadre a
    village, a township clerk a township, …); otherwise nothing is written and the one line
    of the refusal says what the code is instead, or which codes a name may mean.
    """
    import secrets
    from datetime import UTC, datetime, timedelta

    from bot.dialogs.staff import ROLE_NAMES
    from db.enums import StaffRole
    from db.models import StaffInvite
    from db.queries.regions import UnknownScope, check_scope, region_words
    from db.queries.review import SCOPE_LENGTH
    from wugong.imports_cli import cli_language

    language = cli_language()
    if days < 1:
        raise ConfigurationError("--days must be at least 1")
    runtime = wugong_runtime.start(upgrade=True)
    code = secrets.token_urlsafe(12)
    try:
        with runtime.sessions.begin() as session:
            try:
                scope = check_scope(session, region, SCOPE_LENGTH[StaffRole(role)])
            except UnknownScope as error:
                raise ConfigurationError(scope_refusal(error, language)) from None
            session.add(
                StaffInvite(
                    code_hash=StaffInvite.hash_code(code),
                    role=StaffRole(role),
                    region_code=scope.code,
                    expires_at=datetime.now(UTC) + timedelta(days=days),
                )
            )
            place = region_words(session, scope.code)
    finally:
        runtime.close()
    print(code)
    print(
        translate(
            language,
            INVITE_PRINTED,
            code=code,
            days=days,
            role=translate(language, ROLE_NAMES[StaffRole(role)]),
            place=place,
            region=scope.code,
        ),
        file=sys.stderr,
    )
    return 0


INVITE_PRINTED = N_(
    "Send /start {code} to the bot within {days} days to become {role} for {place} ({region})."
)
LEVELS = {
    "village": N_("village"),
    "township": N_("township"),
    "county": N_("county"),
    "city": N_("city"),
    "province": N_("province"),
}
SCOPE_REFUSALS = {
    "name_not_found": N_("--region must be a {length}-digit {level} code; no {level} of the "
                         "register is called {code}."),
    "not_a_code": N_("--region must be a {length}-digit {level} code, not {code}. Perhaps: "
                     "{listed}"),
    "other_level": N_("--region {code} is the {other} {words}; it must be a {length}-digit "
                      "{level} code."),
    "wrong_length": N_("--region {code} has {digits} digits; it must be a {length}-digit "
                       "{level} code."),
    "not_in_register": N_("--region {code} is not a {level} in the register."),
    "retired": N_("--region {code} ({words}) left the register after {year}."),
}  # fmt: skip
REPLACED_BY = N_("It was replaced by {instead}.")


def scope_refusal(error: Any, language: str) -> str:
    """The one translated line that says why a region cannot be a role's scope."""
    values = dict(error.values)
    for key in ("level", "other"):
        if key in values:
            values[key] = translate(language, LEVELS.get(str(values[key]), str(values[key])))
    line = translate(language, SCOPE_REFUSALS[error.problem], **values)
    if values.get("instead"):
        line += " " + translate(language, REPLACED_BY, instead=values["instead"])
    return line


def run_command(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return serve()
    if args.command == "worker":
        return worker(args.processes, args.threads)
    if args.command == "scheduler":
        return scheduler()
    if args.command == "staff" and args.staff_command == "invite":
        return staff_invite(args.role, args.region, args.days)
    if args.command == "db" and args.db_command == "upgrade":
        return db_upgrade()
    raise SystemExit(f"unknown command: {args.command}")
