"""Facts: what is known about one person and one job, the input of every assessment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from policy import ric
from policy.errors import InvalidFacts
from policy.months import Month
from policy.places import resolve_place


class Program(StrEnum):
    """The subsidies, the one definition: the database's program column takes these values."""

    TRANSPORT = "transport"  # 一次性交通补贴
    STABLE_EMPLOYMENT = "stable_employment"  # 稳岗补助
    WORKSHOP_EMPLOYMENT = "workshop_employment"  # 帮扶车间务工就业稳岗补助


class HouseholdType(StrEnum):
    POVERTY_ALLEVIATED = "poverty_alleviated"  # 脱贫户
    MONITORED = "monitored"  # 监测户 / 防止返贫致贫对象
    NONE = "none"


class WorkChannel(StrEnum):
    """How the work was found: away from home (务工), or in an assistance workshop (帮扶车间)."""

    MIGRANT = "migrant"
    WORKSHOP = "workshop"


PROGRAMS = tuple(program.value for program in Program)
HOUSEHOLD_TYPES = tuple(kind.value for kind in HouseholdType)
CHANNELS = tuple(channel.value for channel in WorkChannel)

# The order a person thinks in: where and when the work was, then the job, then who they are.
FIELD_ORDER = (
    "work_place",
    "work_from",
    "work_to",
    "same_employer",
    "monthly_wage",
    "household_type",
    "risk_eliminated",
    "birth_date",
    "home_county",
    "channel",
    "contract_months",
    "monitoring_category",
)


@dataclass(frozen=True)
class Facts:
    """One person's claim for one job in one claim `year`; None means not known.

    - `household_type`: "poverty_alleviated" (脱贫户), "monitored" (监测对象) or "none".
    - `risk_eliminated`: month the monitored household's risk was eliminated; None = still open.
    - `home_county`, `work_place`: division codes (work place 2, 4 or 6 digits).
    - `work_to` None means still working: months count up to `as_of`'s month.
    - `channel` None means not stated and is read as ordinary migrant work (外出务工): a workshop
      job is something the person knows and says.
    - `paid_programs`: programs already paid to this person for the claim year.
    """

    year: int
    household_type: str | None = None
    monitoring_category: str | None = None
    risk_eliminated: Month | None = None
    birth_date: date | None = None
    home_county: str | None = None
    work_place: str | None = None
    work_from: Month | None = None
    work_to: Month | None = None
    same_employer: bool | None = None
    monthly_wage: Decimal | int | None = None
    channel: str | None = None
    contract_months: int | None = None
    paid_programs: frozenset[str] = frozenset()
    as_of: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        if self.monthly_wage is not None and not isinstance(self.monthly_wage, Decimal):
            object.__setattr__(self, "monthly_wage", _decimal(self.monthly_wage))
        if not isinstance(self.paid_programs, frozenset):
            object.__setattr__(self, "paid_programs", frozenset(self.paid_programs))
        _validate(self)

    @classmethod
    def from_id_number(cls, id_number: str, **facts: Any) -> Facts:
        """Facts whose birth date and home county come from a resident ID number.

        The region code of the ID is the home county even when it is retired: classification
        maps it to its successor. Raises InvalidIdNumber for a malformed number.
        """
        record = ric.parse(id_number)
        facts.setdefault("birth_date", record.birth_date)
        facts.setdefault("home_county", record.region)
        return cls(**facts)

    @property
    def work_end(self) -> Month | None:
        """The last month of work: `work_to`, or `as_of`'s month while still working."""
        if self.work_from is None:
            return None
        return self.work_to if self.work_to is not None else Month.of(self.as_of)


# The facts a person or the registry states about one job: every field but the claim year, the
# date "still working" is counted to, and the informational monitoring category.
FACT_NAMES: frozenset[str] = frozenset(
    f.name for f in fields(Facts) if f.name not in {"year", "as_of", "monitoring_category"}
)


