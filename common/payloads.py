"""Button payloads: what a pressed button carries back, written and read by one typed codec.

A payload kind is a frozen dataclass that subclasses `Payload` with a prefix of its own; its
fields are typed with the annotations below (a database id, a year, a small index, a short code, a
StrEnum, or one of these or None as the last field). `pack()` writes ``prefix:field:field``;
`unpack()` reads it back and raises `StaleButton` on anything malformed or out of range. A button
payload comes from the client and may be old or forged: a 20-digit id, a word where a number
belongs or a value no longer offered is re-asked (StaleButton is a Reask), never an error.

Buttons that carry nothing but a fixed word of one step ("pledge:accept", "hh:monitored") are
plain constants matched by equality (`pick`); there is nothing in them to decode.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from common.i18n import N_
from common.sending import MAX_BUTTON_VALUE_BYTES
from db.enums import Program, Rating
from db.queries.objections import Outcome

STALE = N_("That button no longer works. Please choose again.")


class StaleButton(ValueError):
    """A payload that cannot be read (malformed, out of range, or of a kind no longer offered);
    the conversation says STALE and asks the current step again."""

    message = STALE

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


@dataclass(frozen=True)
class Range:
    """An int field's bounds (inclusive)."""

    low: int
    high: int


@dataclass(frozen=True)
class Pattern:
    """A str field's shape."""

    regex: str


# The field types a payload may use.
Id = Annotated[int, Range(1, 2**31 - 1)]  # a row id (PostgreSQL integer)
Year = Annotated[int, Range(2000, 2099)]
Index = Annotated[int, Range(0, 99)]  # a position in a short list the step offered
Code = Annotated[str, Pattern(r"[0-9A-Za-z_\-]{1,24}")]  # a region code, an action name


class Payload:
    """Base class of the payload kinds; subclasses are frozen dataclasses with a prefix."""

    prefix: ClassVar[str]
    kinds: ClassVar[dict[str, type[Payload]]] = {}
    _field_types: ClassVar[list[tuple[str, Any]] | None] = None

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if ":" in prefix or not prefix:
            raise ValueError(f"payload prefix {prefix!r}: a word without ':'")
        if prefix in Payload.kinds:
            raise ValueError(f"payload prefix {prefix!r} is declared twice")
        cls.prefix = prefix
        cls._field_types = None
        Payload.kinds[prefix] = cls

    @classmethod
    def _fields(cls) -> list[tuple[str, Any]]:
        if cls._field_types is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            fields = dataclasses.fields(cls)  # type: ignore[arg-type]
            cls._field_types = [(f.name, hints[f.name]) for f in fields]
        return cls._field_types

    @staticmethod
    def kind_of(value: str) -> type[Payload] | None:
        """The payload kind a button value names by its prefix (None: no kind of ours)."""
        return Payload.kinds.get(value.split(":", 1)[0])

    def pack(self) -> str:
        """The payload as a button value; a value the codec could not read back is a bug here."""
        parts = [self.prefix]
        fields = self._fields()
        for position, (name, _) in enumerate(fields):
            value = getattr(self, name)
            if value is None:
                if position != len(fields) - 1:
                    raise ValueError(
                        f"{type(self).__name__}.{name}: only the last field may be None"
                    )
                break
            parts.append(value.value if isinstance(value, StrEnum) else str(value))
        packed = ":".join(parts)
        if len(packed.encode()) > MAX_BUTTON_VALUE_BYTES:
            raise ValueError(f"payload {packed!r} exceeds {MAX_BUTTON_VALUE_BYTES} bytes")
        try:
            same = type(self).unpack(packed) == self
        except StaleButton:
            same = False
        if not same:
            raise ValueError(f"payload {packed!r} does not read back as {self!r}")
        return packed

    @classmethod
    def matches(cls, value: str | None) -> bool:
        """Whether `value` is of this kind (by its prefix; it may still be unreadable)."""
        return value is not None and (value == cls.prefix or value.startswith(cls.prefix + ":"))

    @classmethod
    def unpack(cls, value: str) -> Self:
        """The payload `value` holds; StaleButton when it is not a readable one of this kind."""
        if len(value.encode()) > MAX_BUTTON_VALUE_BYTES or not cls.matches(value):
            raise StaleButton(value)
        raw = value.split(":")[1:]
        fields = cls._fields()
        if len(raw) > len(fields):
            raise StaleButton(value)
        values: dict[str, Any] = {}
        for position, (name, annotation) in enumerate(fields):
            if position < len(raw):
                values[name] = _read(annotation, raw[position], value)
            elif position == len(fields) - 1 and _optional(annotation):
                values[name] = None
            else:
                raise StaleButton(value)
        return cls(**values)

    @classmethod
    def read(cls, value: str | None) -> Self | None:
        """The payload when `value` is of this kind (StaleButton if unreadable), else None."""
        return cls.unpack(value) if value is not None and cls.matches(value) else None


def _optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(
        None
    ) in typing.get_args(annotation)


def _read(annotation: Any, raw: str, value: str) -> Any:
    if _optional(annotation):
        (annotation,) = [a for a in typing.get_args(annotation) if a is not type(None)]
    base, *extras = (
        typing.get_args(annotation) if typing.get_origin(annotation) is Annotated else (annotation,)
    )
    if isinstance(base, type) and issubclass(base, StrEnum):
        try:
            return base(raw)
        except ValueError:
            raise StaleButton(value) from None
    if base is int:
        bounds = next((e for e in extras if isinstance(e, Range)), None)
        # Digits only, and few of them: int() of a 5,000-digit string is slow by itself.
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            raise StaleButton(value)
        number = int(raw)
        if bounds is not None and not bounds.low <= number <= bounds.high:
            raise StaleButton(value)
        return number
    if base is str:
        shape = next((e for e in extras if isinstance(e, Pattern)), Pattern(r"[^:]{1,32}"))
        if re.fullmatch(shape.regex, raw) is None:
            raise StaleButton(value)
        return raw
    raise TypeError(f"payload field type {annotation!r} is not supported")


