"""Region codes in words (高平市三甲镇三甲村), and whether a code can be a staff role's scope."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.division_names import clean, display_name, township_forms, village_forms, words
from db.errors import DbError
from db.models import Region
from db.models.region import LEVEL_OF_LENGTH
from policy.divisions import divisions, successor
from policy.errors import PolicyError
from policy.places import place_name

SUGGESTIONS = 5


class UnknownScope(DbError):
    """Raised when a code cannot be a role's scope: not in the register, retired, of another
    level, or not a code at all. ``problem`` names the case (not_a_code, name_not_found,
    other_level, wrong_length, not_in_register, retired) and ``values`` what the one line
    telling it needs (the code, the level wanted, what it is instead, the likely codes)."""

    def __init__(self, problem: str, **values: object) -> None:
        super().__init__(f"{problem}: {values}")
        self.problem = problem
        self.values = values


def _names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    rows = session.execute(sa.select(Region.code, Region.name).where(Region.code.in_(set(codes))))
    return {code: name for code, name in rows}


def _policy_name(code: str) -> str | None:
    try:
        return place_name(code)
    except (PolicyError, LookupError):
        return None


def region_words(session: Session, code: str) -> str:
    """A region code in words: 高平市三甲镇三甲村 (a village), 高平市三甲镇 (a township), 高平市.

    Names come from the register (villages as people say them: 三甲村委会 -> 三甲村); a county,
    city or province it lacks is named by the policy's table (retired codes too); a code
    nothing knows reads as itself, beside the levels above it that are known.
    """
    if not code.isdigit() or len(code) not in LEVEL_OF_LENGTH:
        return code
    names = _names(session, {code[:6], code[:9], code})
    if len(code) <= 6:
        return names.get(code) or _policy_name(code) or code
    county = names.get(code[:6]) or _policy_name(code[:6])
    return words(code, names, county)


def _level(length: int) -> str:
    return LEVEL_OF_LENGTH[length].value


def check_scope(session: Session, code: str, length: int) -> Region:
    """The register's row of ``code`` when it is a current division of ``length`` digits;
    UnknownScope with one line saying what it is instead (and the codes meant, if a name was
    given) otherwise."""
    level = _level(length)
    code = clean(code)
    wanted = {"code": code, "level": level, "length": length}
    if not code.isdigit():
        found = _named(session, code, length)
        if not found:
            raise UnknownScope("name_not_found", **wanted)
        listed = "; ".join(f"{c} {region_words(session, c)}" for c in found)
        raise UnknownScope("not_a_code", **wanted, listed=listed)
    region = session.get(Region, code)
    if len(code) != length:
        if region is not None:
            words = region_words(session, code)
            raise UnknownScope("other_level", **wanted, other=region.level.value, words=words)
        raise UnknownScope("wrong_length", **wanted, digits=len(code))
    if region is None:
        raise UnknownScope("not_in_register", **wanted, instead=_instead(code))
    if region.valid_to is not None:
        raise UnknownScope(
            "retired",
            **wanted,
            words=region_words(session, code),
            year=region.valid_to,
            instead=_instead(code),
        )
    return region


def _instead(code: str) -> str:
    """The code (and name) that replaced a retired county the successors' table knows, or ""."""
    new = successor(code)
    if new == code:
        return ""
    now = divisions().get(new)
    return f"{new} {now.name}" if now else new


def _named(session: Session, text: str, length: int) -> list[str]:
    """Current codes of ``length`` digits whose name (or whose name in words, 高平市三甲镇三甲村)
    is ``text`` as people write it; those merely containing it when none is."""
    rows = session.execute(
        sa.select(Region.code, Region.name).where(
            sa.func.length(Region.code).in_((6, 9, length)), Region.valid_to.is_(None)
        )
    ).all()
    names = {code: name for code, name in rows}
    wanted = set(_forms(text, length))
    exact, partial = [], []
    for code, name in sorted(names.items()):
        if len(code) != length:
            continue
        said = words(code, names, names.get(code[:6])) if length > 6 else name
        if wanted & set(_forms(name, length)) or clean(text) in (said, display_name(said)):
            exact.append(code)
        elif text in said:
            partial.append(code)
    return (exact or partial)[:SUGGESTIONS]


def _forms(name: str, length: int) -> tuple[str, ...]:
    if length == 12:
        return village_forms(name)
    if length == 9:
        return township_forms(name)
    return (clean(name),)


def divisions_under(session: Session, code: str, lengths: Iterable[int]) -> dict[str, str]:
    """The current divisions of ``code`` and under it whose codes have one of ``lengths`` digits
    (a county and its townships: 6, 9), by code in code order, named as people write them
    (高平市, 三甲镇); one query.

    Only the register's current rows: a retired township keeps its name for the claims that
    still carry its code through ``region_names``. ``code`` is digits only.
    """
    rows = session.execute(
        sa.select(Region.code, Region.name)
        .where(
            Region.code >= code,
            Region.code < str(int(code) + 1).zfill(len(code)),  # the codes under it: a range
            sa.func.length(Region.code).in_(set(lengths)),
            Region.valid_to.is_(None),
        )
        .order_by(Region.code)
    )
    return {found: display_name(name) for found, name in rows}


def region_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Each code's own name as people write it (三甲镇, 三甲村, 高平市), in one query: the
    register's, else the policy table's for a county or above, else the code itself."""
    wanted = set(codes)
    if not wanted:
        return {}
    names = {code: display_name(name) for code, name in _names(session, wanted).items()}
    return {
        code: names.get(code) or (_policy_name(code) if len(code) <= 6 else None) or code
        for code in wanted
    }
