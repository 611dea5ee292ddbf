"""Application: one claim of one person for one program and year, through the whole chain."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from db.base import Base, IdMixin, TimestampMixin
from db.crypto import EncryptedString, blind_index
from db.enums import ApplicationStatus, Capacity, Program, enum_type
from db.pii import normalize_account
from db.types import UtcDateTime, json_type

if TYPE_CHECKING:
    from db.models.attachment import Attachment
    from db.models.finding import Finding
    from db.models.person import Person


class Application(IdMixin, TimestampMixin, Base):
    """The database allows one counting application per person, program and year: a withdrawn
    or returned claim is taken up again in the same row, never duplicated.

    A claim made in a chat not verified as its person (``identity_verified`` false) is a draft
    that holds nothing: it is outside that uniqueness, never reviewed, and becomes a counting
    claim only when its author is verified as the person (db.queries.drafts).

    ``facts`` and ``decision`` are snapshots of the policy engine's input and output at the
    last assessment. ``amount_fen`` is in fen (1/100 CNY). The bank account is copied at
    submission, so a later change of the person's account does not redirect this payment.
    """

    __tablename__ = "application"
    __table_args__ = (
        sa.Index(
            "uq_application_counting",
            "person_id",
            "program",
            "year",
            unique=True,
            postgresql_where=sa.text("identity_verified"),
            sqlite_where=sa.text("identity_verified"),
        ),
        # The console's work queue pages by age: oldest (or newest) first, then by id.
        sa.Index("ix_application_submitted_at", "submitted_at", "id"),
        # The staff console's dashboard reads a county's claims of a year from these alone
        # (index-only scans; migration 0019): status, money, payment and answers in one pass…
        sa.Index(
            "ix_application_dashboard",
            "year",
            "region_code",
            "status",
            "program",
            "identity_verified",
            "amount_fen",
            "roster_batch_id",
            "paid_at",
            "id",
        ),
        # …and the submissions per week of two years.
        sa.Index(
            "ix_application_submitted",
            "submitted_at",
            "region_code",
            "status",
            "identity_verified",
        ),
    )

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    program: Mapped[Program] = mapped_column(enum_type(Program, "program"))
    year: Mapped[int]
    region_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)  # village
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_type(ApplicationStatus, "status"), default=ApplicationStatus.DRAFT, index=True
    )
    facts: Mapped[dict[str, Any]] = mapped_column(json_type(), default=dict)
    decision: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    amount_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    submitted_by_chat_identity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chat_identity.id")
    )
    submitted_by_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    capacity: Mapped[Capacity] = mapped_column(
        enum_type(Capacity, "capacity"), default=Capacity.SELF
    )
    consent_kind: Mapped[str | None] = mapped_column(sa.String(32))
    consent_ref: Mapped[str | None] = mapped_column(sa.String(255))
    bank_name: Mapped[str | None] = mapped_column(sa.String(100))
    bank_account_snapshot: Mapped[str | None] = mapped_column(EncryptedString)
    # The blind index of the card paid to: the cross-check finds one card on claims of several
    # households without decrypting anything.
    account_index: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The reviewer's words when returning for correction or rejecting, shown to the applicant.
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    # What a reviewer wants the finance bureau to read in the roster's 备注 column; set only on
    # purpose (db.queries.roster_notes), never copied from the words sent to the applicant.
    roster_note: Mapped[str | None] = mapped_column(sa.Text)
    roster_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roster_batch.id"), index=True
    )
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payment_ref: Mapped[str | None] = mapped_column(sa.String(64))  # the bank's reference
    # False: made in a chat not verified as the person, a draft that holds nothing.
    identity_verified: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    person: Mapped[Person] = relationship()
    findings: Mapped[list[Finding]] = relationship(
        back_populates="application",
        primaryjoin="Application.id == foreign(Finding.application_id)",
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="application")

    @validates("bank_account_snapshot")
    def _index_account(self, key: str, value: str | None) -> str | None:
        normalized = None if value is None else normalize_account(value)
        self.account_index = None if normalized is None else blind_index("account", normalized)
        return normalized
