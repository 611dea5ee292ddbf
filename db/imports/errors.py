"""The errors that stop a whole import (a bad row never does: it goes to the error file)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from db.errors import DbError


class ImportFileError(DbError):
    """Base class of the errors that make a file unusable as a whole; the message is one line."""


class UnknownFormat(ImportFileError):
    """Raised when a file is neither xlsx nor csv (by its name and its first bytes)."""


class UnreadableFile(ImportFileError):
    """Raised when a file cannot be opened or decoded (missing, damaged, not UTF-8 or GBK)."""


class HeaderNotFound(ImportFileError):
    """Raised when no row among the first ones names enough known columns to be the header."""


class UnknownLayout(HeaderNotFound):
    """Raised when a budget file's header fits none of the allocation layouts; ``accepted``
    names each layout's columns, so the refusal can list them in the reader's language."""

    def __init__(self, file_name: str, accepted: Mapping[str, Sequence[str]]) -> None:
        self.file_name = file_name
        self.accepted = dict(accepted)
        layouts = "; ".join(f"{name}: {', '.join(columns)}" for name, columns in accepted.items())
        super().__init__(f"{file_name}: not a budget layout wugong knows ({layouts})")
