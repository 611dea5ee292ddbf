"""The policy package's errors: one base class, one subclass per kind of bad input."""

from __future__ import annotations

from dataclasses import dataclass


class PolicyError(Exception):
    """Base class of every error raised by the policy package."""


class InvalidIdNumber(PolicyError, ValueError):
    """Raised when a resident ID number fails the GB 11643-1999 checks.

    `code` names the check that failed: "length", "characters", "birth_date" or "checksum".
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class PlaceCandidate:
    """One place a name could mean: its division code and its full name (山西省晋城市城区)."""

    code: str
    name: str


class UnknownPlace(PolicyError, LookupError):
    """Raised when a place code or name matches no administrative division."""

    def __init__(self, text: str) -> None:
        super().__init__(f"unknown place: {text!r}")
        self.text = text


class AmbiguousPlace(PolicyError, LookupError):
    """Raised when a name matches several divisions; `candidates` lets a chat offer buttons."""

    def __init__(self, text: str, candidates: tuple[PlaceCandidate, ...]) -> None:
        listed = ", ".join(f"{c.code} {c.name}" for c in candidates)
        super().__init__(f"ambiguous place {text!r}: {listed}")
        self.text = text
        self.candidates = candidates


class InvalidFacts(PolicyError, ValueError):
    """Raised when facts contradict themselves or are out of range (from after to, negative wage).

    `field` is the Facts field at fault and `code` a stable identifier of the problem.
    """

    def __init__(self, message: str, field: str, code: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


class InvalidMonth(InvalidFacts):
    """Raised when a month is not written as YYYY-MM (or YYYY年MM月, YYYYMM) or is out of range."""

    def __init__(self, text: str, field: str = "month") -> None:
        super().__init__(f"invalid month {text!r}: expected YYYY-MM", field, "invalid_month")
        self.text = text


class UnknownProgram(PolicyError, KeyError):
    """Raised when a program id is not one of PROGRAMS."""

    def __init__(self, program: str) -> None:
        super().__init__(program)
        self.program = program

    def __str__(self) -> str:
        return f"unknown program: {self.program!r}"


class ParameterError(PolicyError):
    """Raised when a parameter file is malformed or a parameter name or date has no value.

    The message names the file and the key so whoever edits the YAML can find the mistake.
    """