def _decimal(value: Any) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise InvalidFacts(
            f"monthly wage {value!r} is not a number", "monthly_wage", "not_a_number"
        ) from None
    if not result.is_finite():
        raise InvalidFacts(
            f"monthly wage {value!r} is not a number", "monthly_wage", "not_a_number"
        )
    return result


def _code(value: str | None, lengths: tuple[int, ...], name: str) -> None:
    if value is not None and not (value.isdigit() and len(value) in lengths):
        raise InvalidFacts(f"{name} must be a division code, got {value!r}", name, "invalid_code")


def _validate(facts: Facts) -> None:
    if not 2000 <= facts.year <= 2100:
        raise InvalidFacts(f"claim year {facts.year} is out of range", "year", "invalid_year")
    if facts.household_type is not None and facts.household_type not in HOUSEHOLD_TYPES:
        raise InvalidFacts(
            f"household type must be one of {HOUSEHOLD_TYPES}", "household_type", "invalid_choice"
        )
    if facts.channel is not None and facts.channel not in CHANNELS:
        raise InvalidFacts(f"channel must be one of {CHANNELS}", "channel", "invalid_choice")
    unknown = facts.paid_programs - set(PROGRAMS)
    if unknown:
        raise InvalidFacts(
            f"unknown program in paid_programs: {', '.join(sorted(unknown))}",
            "paid_programs",
            "unknown_program",
        )
    _code(facts.home_county, (6,), "home_county")
    _code(facts.work_place, (2, 4, 6), "work_place")
    if facts.work_to is not None and facts.work_from is None:
        raise InvalidFacts("work_to given without work_from", "work_from", "missing_start")
    if facts.work_from and facts.work_to and facts.work_to < facts.work_from:
        raise InvalidFacts(
            f"work ends ({facts.work_to}) before it starts ({facts.work_from})",
            "work_to",
            "ends_before_start",
        )
    if facts.monthly_wage is not None and facts.monthly_wage < 0:
        raise InvalidFacts("monthly wage cannot be negative", "monthly_wage", "negative")
    if facts.contract_months is not None and facts.contract_months < 0:
        raise InvalidFacts("contract months cannot be negative", "contract_months", "negative")
    if facts.birth_date and facts.work_from and facts.work_from.first_day() < facts.birth_date:
        raise InvalidFacts("work starts before the birth date", "work_from", "before_birth")


def _iso_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidFacts(f"{name} must be YYYY-MM-DD", name, "invalid_date") from None


# How a plain value of a fact becomes the typed one: (the plain type, the conversion).
_PLAIN: dict[str, tuple[type, Callable[[Any, str], Any]]] = {
    "risk_eliminated": (str, Month.parse),
    "work_from": (str, Month.parse),
    "work_to": (str, Month.parse),
    "birth_date": (str, _iso_date),
    "as_of": (str, _iso_date),
    "home_county": (int, lambda value, name: str(value)),
    "work_place": (int, lambda value, name: str(value)),
}


def facts_from_mapping(data: Mapping[str, Any]) -> Facts:
    """Facts from plain values (YAML, JSON, form fields): months as "2025-03", dates ISO, wage as
    a number, `id_number` instead of birth date and home county, `work_place` as code or name.
    """
    known = {f.name for f in fields(Facts)} | {"id_number"}
    unknown = set(data) - known
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidFacts(f"unknown fact {name!r}", name, "unknown_fact")
    values: dict[str, Any] = dict(data)
    for name, (plain, convert) in _PLAIN.items():
        if isinstance(values.get(name), plain) and not isinstance(values.get(name), bool):
            values[name] = convert(values[name], name)
    if isinstance(values.get("work_place"), str):
        values["work_place"] = resolve_place(values["work_place"])
    if values.get("paid_programs") is not None:
        values["paid_programs"] = frozenset(values["paid_programs"])
    id_number = values.pop("id_number", None)
    if id_number is not None:
        return Facts.from_id_number(str(id_number), **values)
    return Facts(**values)
