"""Rosters (花名册) to the finance bureau: the batch of a county, year and program, and its rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from db.division_names import display_name
from db.enums import ActorKind, ApplicationStatus, Program
from db.errors import DbError
from db.models import (
    Application,
    ChatIdentity,
    Finding,
    Person,
    Region,
    RosterBatch,
    RosterStatus,
    Staff,
)
from db.queries.audit import Actor, change_status, record_audit
from db.queries.employers import employers_of
from db.types import utcnow
from db.workdays import add_workdays


class RosterError(DbError):
    """Base class of the roster errors."""


class NothingToSend(RosterError):
    """Raised when a roster is marked sent to finance but none was exported, or every claim
    in it has left the approved state since: there is nothing finance could pay."""


class RosterChanged(RosterError):
    """Raised when the roster waiting to be sent is no longer the one the clerk saw (another
    export added claims, or claims left it): nothing is marked; they download it again."""


class UnknownBatch(RosterError):
    """Raised when a roster batch number does not exist or belongs to another county."""


@dataclass(frozen=True)
class RosterEntry:
    """One line of the roster, before formatting: the claim, the person and what surrounds it."""

    application: Application
    person: Person
    township_name: str
    village_name: str
    employer: str | None
    findings: Sequence[Finding]
    delegate_name: str | None
    delegate_phone: str | None = None  # a staff delegate's mobile number, when they gave one


@dataclass(frozen=True)
class SentBatch:
    """A batch marked sent: the claims moved to roster_sent, for the notifications."""

    batch: RosterBatch
    moved: Sequence[Application]


def _in_county(county_code: str) -> sa.ColumnElement[bool]:
    return Application.region_code.startswith(county_code, autoescape=True)


def _drafts(session: Session, county_code: str, year: int, program: Program) -> list[RosterBatch]:
    return list(
        session.scalars(
            sa.select(RosterBatch)
            .where(
                RosterBatch.county_code == county_code,
                RosterBatch.year == year,
                RosterBatch.program == program,
                RosterBatch.status == RosterStatus.DRAFT,
            )
            .order_by(RosterBatch.id)
            .with_for_update()
        )
    )


def open_draft(
    session: Session, *, county_code: str, year: int, program: Program | str, actor: Actor
) -> RosterBatch:
    """The county's roster being prepared, with every approved claim not yet in a batch added
    and claims no longer approved (held by an objection, say) taken out; created when needed.

    Exporting the roster calls this, so the file and the batch later marked sent hold the same
    claims. A claim approved after the export waits for the next roster.
    """
    program = Program(program)
    drafts = _drafts(session, county_code, year, program)
    if drafts:
        draft = drafts[0]
    else:
        draft = RosterBatch(
            county_code=county_code,
            year=year,
            program=program,
            status=RosterStatus.DRAFT,
            created_by_staff_id=actor.id if actor.kind == ActorKind.STAFF else None,
        )
        session.add(draft)
        session.flush()
    # Two exports racing could each have created a draft; the older one absorbs the other.
    extra_ids = [batch.id for batch in drafts[1:]]
    members = session.scalars(
        sa.select(Application)
        .where(
            _in_county(county_code),
            Application.year == year,
            Application.program == program,
            sa.or_(
                sa.and_(
                    Application.status == ApplicationStatus.APPROVED,
                    Application.roster_batch_id.is_(None),
                ),
                Application.roster_batch_id.in_([draft.id, *extra_ids]),
            ),
        )
        .with_for_update()
    ).all()
    for application in members:
        keep = application.status == ApplicationStatus.APPROVED
        application.roster_batch_id = draft.id if keep else None
    session.flush()
    for batch in drafts[1:]:
        session.delete(batch)
    record_audit(
        session,
        actor,
        "roster_prepared",
        data={"batch": draft.id, "county": county_code, "year": year, "program": program.value},
    )
    return draft


def find_batch(session: Session, batch_id: int, county_code: str | None = None) -> RosterBatch:
    """The batch with this number, of this county when one is given; UnknownBatch otherwise."""
    batch = session.get(RosterBatch, batch_id)
    if batch is None or (county_code is not None and batch.county_code != county_code):
        raise UnknownBatch(
            f"no roster batch {batch_id}" + (f" in {county_code}" if county_code else "")
        )
    return batch


def batch_applications(session: Session, batch: RosterBatch) -> Sequence[Application]:
    """The claims of a batch in roster order: by village, then by application number."""
    return session.scalars(
        sa.select(Application)
        .where(Application.roster_batch_id == batch.id)
        .options(selectinload(Application.person), selectinload(Application.findings))
        .order_by(Application.region_code, Application.id)
    ).all()


def _region_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Register names as people write them (寺庄村, not 寺庄村委会), by code."""
    if not codes:
        return {}
    rows = session.execute(sa.select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: display_name(name) for code, name in rows}


