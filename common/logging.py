"""Logging set-up for every process: one format, and personal data redacted from every line."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from db.logging_filter import RedactingFilter


def configure(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Log to stderr (or ``stream``) through a filter that masks ID, account and phone numbers,
    also when written with spaces or dashes."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s")
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request URL, which carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler says "Running job" and "executed successfully" for every sweep it enqueues
    # (twice every 5 s); the sweeps log themselves when they did something.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
