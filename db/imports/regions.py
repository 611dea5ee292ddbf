"""Region codes for an export's 县/乡/村 names: a village from the region table, else the county."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db.enums import RegionLevel
from db.models import Region
from policy.errors import PolicyError
from policy.places import resolve_place


class Regions:
    """Exports name places, wugong scopes staff by code: the most precise code the names allow.

    A village (12 digits) or township (9 digits) is found when the region table knows it under
    its county; otherwise the county code (6 digits) is used, so a county admin still sees the
    people and a village list imported later refines nothing already stored.
    """

    def __init__(self, children: dict[tuple[str, str], str]) -> None:
        self._children = children  # (parent code, normalised name) -> code
        self._cache: dict[tuple[str, str, str], str | None] = {}

    @classmethod
    def load(cls, connection: Connection) -> Regions:
        rows = connection.execute(
            sa.select(Region.code, Region.name, Region.parent_code).where(
                Region.level.in_((RegionLevel.TOWNSHIP, RegionLevel.VILLAGE))
            )
        )
        children: dict[tuple[str, str], str] = {}
        for code, name, parent in rows:
            parent = parent or code[: 6 if len(code) == 9 else 9]
            children[(parent, _squash(name))] = code
        return cls(children)

    def code(self, county: str, township: str, village: str) -> str | None:
        key = (county, township, village)
        if key not in self._cache:
            self._cache[key] = self._find(county, township, village)
        return self._cache[key]

    def _find(self, county: str, township: str, village: str) -> str | None:
        if not county:
            return None
        try:
            found = resolve_place(county)
        except PolicyError:
            return None
        if len(found) != 6 or not township:
            return found
        township_code = self._children.get((found, _squash(township)))
        if township_code is None:
            return found
        village_code = self._children.get((township_code, _squash(village))) if village else None
        return village_code or township_code


def _squash(name: str) -> str:
    return "".join(name.split())
