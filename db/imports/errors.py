"""The errors that stop a whole import (a bad row never does: it goes to the error file)."""

from __future__ import annotations

from db.errors import DbError


class ImportFileError(DbError):
    """Base class of the errors that make a file unusable as a whole; the message is one line."""


class UnknownFormat(ImportFileError):
    """Raised when a file is neither xlsx nor csv (by its name and its first bytes)."""


class UnreadableFile(ImportFileError):
    """Raised when a file cannot be opened or decoded (missing, damaged, not UTF-8 or GBK)."""


class HeaderNotFound(ImportFileError):
    """Raised when no row among the first ones names enough known columns to be the header."""
