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
    level, or not a code at all; the message is one line, with the likely codes if any."""


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
    if not code.isdigit():
        found = _named(session, code, length)
        listed = "; ".join(f"{c} {region_words(session, c)}" for c in found)
        hint = f": {listed}" if listed else f" (no {level} of that name in the register)"
        raise UnknownScope(f"--region must be a {length}-digit {level} code, not {code}{hint}")
    region = session.get(Region, code)
    if len(code) != length:
        what = (
            f"is the {region.level.value} {region_words(session, code)}"
            if region is not None
            else f"has {len(code)} digits"
        )
        raise UnknownScope(f"--region {code} {what}; it must be a {length}-digit {level} code")
    if region is None:
        raise UnknownScope(f"--region {code} is not a {level} in the register{_instead(code)}")
    if region.valid_to is not None:
        raise UnknownScope(
            f"--region {code} ({region_words(session, code)}) left the register after "
            f"{region.valid_to}{_instead(code)}"
        )
    return region


def _instead(code: str) -> str:
    """; replaced by …, for a retired county the successors' table knows."""
    new = successor(code)
    if new == code:
        return ""
    old, now = divisions().get(code), divisions().get(new)
    named = f" ({old.name})" if old else ""
    return f"; {code}{named} was replaced by {new}" + (f" ({now.name})" if now else "")


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
