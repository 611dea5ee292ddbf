"""The parameter tree: dated values from YAML, each with unit and reference, county overrides.

Shape (OpenFisca style): a leaf is a mapping with `description`, `unit`, `reference` and
`values: {start date: value}`; the first path segment is the file name (transport.yaml ->
transport.min_months). County files `parameters/counties/<code>.yaml` give only `values` and a
`reference` for the leaves they change. Values are read at an instant (the assessments use
1 January of the claim year); before a parameter's first start date its earliest value applies,
so years without documents still compute, and each program's `documented` flag says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from policy.divisions import successor
from policy.errors import ParameterError
from policy.once import built_once

_LEAF_KEYS = {"description", "unit", "reference", "values", "note", "nullable"}
_COUNTY_LEAF_KEYS = {"reference", "values", "note"}
_COUNT_UNITS = {"CNY", "month", "year", "day", "working_day"}
_UNITS = _COUNT_UNITS | {"bool", "date-md", "place-groups", "text", "phone", "percent"}
_CODE = re.compile(r"^\d{2}(\d{2}){0,2}$")
# A number as people dial it: area code and number with a dash or a space, a short hotline,
# brackets around the area code, an extension after 转.
_PHONE = re.compile(r"^[0-9()（）+\- ]{3,24}(?:(?:转|ext\.?) ?\d{1,6})?$")


@dataclass(frozen=True)
class Parameter:
    """One leaf: its dated values (sorted by start) and where they come from."""

    name: str
    description: str
    unit: str
    reference: str
    values: tuple[tuple[date, Any], ...]
    nullable: bool = False


@dataclass(frozen=True)
class ParameterValue:
    """The value in force at an instant, with its reference, and the county that set it if any."""

    name: str
    value: Any
    unit: str
    reference: str
    start: date
    county: str | None


class Parameters:
    """The base tree plus per-county overrides; immutable, so one instance serves every thread."""

    def __init__(
        self,
        base: Mapping[str, Parameter],
        counties: Mapping[str, Mapping[str, Parameter]],
    ) -> None:
        self._base = dict(base)
        self._counties = {code: dict(leaves) for code, leaves in counties.items()}
        # A tree never changes once built (with_overrides makes a new one), so each answer is
        # kept: one decision reads dozens of values, and every dialog turn decides again.
        self._looked_up: dict[tuple[str, date, str | None], ParameterValue] = {}

    def names(self) -> list[str]:
        return sorted(self._base)

    def counties(self) -> frozenset[str]:
        """Codes of the counties that override something."""
        return frozenset(self._counties)

    def lookup(self, name: str, on: date, county: str | None = None) -> ParameterValue:
        """The value of `name` at `on`, the county's own value winning when it has one by then."""
        key = (name, on, county)
        found = self._looked_up.get(key)
        if found is None:
            found = self._looked_up[key] = self._lookup(name, on, county)
        return found

    def _lookup(self, name: str, on: date, county: str | None) -> ParameterValue:
        if name not in self._base:
            raise ParameterError(f"no parameter named {name!r}")
        if county is not None:
            code = successor(county)
            override = self._counties.get(code, {}).get(name)
            if override is not None:
                dated = [item for item in override.values if item[0] <= on]
                if dated:
                    start, value = dated[-1]
                    return ParameterValue(
                        name, value, override.unit, override.reference, start, code
                    )
        leaf = self._base[name]
        dated = [item for item in leaf.values if item[0] <= on] or [leaf.values[0]]
        start, value = dated[-1]
        return ParameterValue(name, value, leaf.unit, leaf.reference, start, None)

    def get(self, name: str, on: date, county: str | None = None) -> Any:
        return self.lookup(name, on, county).value

    def with_overrides(
        self, county: str, values: Mapping[str, Any], reference: str, start: date | None = None
    ) -> Parameters:
        """A copy where `county` sets each named parameter to a value from `start` (or always).

        Meant for tests and for previewing a county's settings before they are written to YAML.
        """
        since = start or date(1900, 1, 1)
        code = successor(county)
        counties = {c: dict(leaves) for c, leaves in self._counties.items()}
        leaves = counties.setdefault(code, {})
        for name, value in values.items():
            base = self._base.get(name)
            if base is None:
                raise ParameterError(f"override for county {county}: no parameter named {name!r}")
            _check_value(base.unit, value, base.nullable, f"override {county}: {name}")
            leaves[name] = replace(base, reference=reference, values=((since, value),))
        return Parameters(self._base, counties)


