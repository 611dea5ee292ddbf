"""glibc's malloc tuning (``mallopt``): what the importer and the long-running processes set.

On another C library (or none found) the calls do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8


@cache
def _mallopt() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return None


def mallopt(option: int, value: int) -> None:
    """Set one of glibc's malloc options (``M_*`` here), if this is glibc."""
    function = _mallopt()
    if function is not None:
        function(option, value)
