"""Imports: the national monitoring system's exports and county budget allocations."""

from db.imports.allocations import import_allocations, parse_allocations, wan_to_fen
from db.imports.columns import Table
from db.imports.errors import (
    HeaderNotFound,
    ImportFileError,
    UnknownFormat,
    UnknownLayout,
    UnreadableFile,
)
from db.imports.monitoring import ImportResult, Progress, import_monitoring
from db.imports.records import Problem

__all__ = [
    "HeaderNotFound",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "Progress",
    "Table",
    "UnknownFormat",
    "UnknownLayout",
    "UnreadableFile",
    "import_allocations",
    "import_monitoring",
    "parse_allocations",
    "wan_to_fen",
]
