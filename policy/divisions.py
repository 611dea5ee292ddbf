"""Administrative division codes and names, read from python-stdnum's loc.dat, plus successors.

Why stdnum's table: python-stdnum is already a dependency, its maintainers refresh the list from
Chinese Wikipedia (2.2, 2026-01), and every code carries the years it existed, so retired codes
that still appear on ID cards and monitoring records (140421 长治县) resolve to names. Only the
data file is used; stdnum.cn.ric.validate is not, because it rejects valid numbers whose region
code postdates the holder's birth. Retired codes that another division took over whole are
mapped in data/successors.yaml, with the source of each change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import yaml

from policy.errors import ParameterError
from policy.once import built_once

_NAME_PERIOD = re.compile(r"(?:\[(\d{4})?-(\d{4})?\])?([^,\[\]]+)")
# Rows that group counties without being a place a person can live or work in.
_PLACEHOLDERS = ("市辖区", "县", "市区")


@dataclass(frozen=True)
class NamePeriod:
    """One name a division carried, with the first and last year (None = open)."""

    name: str
    start: int | None
    end: int | None


@dataclass(frozen=True)
class Division:
    """A province (2-digit code), city (4) or county-level division (6) and its names over time."""

    code: str
    names: tuple[NamePeriod, ...]

    @property
    def name(self) -> str:
        """The latest name."""
        return self.names[-1].name

    @property
    def current(self) -> bool:
        """True while the division still exists (its latest name has no end year)."""
        return self.names[-1].end is None

    @property
    def placeholder(self) -> bool:
        return self.name in _PLACEHOLDERS or "直辖" in self.name


def _parse_names(text: str) -> tuple[NamePeriod, ...]:
    periods = []
    for match in _NAME_PERIOD.finditer(text):
        start, end, name = match.groups()
        name = name.strip()
        if name:
            periods.append(
                NamePeriod(name, int(start) if start else None, int(end) if end else None)
            )
    return tuple(periods)


@built_once
def divisions() -> dict[str, Division]:
    """Every division in loc.dat by code: "14", "1404", "140421". Loaded once."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    result: dict[str, Division] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, rest = line.strip().partition(" ")
        key, _, quoted = rest.partition("=")
        names = _parse_names(quoted.strip('"'))
        if not names:
            continue
        if key == "province":
            province = code
            result[code] = Division(code, names)
        elif province and len(code) == 4:
            if code == "0000":
                continue  # the province itself again
            full = province + (code[:2] if code.endswith("00") else code)
            result[full] = Division(full, names)
    return result


@built_once
def successors() -> dict[str, str]:
    """Retired code -> code that took over its area (followed to the end of the chain)."""
    path = resources.files("policy").joinpath("data", "successors.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    direct: dict[str, str] = {}
    for index, entry in enumerate(raw.get("successors", [])):
        old, new = str(entry.get("from", "")), str(entry.get("to", ""))
        if not (old.isdigit() and new.isdigit() and len(old) == len(new) and entry.get("source")):
            raise ParameterError(
                f"successors.yaml: entry {index} needs 'from', 'to' (codes of one length)"
                " and 'source'"
            )
        direct[old] = new
    resolved = {}
    for old in direct:
        code, seen = old, {old}
        while code in direct:
            code = direct[code]
            if code in seen:
                raise ParameterError(f"successors.yaml: cycle through {code}")
            seen.add(code)
        resolved[old] = code
    return resolved


def successor(code: str) -> str:
    """The code that now covers a retired code's area; the code itself otherwise."""
    return successors().get(code, code)
