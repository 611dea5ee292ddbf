"""What an assessment returns: a Decision per program with coded Reasons (no prose).

Wording for people comes later through gettext keyed by `Reason.code`. Hints about what would
change a refusal live in the reason's values: `needs_months` / `needs_wage` (how far off the
condition is) and `amount_if_met` (the amount the person would get if this were the only unmet
condition; present only then, so a chat can say "one more month and you get 1200").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Reason:
    """Why a decision came out as it did: a stable code, the values that decided it, the source."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome for one program.

    `eligible` is None when the facts given cannot decide; `missing` then names the Facts fields
    that would, in the order a person thinks of them. `amount` is in CNY, 0 unless eligible.
    `review` asks a person to look (an unresolved rule, a data warning, an undocumented year).
    """

    program: str
    eligible: bool | None
    amount: int
    reasons: tuple[Reason, ...] = ()
    missing: tuple[str, ...] = ()
    deadline: date | None = None
    review: bool = False

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    def reason(self, code: str) -> Reason | None:
        """The first reason with this code, if any."""
        return next((reason for reason in self.reasons if reason.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form: the five contract keys plus details, review and deadline."""
        return {
            "program": self.program,
            "eligible": self.eligible,
            "amount": self.amount,
            "reasons": list(self.reason_codes),
            "missing": list(self.missing),
            "review": self.review,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "details": [
                {"code": r.code, "values": r.values, "reference": r.reference} for r in self.reasons
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, program: str, amount: int) -> Decision:
        """The decision a stored ``to_dict`` snapshot describes (a claim's ``decision``), with
        the claim's own program and amount (in CNY), for the plain-words text."""
        deadline = data.get("deadline")
        return cls(
            program=program,
            eligible=data.get("eligible"),
            amount=amount,
            reasons=tuple(
                Reason(d.get("code", ""), d.get("values") or {}, d.get("reference"))
                for d in data.get("details", [])
            ),
            missing=tuple(data.get("missing", [])),
            deadline=date.fromisoformat(deadline) if deadline else None,
            review=bool(data.get("review")),
        )
