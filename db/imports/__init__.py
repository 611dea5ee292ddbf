"""Imports: the monitoring system's exports, county budget allocations, the division register."""

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
from db.imports.problems import Problem
from db.imports.register import RegisterResult, import_regions

__all__ = [
    "HeaderNotFound",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "Progress",
    "RegisterResult",
    "Table",
    "UnknownFormat",
    "UnknownLayout",
    "UnreadableFile",
    "import_allocations",
    "import_monitoring",
    "import_regions",
    "parse_allocations",
    "wan_to_fen",
]
