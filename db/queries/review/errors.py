"""The review chain's refusals: each names its case in ``code`` for the message shown."""

from __future__ import annotations

from db.errors import DbError


class ReviewError(DbError):
    """Base class of the review chain's refusals; ``code`` names the case for the message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class NotAllowed(ReviewError):
    """Raised when the actor's role or region does not allow the action (codes: not_staff,
    inactive, scope_mismatch, wrong_role, wrong_level, outside_region, not_yours)."""


class NotAtThisStep(ReviewError):
    """Raised when the application, notice or objection is no longer where the action needs it
    (someone else acted first, it moved on, or it was already approved at this level)."""


class NoteRequired(ReviewError):
    """Raised when returning, rejecting or resolving without saying why."""


class ReasonRequired(ReviewError):
    """Raised when approving a claim with a blocking (error) finding without saying why it is
    approved anyway; ``codes`` are those findings."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__("reason_required", ", ".join(codes))
        self.codes = codes


class NothingToPost(ReviewError):
    """Raised when a notice is posted but no application was approved for one."""
