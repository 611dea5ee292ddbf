"""A logging filter that masks personal numbers in every record before a handler writes it."""

from __future__ import annotations

import logging

from db.pii import redact

_traceback_formatter = logging.Formatter()


class RedactingFilter(logging.Filter):
    """Install on handlers (not loggers), so records propagated from any library pass through it.

    SQLAlchemy logs bound parameters as the repr of a tuple in ``record.args``, so the filter
    redacts the fully rendered message and clears the arguments. Tracebacks are rendered and
    redacted here too: database errors quote the statement's parameters.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
