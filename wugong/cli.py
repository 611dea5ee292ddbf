"""The `wugong` command: serve, worker, scheduler, db, check, staff, import, export, broadcast,
sms, wechat."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wugong", description="务工补贴助手 wugong")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("serve", help="migrate, then run channels, workers (embedded) and HTTP")
    worker = commands.add_parser("worker", help="run dramatiq worker processes on the Redis broker")
    worker.add_argument("--processes", type=int, default=os.cpu_count() or 1, metavar="N")
    worker.add_argument("--threads", type=int, default=8, metavar="N")
    commands.add_parser("scheduler", help="run the one scheduler process that enqueues sweeps")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply all migrations")

    from wugong import staff_cli

    staff_cli.add_commands(commands)
    from wugong import check

    check.add_arguments(
        commands.add_parser("check", help="assess eligibility for every program from facts")
    )
    from wugong import finance

    finance.add_commands(commands)
    from wugong import imports_cli

    imports_cli.add_commands(commands)
    from wugong import broadcast_cli

    broadcast_cli.add_commands(commands)
    from wugong import sms_cli

    sms_cli.add_commands(commands)
    from wugong import wechat_cli

    wechat_cli.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Whatever a wugong process creates (the SQLite files, keys, uploads, exports, error files)
    # is private to the service user.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    from common.errors import WugongError

    try:
        return _run(args)
    except WugongError as error:
        print(f"wugong: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        from wugong import check

        return check.run(args)
    if args.command in ("export", "roster"):
        from wugong import finance

        return finance.run(args)
    if args.command == "broadcast":
        from wugong import broadcast_cli

        return broadcast_cli.run(args)
    if args.command == "sms":
        from wugong import sms_cli

        return sms_cli.run(args)
    if args.command == "wechat":
        from wugong import wechat_cli

        return wechat_cli.run(args)
    if args.command == "staff":
        from wugong import staff_cli

        return staff_cli.run(args)
    if args.command == "import":
        from wugong import imports_cli

        return imports_cli.run(args)

    from wugong import app

    return app.run_command(args)


if __name__ == "__main__":
    sys.exit(main())
