"""Cross-checks against the monitoring records: findings in SQL, decisions with the policy.

Two steps, both idempotent:

1. ``crosscheck_open`` (every open application, set-based) and ``crosscheck_application`` (one)
   run the same join (``crosscheck_sql.base_select``) into a temporary table, derive every
   finding from it with one INSERT … SELECT, and bring the ``finding`` table in line with three
   statements (delete gone, update changed, insert new): a second run writes nothing. When no
   application of the run has a finding yet (new ones; the first run after an import) the
   join, the derivation and the insert are one statement on PostgreSQL (``first_run``).
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

from db.enums import ApplicationStatus
from db.models import Application
from db.queries import crosscheck_sql as q
from db.queries.audit import Actor, change_status, record_audit
from policy import FACT_NAMES, Parameters, PolicyError, assess, facts_from_mapping, load_parameters

ACTOR = Actor.system("crosscheck")
# pg_advisory_xact_lock(class, key): "wug" + 2 (migrations use the one-number form), and the
# schema, so databases that hold several schemas (tests, staging) do not block each other.
LOCK_CLASS = 0x77756702
WORK_MEM = "64MB"  # for the set-based run's transaction only (SET LOCAL)
# A posted notice lists amounts: they do not change under it; the next review stage recomputes.
FROZEN_DECISION = frozenset({ApplicationStatus.VILLAGE_NOTICE, ApplicationStatus.TOWNSHIP_NOTICE})
OPEN = frozenset(ApplicationStatus(status) for status in q.OPEN_STATUSES)
CODES = q.CODES


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


def month_index(day: date) -> int:
    """The month index the SQL uses: 2025-03 -> 2025 * 12 + 2."""
    return day.year * 12 + day.month - 1


def equivalent_join_sql(
    dialect: str = "postgresql", *, year: int | None = None, today: date | None = None
) -> str:
    """The one SELECT a person would write to compare open applications with the registry.

    Open applications joined to person, household and each person's best-matching
    monitoring_employment record (plus the transport-paid record, the shared-account count and
    another county's claim), one row per application: the same join ``crosscheck_open`` runs
    before it derives and stores findings. The benchmark's baseline.
    """
    today_index = month_index(today or date.today())
    return q.base_select(q.Dialect(dialect), q.scope(year=year), today_index)


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
    return _refresh(session, q.scope(year=year), today or date.today(), params)


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
    counts = _refresh(session, q.scope(ids=[application_id]), day, params)
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
            sa.text(q.base_select(d, q.scope(ids=application_ids), month_index(day)))
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
        if application.status not in OPEN or application.status in FROZEN_DECISION:
            continue
        before = application.decision or {}
        facts = _with_registry(application.facts, registry[application.id])
        decision = _decide(application, facts, day, params or load_parameters())
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


def _with_registry(facts: dict[str, Any], row: Any) -> dict[str, Any]:
    """The facts with the registry's word where it is authoritative (and has one)."""
    updated = dict(facts)
    if row.has_household:
        updated["household_type"] = row.household_type
        updated["risk_eliminated"] = row.risk_month
    if row.registry_birth is not None:
        updated["birth_date"] = row.registry_birth
    return updated


def _decide(
    application: Application, facts: dict[str, Any], day: date, params: Parameters
) -> dict[str, Any]:
    known = {k: v for k, v in facts.items() if k in FACT_NAMES and v is not None}
    try:
        decision = assess(
            application.program.value,
            facts_from_mapping({**known, "year": application.year, "as_of": day.isoformat()}),
            params,
        )
    except PolicyError as error:
        # The registry contradicts the claim (work before birth…): a person must look.
        code = getattr(error, "code", type(error).__name__)
        return {
            "program": application.program.value,
            "eligible": None,
            "amount": 0,
            "reasons": ["facts_contradict_registry"],
            "missing": [],
            "review": True,
            "deadline": None,
            "details": [{"code": "facts_contradict_registry", "values": {"error": code}}],
        }
    return decision.to_dict()


def _refresh(session: Session, where: str, today: date, params: Parameters | None) -> Counts:
    d = _dialect(session)
    base, table, found = (d.temp(name) for name in (q.BASE, q.PARAMS, q.FOUND))
    for name in (base, table, found):
        session.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    tree = params or load_parameters()
    # Nothing to compare with (new applications, a first run): findings are inserted straight
    # away, on PostgreSQL in the one statement of _first_run.
    fresh = session.execute(sa.text(q.any_finding_where(where))).first() is None
    if fresh and d.postgres:
        return _first_run(session, d, where, today, tree)
    session.execute(sa.text(d.create_temp_as(q.BASE, q.base_select(d, where, month_index(today)))))
    counts = Counts()
    if d.postgres:
        # Statistics for the derivation's scans and joins (a temporary table has none).
        session.execute(sa.text(f"ANALYZE {base}"))
    counts.applications = session.execute(sa.text(f"SELECT COUNT(*) FROM {base}")).scalar_one()
    if counts.applications == 0:
        session.execute(sa.text(f"DROP TABLE IF EXISTS {base}"))
        return counts
    _fill_params(session, d, where, tree)
    derived = q.findings_select(d, base, table)
    if fresh:
        counts.findings_inserted = _rowcount(session.execute(sa.text(q.insert_all(derived))))
        tally = q.tally(
            f"(SELECT f.code FROM finding f JOIN {base} b ON b.application_id = f.application_id)"
        )
    else:
        session.execute(sa.text(d.create_temp_as(q.FOUND, derived)))
        if d.postgres:
            # A temporary table has no statistics until analysed: without them the anti-joins
            # below are estimated at one row and planned as nested loops.
            session.execute(sa.text(f"ANALYZE {found} (application_id, code)"))
        delete, update, insert = q.sync_statements(d, base, found)
        counts.findings_deleted = _rowcount(session.execute(sa.text(delete)))
        counts.findings_updated = _rowcount(session.execute(sa.text(update)))
        counts.findings_inserted = _rowcount(session.execute(sa.text(insert)))
        tally = q.tally(found)
    counts.by_code = {code: number for code, number in session.execute(sa.text(tally))}
    counts.reassess_ids = list(session.scalars(sa.text(q.reassess_select(base))))
    for name in (base, table, found):
        session.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
    return counts


def _first_run(session: Session, d: q.Dialect, where: str, today: date, tree: Parameters) -> Counts:
    """No application of ``where`` has a finding yet (new ones, the first run after an
    import): join, derive and insert in one statement (PostgreSQL)."""
    if not _fill_params(session, d, where, tree):
        return Counts()  # no open application in the scope
    table = d.temp(q.PARAMS)
    counts = Counts()
    for kind, key, number in session.execute(
        sa.text(q.first_run(d, where, month_index(today), table))
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


def _fill_params(session: Session, d: q.Dialect, where: str, tree: Parameters) -> bool:
    """The county parameters each (county, year) of the applications of ``where`` is checked
    with; False when there is no such application."""
    session.execute(
        sa.text(
            d.create_temp_as(
                q.PARAMS,
                "SELECT '' AS county, 0 AS year, 0 AS min_age, 0 AS open_risk,"
                " 0 AS month_tolerance, 0 AS wage_tolerance WHERE 1 = 0",
            )
        )
    )
    rows = []
    for county, year in session.execute(sa.text(q.param_counties(d, where))).all():
        on, overrides = date(int(year), 1, 1), county or None
        rows.append(
            {
                "county": county,
                "year": int(year),
                "min_age": int(tree.get("eligibility.min_age", on, overrides)),
                "open_risk": int(
                    bool(tree.get("eligibility.monitored_requires_open_risk", on, overrides))
                ),
                "month_tolerance": int(tree.get("checks.work_month_tolerance", on, overrides)),
                "wage_tolerance": int(tree.get("checks.wage_tolerance", on, overrides)),
            }
        )
    if not rows:
        return False
    session.execute(
        sa.text(
            f"INSERT INTO {d.temp(q.PARAMS)} (county, year, min_age, open_risk, month_tolerance,"
            " wage_tolerance) VALUES (:county, :year, :min_age, :open_risk, :month_tolerance,"
            " :wage_tolerance)"
        ),
        rows,
    )
    return True


def _lock(session: Session, *, exclusive: bool) -> None:
    if _dialect(session).postgres:
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(sa.text(f"SELECT {function}({LOCK_CLASS}, hashtext(current_schema()))"))


def _dialect(session: Session) -> q.Dialect:
    return q.Dialect(session.get_bind().dialect.name)


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
