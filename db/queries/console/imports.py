"""Imports requested by staff (in chat or on the console): the batch waiting for its file, and
which region's imports a staff member may follow.

An import belongs to the region of the staff member who requested it (the audit event
``import_requested``, written with the batch): staff of that region and above see it, its
progress and its error file; staff elsewhere do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import ActorKind, ImportKind, ImportStatus
from db.models import AuditEvent, ImportBatch, Staff
from db.queries.audit import Actor, record_audit

REQUESTED = "import_requested"


def request_import(session: Session, staff: Staff, file_name: str) -> ImportBatch:
    """A running monitoring import batch waiting for its file, and its audit event."""
    name = Path(file_name).name[:255]
    batch = ImportBatch(kind=ImportKind.MONITORING, file_name=name, sha256="")
    session.add(batch)
    session.flush()
    record_audit(
        session,
        Actor.of_staff(staff),
        REQUESTED,
        data={"import_batch_id": batch.id, "file": name, "region": staff.region_code},
    )
    return batch


@dataclass(frozen=True)
class ImportView:
    id: int
    file_name: str
    status: ImportStatus
    started_at: datetime
    finished_at: datetime | None
    rows: int
    inserted: int
    updated: int
    unchanged: int
    errors: int
    staff_name: str


def _requested(region: str) -> sa.Select[tuple[ImportBatch, str]]:
    batch_id = AuditEvent.data["import_batch_id"].as_integer()
    return (
        sa.select(ImportBatch, Staff.name)
        .join(AuditEvent, batch_id == ImportBatch.id)
        .join(Staff, Staff.id == AuditEvent.actor_id)
        .where(
            AuditEvent.action == REQUESTED,
            AuditEvent.actor_kind == ActorKind.STAFF,
            Staff.region_code.startswith(region, autoescape=True),
        )
    )


def _view(batch: ImportBatch, name: str) -> ImportView:
    return ImportView(
        id=batch.id,
        file_name=batch.file_name,
        status=batch.status,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
        rows=batch.rows,
        inserted=batch.inserted,
        updated=batch.updated,
        unchanged=batch.unchanged,
        errors=batch.errors,
        staff_name=name,
    )


def recent_imports(session: Session, region: str, limit: int = 20) -> list[ImportView]:
    """The region's latest imports requested by its staff, newest first."""
    found = session.execute(
        _requested(region)
        .order_by(ImportBatch.started_at.desc(), ImportBatch.id.desc())
        .limit(limit)
    )
    return [_view(batch, name) for batch, name in found]


def import_of(session: Session, region: str, batch_id: int) -> ImportView | None:
    """The import ``batch_id`` when staff of ``region`` may follow it, else None."""
    found = session.execute(_requested(region).where(ImportBatch.id == batch_id).limit(1)).first()
    return None if found is None else _view(*found)
