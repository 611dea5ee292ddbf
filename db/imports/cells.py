"""Cells read into record text, each distinct value parsed once.

Exports repeat the same months, places and amounts on row after row, so every reader remembers
what it made of a value (up to ``CACHE_LIMIT`` values), a bad value included: the same
``BadValue`` is raised again without parsing. Record text is what PostgreSQL's COPY reads:
None for an empty cell, dates in ISO form, booleans as 't'/'f', the rest as written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from db.imports.values import BadValue
from policy.errors import PolicyError
from policy.places import resolve_place

CACHE_LIMIT = 200_000  # distinct values remembered per reader (and per group of cells)


def cached(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse`` remembered per distinct cell value (exports repeat months, places, amounts)."""
    cache: dict[Any, Any] = {}

    def get(value: Any) -> Any:
        try:
            found = cache[value]
        except KeyError:
            try:
                found = parse(value)
            except BadValue as problem:
                found = problem
            if len(cache) < CACHE_LIMIT:
                cache[value] = found
        if isinstance(found, BadValue):
            raise found
        return found

    return get


def optional(
    parse: Callable[[Any], Any], size: int = 0, *, remember: bool = True
) -> Callable[[Any], str | None]:
    """Empty cells are None; others parsed and written as record text (cut to ``size``);
    ``remember`` false for a column whose values hardly repeat (no cache then)."""

    def read(value: Any) -> str | None:
        if value is None or (value.__class__ is str and not value.strip()):
            return None
        found = parse(value)
        if found is None:
            return None
        if found is True or found is False:
            return "t" if found else "f"
        written = found.isoformat() if isinstance(found, date) else str(found)
        return (written[:size] or None) if size else written

    return cached(read) if remember else read


@lru_cache(maxsize=4096)
def place_code(text: str) -> str | None:
    """The division code of a work place's name, or None when it names none (kept as text;
    the cross-check then compares by name)."""
    try:
        return resolve_place(text)
    except PolicyError:
        return None
