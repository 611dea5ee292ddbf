"""The long-running commands: serve (the main job), worker, scheduler, and db maintenance."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from common import runtime as wugong_runtime
from common.settings import get_settings

log = logging.getLogger(__name__)


def serve() -> int:
    """Migrate if needed, then run HTTP, and in embedded mode the workers and the scheduler."""
    import dramatiq
    import uvicorn

    from common.memory import bound_arenas

    bound_arenas()  # before any thread starts
    settings = get_settings()
    settings.telegram.check_webhook()
    from common.sms import install_sms_provider, sms_provider

    install_sms_provider(sms_provider(settings))  # bad SMS settings stop the start here
    runtime = wugong_runtime.start(settings, upgrade=True, log_level="INFO")

    from bot.channels.edge import EdgeLimits
    from bot.engine import Conversations
    from common.broker import setup_broker
    from wugong.senders import register_senders
    from wugong.web import Channel, create_app

    # Jobs go to Redis, or to the in-process queue that this process's worker threads serve.
    broker = setup_broker(settings.queue.redis_url)
    # Status news, reminders and broadcasts go out through the channels' senders.
    register_senders(runtime)
    conversations = Conversations(runtime.dialog_sessions(), today=settings.clock.today_function())
    if settings.clock.today is not None:
        log.warning("WUGONG_TODAY is set: conversations take %s as today", settings.clock.today)
    # Requests are counted at the edge (web chat, /telegram) in Redis, or in this process.
    edge = EdgeLimits.from_settings(settings)
    channels: list[Channel] = []
    if settings.telegram.telegram_token is not None:
        from bot.channels.telegram import TelegramChannel
        from common.attachments import FileStore

        # Photos and proof documents are kept (encrypted) under the data directory.
        files = FileStore(settings.paths.var_dir)
        channels.append(TelegramChannel(settings.telegram, conversations, files, edge))
    if settings.wechat.wechat_appid and settings.wechat.wechat_token is not None:
        from bot.channels.wechat.channel import WechatChannel
        from common.attachments import FileStore

        # The callback on /wechat; images are kept (encrypted) like Telegram's photos,
        # downloaded while their media id lives (the fetcher comes with the sender).
        wechat_files = FileStore(settings.paths.var_dir)
        threads = settings.http.bot_threads
        channels.append(
            WechatChannel(settings.wechat, conversations, wechat_files, turn_threads=threads)
        )
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
    # Refuse here, in one line, what the worker processes would refuse with a traceback: a
    # secret key other than the database's.
    wugong_runtime.start(log_level="INFO").close()
    argv = [
        sys.executable, "-m", "dramatiq", "wugong.worker_process",
        "-p", str(processes), "-t", str(threads),
    ]  # fmt: skip
    # A worker holds no more messages than it has threads (dramatiq's default is twice as
    # many): a killed worker then takes only what it was running with it, and long messages
    # such as broadcast senders spread over the workers instead of queueing behind one.
    os.environ.setdefault("dramatiq_queue_prefetch", str(threads))
    from common.memory import bound_arenas

    bound_arenas()  # the worker processes start with MALLOC_ARENA_MAX set
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
    from db.crypto import keyring

    runtime = wugong_runtime.start()
    try:
        migrate.upgrade(runtime.engine)
        wugong_runtime.check_key(runtime.engine, keyring())
        print(f"database at revision {migrate.current_revision(runtime.engine)}")
    finally:
        runtime.close()
    return 0


def run_command(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return serve()
    if args.command == "worker":
        return worker(args.processes, args.threads)
    if args.command == "scheduler":
        return scheduler()
    if args.command == "db" and args.db_command == "upgrade":
        return db_upgrade()
    raise SystemExit(f"unknown command: {args.command}")