# The kinds. A kind's prefix is what old buttons in a chat's history carry: renaming one makes
# those buttons stale (re-asked), nothing worse.


@dataclass(frozen=True)
class Menu(Payload, prefix="menu"):
    """A main-menu action (`DialogModule.actions`)."""

    action: Code


def to_menu(action: str) -> str:
    """The value of the button that runs menu action `action`."""
    return Menu(action).pack()


@dataclass(frozen=True)
class Language(Payload, prefix="lang"):
    code: Annotated[str, Pattern(r"[A-Za-z_]{2,8}")]


class ReviewAction(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    NEXT = "next"  # skip to the claim after this one
    POST = "post"  # post the public notice of what was approved


@dataclass(frozen=True)
class Review(Payload, prefix="review"):
    action: ReviewAction
    application: Id | None = None


@dataclass(frozen=True)
class AssignVillage(Payload, prefix="assign"):
    application: Id


@dataclass(frozen=True)
class RosterNote(Payload, prefix="rnote"):
    application: Id


@dataclass(frozen=True)
class Fix(Payload, prefix="fix"):
    """Correct a claim that was returned."""

    application: Id


@dataclass(frozen=True)
class Withdraw(Payload, prefix="withdraw"):
    application: Id


@dataclass(frozen=True)
class WithdrawConfirmed(Payload, prefix="withdraw_yes"):
    application: Id


@dataclass(frozen=True)
class SeenInPerson(Payload, prefix="seen"):
    """The village cadre has seen the person of a draft claim (bot/dialogs/in_person.py)."""

    application: Id


@dataclass(frozen=True)
class Told(Payload, prefix="told"):
    """The village cadre has told a person the news no channel delivered (bot/dialogs/tell.py)."""

    entry: Id


class YesNo(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Consent(Payload, prefix="consent"):
    """The applicant's answer to a claim filed for them."""

    answer: YesNo
    application: Id


@dataclass(frozen=True)
class ObjectionTarget(Payload, prefix="objwho"):
    """Whom an objection is about: one claim of the notice, or (None) the whole notice."""

    application: Id | None = None


@dataclass(frozen=True)
class ObjectionDecision(Payload, prefix="objection"):
    outcome: Outcome
    objection: Id


class Switch(StrEnum):
    ON = "on"
    OFF = "off"


@dataclass(frozen=True)
class Reminders(Payload, prefix="reminders"):
    switch: Switch


@dataclass(frozen=True)
class Rate(Payload, prefix="sat"):
    """The satisfaction answer after payment."""

    application: Id
    rating: Rating


class BroadcastAction(StrEnum):
    SHOW = "show"
    CANCEL = "cancel"


@dataclass(frozen=True)
class BroadcastButton(Payload, prefix="bcast"):
    action: BroadcastAction
    number: Id


@dataclass(frozen=True)
class AudienceChoice(Payload, prefix="audience"):
    key: Code


@dataclass(frozen=True)
class ProgramChoice(Payload, prefix="program"):
    program: Program


@dataclass(frozen=True)
class BudgetYear(Payload, prefix="budget"):
    year: Year


@dataclass(frozen=True)
class ClaimYear(Payload, prefix="year"):
    year: Year


@dataclass(frozen=True)
class Reading(Payload, prefix="reading"):
    """One reading of an answer that could be read several ways (三千到四千): its position in
    the options the step offered (kept in the dialog state)."""

    index: Index


@dataclass(frozen=True)
class Place(Payload, prefix="place"):
    """A place of work the check offered (a division code)."""

    code: Code


@dataclass(frozen=True)
class Region(Payload, prefix="region"):
    """A township or village of the register."""

    code: Code


@dataclass(frozen=True)
class BankName(Payload, prefix="bankname"):
    index: Index


@dataclass(frozen=True)
class CorrectionPart(Payload, prefix="part"):
    part: Code


class RosterAction(StrEnum):
    PICK = "pick"
    DOWNLOAD = "dl"
    FINANCE_COPY = "fin"
    SEND = "send"
    SEND_CONFIRMED = "sendyes"


@dataclass(frozen=True)
class Roster(Payload, prefix="roster"):
    """The roster of a program's year in the admin's county."""

    action: RosterAction
    year: Year
    program: Program


class BatchAction(StrEnum):
    PAYMENTS = "pay"
    COPY = "copy"


@dataclass(frozen=True)
class RosterBatch(Payload, prefix="rbatch"):
    action: BatchAction
    batch: Id


@dataclass(frozen=True)
class Paid(Payload, prefix="paid"):
    """Record a claim of a sent roster as paid (confirmed: the second tap)."""

    application: Id
    confirmed: YesNo = YesNo.NO


@dataclass(frozen=True)
class ClaimablePage(Payload, prefix="claimable"):
    """A page of the cadre's list of people who can claim by their work records
    (bot/dialogs/records.py), counted from 0."""

    page: Index


@dataclass(frozen=True)
class ClaimFor(Payload, prefix="claimfor"):
    """Apply on behalf of a person of that list (a delegated claim, the records prefilled)."""

    person: Id
