"""The cross-check runs, what callers use: findings in SQL, decisions with the policy.

Two steps, both idempotent:

1. ``crosscheck_open`` (every open application, set-based) and ``crosscheck_application`` (one)
   run the same join (``join.base_select``) into a temporary table, derive every finding
   from it with one INSERT … SELECT (``checks``), and bring the ``finding`` table in line with three
   statements (delete gone, update changed, insert new): a second run writes nothing. When no
   application of the run has a finding yet (new ones; the first run after an import) the
   join, the derivation and the insert are one statement on PostgreSQL
   (``statements.first_run``).
2. ``reassess`` computes the decision again with ``policy`` for the applications whose registry
   facts (household type, risk, birth date) changed, or that were never checked, and moves
   ``submitted`` ones on to the village review. The set-based run only lists those ids, so the
   per-row Python work stays proportional to what changed (workers fan it out).

On PostgreSQL a set-based run holds an exclusive advisory lock and a single-application run a
shared one, so runs never interleave on the same rows; on SQLite the caller's transaction must
be a writer from its start (``db.engine.lock_for_writing``), which serialises them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.enums import ON_NOTICE_STATUSES, OPEN_STATUSES, ApplicationStatus
from db.models import Application
from db.queries.audit import Actor, change_status, record_audit
from db.queries.crosscheck.checks import findings_select
from db.queries.crosscheck.decisions import decide, with_registry
from db.queries.crosscheck.dialect import Dialect, month_index
from db.queries.crosscheck.join import BASE, base_select, scope
from db.queries.crosscheck.parameters import PARAMS, fill_params
from db.queries.crosscheck.statements import (
    FOUND,
    any_finding_where,
    first_run,
    insert_all,
    reassess_select,
    sync_statements,
    tally,
)
from policy import Parameters, load_parameters

ACTOR = Actor.system("crosscheck")
# pg_advisory_xact_lock(class, key): "wug" + 2 (migrations use the one-number form), and the
# schema, so databases that hold several schemas (tests, staging) do not block each other.
LOCK_CLASS = 0x77756702
WORK_MEM = "64MB"  # for the set-based run's transaction only (SET LOCAL)


@dataclass
class Counts:
    """What one run did; ``reassess_ids`` are the applications whose decision is due."""

    applications: int = 0
    findings_inserted: int = 0
    findings_updated: int = 0
    findings_deleted: int = 0
    by_code: dict[str, int] = field(default_factory=dict)
    reassess_ids: list[int] = field(default_factory=list)
    decisions_changed: int = 0
    moved_to_review: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "applications": self.applications,
            "findings_inserted": self.findings_inserted,
            "findings_updated": self.findings_updated,
            "findings_deleted": self.findings_deleted,
            "by_code": dict(sorted(self.by_code.items())),
            "reassess": len(self.reassess_ids),
            "decisions_changed": self.decisions_changed,
            "moved_to_review": self.moved_to_review,
        }


def crosscheck_open(
    session: Session,
    *,
    year: int | None = None,
    today: date | None = None,
    params: Parameters | None = None,
) -> Counts:
    """Refresh the findings of every open application (of ``year`` if given), set-based.

    Returns the counts and, in ``reassess_ids``, the applications to pass to ``reassess``.
    ``params`` defaults to the bundled parameter tree.
    """
    _lock(session, exclusive=True)
    if _dialect(session).postgres:
        # The ranking sorts every record of every claimant: in memory, not in temp files.
        session.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        # The planner over-estimates the materialised join and JIT-compiles the run, which
        # took a second of a five-second run over 100,000 applications and saved nothing.
        session.execute(sa.text("SET LOCAL jit = off"))
    return _refresh(session, scope(year=year), today or date.today(), params)


def crosscheck_application(
    session: Session,
    application_id: int,
    *,
    today: date | None = None,
    params: Parameters | None = None,
) -> Counts:
    """Refresh one application's findings and decision; move it to review if just submitted.

    Not open (a draft, withdrawn, approved, paid…): nothing happens and the counts are zero.
    """
    _lock(session, exclusive=False)
    locked = session.scalars(
        sa.select(Application.id).where(Application.id == application_id).with_for_update()
    ).one_or_none()
    if locked is None:
        return Counts()
    day = today or date.today()
    counts = _refresh(session, scope(ids=[application_id]), day, params)
    if counts.applications:
        changed, moved = reassess(session, [application_id], today=day, params=params)
        counts.decisions_changed, counts.moved_to_review = changed, moved
    return counts


def reassess(
    session: Session,
    application_ids: Sequence[int],
    *,
    today: date | None = None,
    params: Parameters | None = None,
) -> tuple[int, int]:
    """Recompute the decisions with the registry's facts; returns (changed, moved to review).

    Each application is locked first; one that left the open states meanwhile, or sits in a
    posted notice, keeps its decision.
    """
    if not application_ids:
        return 0, 0
    day = today or date.today()
    d = _dialect(session)
    registry = {
        row.application_id: row
        for row in session.execute(
            sa.text(base_select(d, scope(ids=application_ids), month_index(day)))
        )
    }
    applications = session.scalars(
        sa.select(Application)
        .where(Application.id.in_(list(registry)))
        .order_by(Application.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    changed = moved = 0
    for application in applications:
        if application.status not in OPEN_STATUSES or application.status in ON_NOTICE_STATUSES:
            continue
        before = application.decision or {}
        facts = with_registry(application.facts, registry[application.id])
        decision = decide(application, facts, day, params or load_parameters())
        application.facts = facts
        application.decision = decision
        application.amount_fen = int(decision["amount"]) * 100
        summary = {"eligible": decision["eligible"], "amount": decision["amount"]}
        if application.status == ApplicationStatus.SUBMITTED:
            record_audit(session, ACTOR, "crosscheck", application=application, data=summary)
            change_status(
                session, application, ApplicationStatus.VILLAGE_REVIEW, ACTOR, reason="checked"
            )
            moved += 1
        elif (before.get("eligible"), before.get("amount")) != (
            summary["eligible"],
            summary["amount"],
        ):
            previous = {"eligible": before.get("eligible"), "amount": before.get("amount")}
            record_audit(
                session,
                ACTOR,
                "crosscheck",
                application=application,
                reason="registry changed",
                data={**summary, "previous": previous},
            )
            changed += 1
    session.flush()
    return changed, moved


def _refresh(session: Session, where: str, today: date, params: Parameters | None) -> Counts:
    d = _dialect(session)
    base, table, found = (d.temp(name) for name in (BASE, PARAMS, FOUND))
    for name in (base, table, found):
        session.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    tree = params or load_parameters()
    # Nothing to compare with (new applications, a first run): findings are inserted straight
    # away, on PostgreSQL in the one statement of _first_run.
    fresh = session.execute(sa.text(any_finding_where(where))).first() is None
    if fresh and d.postgres:
        return _first_run(session, d, where, today, tree)
    session.execute(sa.text(d.create_temp_as(BASE, base_select(d, where, month_index(today)))))
    counts = Counts()
    if d.postgres:
        # Statistics for the derivation's scans and joins (a temporary table has none).
        session.execute(sa.text(f"ANALYZE {base}"))
    counts.applications = session.execute(sa.text(f"SELECT COUNT(*) FROM {base}")).scalar_one()
    if counts.applications == 0:
        session.execute(sa.text(f"DROP TABLE IF EXISTS {base}"))
        return counts
    fill_params(session, d, where, tree)
    derived = findings_select(d, base, table)
    if fresh:
        counts.findings_inserted = _rowcount(session.execute(sa.text(insert_all(derived))))
        per_code = tally(
            f"(SELECT f.code FROM finding f JOIN {base} b ON b.application_id = f.application_id)"
        )
    else:
        session.execute(sa.text(d.create_temp_as(FOUND, derived)))
        if d.postgres:
            # A temporary table has no statistics until analysed: without them the anti-joins
            # below are estimated at one row and planned as nested loops.
            session.execute(sa.text(f"ANALYZE {found} (application_id, code)"))
        delete, update, insert = sync_statements(d, base, found)
        counts.findings_deleted = _rowcount(session.execute(sa.text(delete)))
        counts.findings_updated = _rowcount(session.execute(sa.text(update)))
        counts.findings_inserted = _rowcount(session.execute(sa.text(insert)))
        per_code = tally(found)
    counts.by_code = {code: number for code, number in session.execute(sa.text(per_code))}
    counts.reassess_ids = list(session.scalars(sa.text(reassess_select(base))))
    for name in (base, table, found):
        session.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    return counts


def _first_run(session: Session, d: Dialect, where: str, today: date, tree: Parameters) -> Counts:
    """No application of ``where`` has a finding yet (new ones, the first run after an
    import): join, derive and insert in one statement (PostgreSQL)."""
    if not fill_params(session, d, where, tree):
        return Counts()  # no open application in the scope
    table = d.temp(PARAMS)
    counts = Counts()
    for kind, key, number in session.execute(
        sa.text(first_run(d, where, month_index(today), table))
    ):
        if kind == "code":
            counts.by_code[key] = number
        elif kind == "reassess":
            counts.reassess_ids.append(int(key))
        else:
            counts.applications = number
    counts.findings_inserted = sum(counts.by_code.values())
    counts.reassess_ids.sort()
    session.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    return counts


def _lock(session: Session, *, exclusive: bool) -> None:
    if _dialect(session).postgres:
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(sa.text(f"SELECT {function}({LOCK_CLASS}, hashtext(current_schema()))"))


def _dialect(session: Session) -> Dialect:
    return Dialect(session.get_bind().dialect.name)


def _rowcount(result: Any) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def findings_of(session: Session, application_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{application id: {code: (severity, registry values)}} — what reviewers and tests read."""
    from db.models import Finding

    result: dict[int, dict[str, Any]] = {}
    rows = session.scalars(
        sa.select(Finding).where(Finding.application_id.in_(list(application_ids)))
    )
    for finding in rows:
        result.setdefault(finding.application_id, {})[finding.code] = (
            finding.severity.value,
            finding.registry_values,
        )
    return result