def _delegate(session: Session, application: Application) -> tuple[str | None, str | None]:
    """The name (and a staff member's phone) of whoever applied on the person's behalf."""
    if application.submitted_by_staff_id is not None:
        staff = session.get(Staff, application.submitted_by_staff_id)
        return (None, None) if staff is None else (staff.name, staff.phone)
    if application.submitted_by_chat_identity_id is None:
        return None, None
    identity = session.get(ChatIdentity, application.submitted_by_chat_identity_id)
    if identity is None or identity.person_id is None:
        return None, None
    person = session.get(Person, identity.person_id)
    return (None if person is None else person.name), None


def roster_entries(session: Session, batch: RosterBatch) -> list[RosterEntry]:
    """Everything a roster line shows, for every claim of the batch."""
    applications = batch_applications(session, batch)
    codes = {a.region_code for a in applications if a.region_code}
    names = _region_names(session, codes | {code[:9] for code in codes})
    employers = employers_of(session, applications)
    entries = []
    for application in applications:
        village = application.region_code or ""
        township = village[:9]
        delegate = _delegate(session, application) if application.capacity.value != "self" else None
        entries.append(
            RosterEntry(
                application=application,
                person=application.person,
                township_name=names.get(township, township),
                village_name=names.get(village, village),
                employer=employers.get(application.id),
                findings=sorted(application.findings, key=lambda finding: finding.code),
                delegate_name=delegate[0] if delegate else None,
                delegate_phone=delegate[1] if delegate else None,
            )
        )
    return entries


def mark_sent(
    session: Session,
    *,
    county_code: str,
    year: int,
    program: Program | str,
    actor: Actor,
    today: date,
    working_days: int,
    expected: tuple[int, int] | None = None,
) -> SentBatch:
    """Mark the exported roster sent to finance: payment is due ``working_days`` working days
    after ``today`` on the Chinese calendar, and its approved claims move to roster_sent.
    ``expected``: the (batch, approved claims) the clerk saw (`exported`); RosterChanged when
    the roster is another by now.

    Raises NothingToSend when no roster was exported, UnknownCalendarYear when the due date
    falls in a year the calendar does not know (nothing is changed then).
    """
    program = Program(program)
    drafts = _drafts(session, county_code, year, program)
    if not drafts:
        raise NothingToSend(
            f"no roster of {county_code} for {program.value} {year} is waiting to be sent: "
            "export it first"
        )
    batch = drafts[0]
    if expected is not None and _approved_in(session, batch) != expected:
        raise RosterChanged(f"roster batch {batch.id} changed since it was shown")
    due_date = add_workdays(today, working_days)
    moved = []
    for application in batch_applications(session, batch):
        if application.status != ApplicationStatus.APPROVED:
            application.roster_batch_id = None
            continue
        change_status(
            session,
            application,
            ApplicationStatus.ROSTER_SENT,
            actor,
            reason="roster sent to finance",
            data={"batch": batch.id, "due_date": due_date.isoformat()},
        )
        moved.append(application)
    if not moved:
        raise NothingToSend(f"roster batch {batch.id} has no approved claims left")
    batch.status = RosterStatus.SENT
    batch.sent_at = utcnow()
    batch.due_date = due_date
    record_audit(
        session,
        actor,
        "roster_sent",
        data={"batch": batch.id, "applications": len(moved), "due_date": due_date.isoformat()},
    )
    return SentBatch(batch, moved)


def _approved_in(session: Session, batch: RosterBatch) -> tuple[int, int]:
    count = session.scalar(
        sa.select(sa.func.count()).where(
            Application.roster_batch_id == batch.id,
            Application.status == ApplicationStatus.APPROVED,
        )
    )
    return batch.id, int(count or 0)


def exported(
    session: Session, *, county_code: str, year: int, program: Program | str
) -> tuple[int, int] | None:
    """The roster exported and waiting to be marked sent: its batch and how many approved
    claims it holds (what `mark_sent` is told to expect); None when none was exported."""
    drafts = _drafts(session, county_code, year, Program(program))
    return _approved_in(session, drafts[0]) if drafts else None


def waiting_for_roster(
    session: Session, *, county_code: str, year: int, program: Program | str
) -> tuple[int, int]:
    """How many of the county's claims of the program and year are approved and wait for the
    roster, and their sum in fen."""
    count, total = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Application.amount_fen), 0)).where(
            _in_county(county_code),
            Application.year == year,
            Application.program == Program(program),
            Application.status == ApplicationStatus.APPROVED,
        )
    ).one()
    return int(count), int(total or 0)


def recent_batches(
    session: Session,
    *,
    county_code: str,
    year: int,
    program: Program | str | None = None,
    limit: int = 3,
) -> Sequence[RosterBatch]:
    """The county's rosters of the year (and program) sent to finance, the newest first."""
    statement = sa.select(RosterBatch).where(
        RosterBatch.county_code == county_code,
        RosterBatch.year == year,
        RosterBatch.status != RosterStatus.DRAFT,
    )
    if program is not None:
        statement = statement.where(RosterBatch.program == Program(program))
    return session.scalars(statement.order_by(RosterBatch.id.desc()).limit(limit)).all()
