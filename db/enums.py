"""The closed value sets stored in the database, as string enums with a CHECK constraint each."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

# Defined once, by the policy; stored here like the enums below.
from policy.facts import HouseholdType as HouseholdType
from policy.facts import Program as Program


def enum_type(cls: type[StrEnum], column: str) -> sa.Enum:
    """A VARCHAR(32) column type with a CHECK constraint named after the column.

    Non-native enums keep PostgreSQL and SQLite alike, and the fixed length means adding a value
    later only changes the CHECK constraint, not the column type.
    """
    return sa.Enum(
        cls,
        name=column,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class ImportKind(StrEnum):
    MONITORING = "monitoring"
    ALLOCATIONS = "allocations"
    REGIONS = "regions"


class ImportStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"
    WECHAT = "wechat"
    # The staff console (/staff): a signed-in browser session, never a conversation; its chat
    # identity holds the staff role (and lapses like the web chat's).
    CONSOLE = "console"


class StaffRole(StrEnum):
    CADRE = "cadre"
    TOWNSHIP = "township"
    COUNTY_ADMIN = "county_admin"
    CITY_ADMIN = "city_admin"


class ApplicationStatus(StrEnum):
    """The whole chain of docs/domain.md §2.7, from the first draft to the payment."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHECKING = "checking"  # cross-check against the monitoring records
    VILLAGE_REVIEW = "village_review"
    RETURNED = "returned"  # sent back to the applicant for corrections
    VILLAGE_NOTICE = "village_notice"
    TOWNSHIP_REVIEW = "township_review"
    TOWNSHIP_NOTICE = "township_notice"
    COUNTY_REVIEW = "county_review"
    APPROVED = "approved"
    ROSTER_SENT = "roster_sent"  # 花名册 sent to the finance bureau
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ON_HOLD = "on_hold"  # e.g. an objection to a notice is being looked into


# The statuses in groups, each group defined here once. Every status is exactly one of open,
# committed or dead (tests/db/test_status_groups.py holds it).
_S = ApplicationStatus
# Submitted and not yet approved: cross-checked (findings kept fresh) and reviewed.
OPEN_STATUSES = frozenset(
    {
        _S.SUBMITTED,
        _S.CHECKING,
        _S.VILLAGE_REVIEW,
        _S.RETURNED,
        _S.VILLAGE_NOTICE,
        _S.TOWNSHIP_REVIEW,
        _S.TOWNSHIP_NOTICE,
        _S.COUNTY_REVIEW,
        _S.ON_HOLD,
    }
)
# Approved: they count against the budget.
COMMITTED_STATUSES = frozenset({_S.APPROVED, _S.ROSTER_SENT, _S.PAID})
# Never went anywhere, withdrawn or refused: not a claim, so not a second claim either.
DEAD_STATUSES = frozenset({_S.DRAFT, _S.WITHDRAWN, _S.REJECTED})
# Until the county approves, the applicant may take the claim back.
WITHDRAWABLE_STATUSES = OPEN_STATUSES | {_S.DRAFT}
# Listed on a posted notice: its amounts stay as the notice shows them.
ON_NOTICE_STATUSES = frozenset({_S.VILLAGE_NOTICE, _S.TOWNSHIP_NOTICE})
# Where a claim may still change its region: before a notice listed it by its region (a
# notice, an objection to it, or the county's confirmation keep the region they were given).
MOVABLE_STATUSES = frozenset({_S.SUBMITTED, _S.VILLAGE_REVIEW, _S.TOWNSHIP_REVIEW, _S.RETURNED})


class Capacity(StrEnum):
    """In what capacity the submitter acts (委托代办, docs/domain.md §2.7 step 1)."""

    SELF = "self"
    RELATIVE = "relative"
    VILLAGE_CADRE = "village_cadre"
    RESIDENT_CADRE = "resident_cadre"  # 驻村帮扶干部
    LABOUR_AGENCY = "labour_agency"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class AttachmentKind(StrEnum):
    PLEDGE = "pledge"  # 承诺书
    DELEGATION_LETTER = "delegation_letter"  # 委托书
    EMPLOYER_CERTIFICATE = "employer_certificate"  # 务工证明
    LABOUR_CONTRACT = "labour_contract"
    WAGE_PROOF = "wage_proof"
    ID_CARD = "id_card"
    BANK_CARD = "bank_card"
    NOTICE_PHOTO = "notice_photo"
    OTHER = "other"


class ActorKind(StrEnum):
    PERSON = "person"  # a chat identity acting for itself or on someone's behalf
    STAFF = "staff"
    SYSTEM = "system"  # workers, importers, the scheduler


class NoticeLevel(StrEnum):
    VILLAGE = "village"
    TOWNSHIP = "township"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ObjectionStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"  # gave up after the allowed attempts


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class Rating(StrEnum):
    """The one-tap satisfaction answer after payment."""

    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the user blocked the bot or the chat is gone; never retried
    AMBIGUOUS = "ambiguous"  # the send timed out: it may or may not have arrived; not resent
