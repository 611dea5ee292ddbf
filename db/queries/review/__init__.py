"""The review chain: the one place deciding who may do what where, and the steps of one claim.

Callers import from here (``from db.queries import review as rules``); the package is split by
concern:

- ``rules`` — the roles' actions and region scopes (``authorize``), the level a claim waits at
  and whether anyone there can act on it (``unstaffed``), what a staff member may see.
- ``steps`` — a reviewer's steps: approve (onto the draft notice), confirm at the county,
  return for correction, reject; a reason for approving over a blocking finding.
- ``corrections`` — putting a claim right: the applicant's corrected facts, the county giving a
  claim its village.
- ``errors`` — the refusals, each with the ``code`` of its case.

The chain's other steps build on these: ``review_queue`` (the queues), ``notices`` (公示),
``objections`` and ``roster_notes``.
"""

from db.queries.review.corrections import assign_region, may_follow, resubmit
from db.queries.review.errors import (
    NotAllowed,
    NotAtThisStep,
    NoteRequired,
    NothingToPost,
    ReasonRequired,
    ReviewError,
)
from db.queries.review.rules import (
    AFTER_NOTICE,
    ALLOWED,
    NOTICE_LEVEL,
    NOTICE_STATUS,
    REGION_LENGTH,
    REVIEW_ACTIONS,
    REVIEW_STATUS,
    SCOPE_LENGTH,
    WAITS_FOR,
    Action,
    Unstaffed,
    authorize,
    notice_region,
    precheck,
    staff_of,
    unstaffed,
    unstaffed_condition,
    view,
)
from db.queries.review.steps import (
    approve,
    blocking_findings,
    confirm,
    draft_notice,
    reject,
    return_for_correction,
)

__all__ = [
    "AFTER_NOTICE",
    "ALLOWED",
    "NOTICE_LEVEL",
    "NOTICE_STATUS",
    "REGION_LENGTH",
    "REVIEW_ACTIONS",
    "REVIEW_STATUS",
    "SCOPE_LENGTH",
    "WAITS_FOR",
    "Action",
    "NotAllowed",
    "NotAtThisStep",
    "NoteRequired",
    "NothingToPost",
    "ReasonRequired",
    "ReviewError",
    "Unstaffed",
    "approve",
    "assign_region",
    "authorize",
    "blocking_findings",
    "confirm",
    "draft_notice",
    "may_follow",
    "notice_region",
    "precheck",
    "reject",
    "resubmit",
    "return_for_correction",
    "staff_of",
    "unstaffed",
    "unstaffed_condition",
    "view",
]