def month_day(value: str, year: int) -> date:
    """The date of a "12-25" style parameter in a given year; ValueError if malformed."""
    match = re.fullmatch(r"(\d{2})-(\d{2})", str(value))
    if not match:
        raise ValueError(value)
    return date(year, int(match.group(1)), int(match.group(2)))


def _where(source: str, key: str) -> str:
    return f"{source}: {key}" if key else source


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_month_day(value: Any) -> bool:
    try:
        month_day(value, 2000)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


# What a value of each unit must be, and how the error says it (place-groups: _check_groups).
_EXPECTED: dict[str, tuple[Callable[[Any], bool], str]] = {
    **{
        unit: (lambda v: _whole(v) and v >= 0, f"a whole number >= 0 ({unit})")
        for unit in _COUNT_UNITS
    },
    "percent": (lambda v: _whole(v) and 0 <= v <= 100, "a whole percent 0–100"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "date-md": (_is_month_day, "a month-day such as 12-25"),
    "text": (lambda v: isinstance(v, str) and bool(v.strip()), "a text"),
    "phone": (
        lambda v: _is_phone(v),
        "a phone number as quoted text (digits, spaces, dashes, brackets; an extension after 转)",
    ),
}


def _check_value(unit: str, value: Any, nullable: bool, where: str) -> None:
    if value is None:
        if not nullable:
            raise ParameterError(f"{where}: null is not allowed here")
        return
    if unit == "place-groups":
        _check_groups(value, where)
        return
    valid, expected = _EXPECTED[unit]
    if not valid(value):
        raise ParameterError(f"{where}: expected {expected}, got {value!r}")


def _is_phone(value: Any) -> bool:
    return (
        isinstance(value, str) and bool(_PHONE.match(value)) and sum(map(str.isdigit, value)) >= 3
    )


def _check_groups(value: Any, where: str) -> None:
    if not isinstance(value, list):
        raise ParameterError(f"{where}: expected a list of groups")
    for index, group in enumerate(value):
        ok = (
            isinstance(group, dict)
            and set(group) <= {"name", "amount", "places", "note"}
            and isinstance(group.get("name"), str)
            and isinstance(group.get("amount"), int)
            and not isinstance(group.get("amount"), bool)
            and group["amount"] >= 0
            and isinstance(group.get("places"), list)
            and all(isinstance(p, str) and _CODE.match(p) for p in group["places"])
        )
        if not ok:
            raise ParameterError(
                f"{where}[{index}]: a group needs name, amount (CNY) and places (quoted 2/4/6-digit"
                " codes)"
            )


def _dated(raw: Any, where: str) -> list[tuple[date, Any]]:
    if not isinstance(raw, dict) or not raw:
        raise ParameterError(f"{where}.values: expected a mapping of start dates to values")
    items = []
    for key, value in raw.items():
        try:
            start = key if isinstance(key, date) else date.fromisoformat(str(key))
        except ValueError:
            raise ParameterError(f"{where}.values: {key!r} is not a date (YYYY-MM-DD)") from None
        items.append((start, value))
    return sorted(items, key=lambda item: item[0])


def _reference(raw: Any, where: str) -> str:
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    if isinstance(raw, list) and raw and all(isinstance(r, str) and r.strip() for r in raw):
        return "; ".join(r.strip() for r in raw)
    raise ParameterError(f"{where}.reference: every parameter needs the document it comes from")


def _walk(node: Any, prefix: str, source: str) -> Iterable[tuple[str, dict[str, Any]]]:
    if not isinstance(node, dict):
        raise ParameterError(f"{_where(source, prefix)}: expected a mapping")
    if "values" in node:
        yield prefix, node
        return
    for key, child in node.items():
        if key in ("description", "note"):
            continue
        yield from _walk(child, f"{prefix}.{key}" if prefix else str(key), source)


def _read(path: Path | Any, source: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ParameterError(f"{source}: not valid YAML: {error}") from None


def _load_base(directory: Any) -> dict[str, Parameter]:
    base: dict[str, Parameter] = {}
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        source = f"parameters/{entry.name}"
        for name, node in _walk(_read(entry, source), entry.name[: -len(".yaml")], source):
            where = _where(source, name)
            unknown = set(node) - _LEAF_KEYS
            if unknown:
                raise ParameterError(f"{where}: unknown keys {sorted(unknown)}")
            unit = node.get("unit")
            if unit not in _UNITS:
                raise ParameterError(
                    f"{where}.unit: expected one of {sorted(_UNITS)}, got {unit!r}"
                )
            if not isinstance(node.get("description"), str):
                raise ParameterError(f"{where}.description: missing")
            nullable = bool(node.get("nullable", False))
            values = _dated(node["values"], where)
            for start, value in values:
                _check_value(unit, value, nullable, f"{where}.values.{start}")
            base[name] = Parameter(
                name,
                node["description"],
                unit,
                _reference(node.get("reference"), where),
                tuple(values),
                nullable,
            )
    return base


def _load_county(path: Any, base: Mapping[str, Parameter]) -> tuple[str, dict[str, Parameter]]:
    source = str(path) if isinstance(path, Path) else f"parameters/counties/{path.name}"
    raw = _read(path, source)
    if not isinstance(raw, dict):
        raise ParameterError(f"{source}: expected a mapping")
    code = str(raw.pop("county", ""))
    if not re.fullmatch(r"\d{6}", code) or path.name != f"{code}.yaml":
        raise ParameterError(f"{source}: county: must be the 6-digit code the file is named after")
    raw.pop("name", None)
    default_reference = raw.pop("reference", None)
    leaves = {}
    for name, node in _walk(raw, "", source):
        where = _where(source, name)
        if name not in base:
            raise ParameterError(f"{where}: no such parameter in the base tree")
        unknown = set(node) - _COUNTY_LEAF_KEYS
        if unknown:
            raise ParameterError(
                f"{where}: a county sets only values and reference, not {sorted(unknown)}"
            )
        leaf = base[name]
        values = _dated(node["values"], where)
        for start, value in values:
            _check_value(leaf.unit, value, leaf.nullable, f"{where}.values.{start}")
        reference = _reference(node.get("reference", default_reference), where)
        leaves[name] = replace(leaf, reference=reference, values=tuple(values))
    return code, leaves


@built_once
def _load(extra_dirs: tuple[str, ...]) -> Parameters:
    root = resources.files("policy").joinpath("parameters")
    base = _load_base(root)
    counties: dict[str, dict[str, Parameter]] = {}
    directories: list[Any] = [root.joinpath("counties")] + [Path(d) for d in extra_dirs]
    for directory in directories:
        if isinstance(directory, Path) and not directory.is_dir():
            raise ParameterError(f"{directory}: not a directory of county parameter files")
        for entry in sorted(directory.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                code, leaves = _load_county(entry, base)
                counties.setdefault(code, {}).update(leaves)  # later directories win per leaf
    return Parameters(base, counties)


_installed: Parameters | None = None


def install_parameters(params: Parameters | None) -> None:
    """Make ``params`` what ``load_parameters()`` returns in this process (a county's own
    folder of parameter files, read once at start); None goes back to the bundled tree."""
    global _installed
    _installed = params


def load_parameters(extra_dirs: Iterable[str | Path] = ()) -> Parameters:
    """The bundled parameters plus county files (<code>.yaml) from `extra_dirs`, cached.

    Without `extra_dirs`: the tree installed for the process, if any, else the bundled one.
    """
    if not extra_dirs and _installed is not None:
        return _installed
    return _load(tuple(str(Path(d).resolve()) for d in extra_dirs))
