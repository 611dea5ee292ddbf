"""The statements that store the findings: in line with what was stored, or all new at once.

A later run brings the ``finding`` table in line with three statements (delete gone, update
changed, insert new: ``sync_statements``); a run where no application has a finding yet inserts
them all (``insert_all``), on PostgreSQL with the join and the derivation in one statement
(``first_run``). ``reassess_select`` lists the applications whose decision is due again.
"""

from __future__ import annotations

from db.queries.crosscheck.checks import findings_select
from db.queries.crosscheck.dialect import Dialect
from db.queries.crosscheck.join import base_select

FOUND = "crosscheck_found"  # the temporary table of the findings a run derived


def sync_statements(d: Dialect, base: str, found: str) -> tuple[str, str, str]:
    """DELETE the findings no longer found, UPDATE the changed ones, INSERT the new ones."""
    # Stale rows are found by joins, then deleted by primary key: an IN (…) / NOT EXISTS pair
    # invites PostgreSQL to rescan the applications once per candidate row.
    delete = (
        "DELETE FROM finding WHERE (application_id, code) IN"
        " (SELECT f.application_id, f.code FROM finding f"
        f" JOIN {base} b ON b.application_id = f.application_id"
        f" LEFT JOIN {found} d ON d.application_id = f.application_id AND d.code = f.code"
        " WHERE d.application_id IS NULL)"
    )
    update = (
        f"UPDATE finding SET severity = d.severity, registry_values = d.registry_values"
        f" FROM {found} d WHERE d.application_id = finding.application_id"
        " AND d.code = finding.code AND (finding.severity <> d.severity OR"
        f" {d.json_differs('finding.registry_values', 'd.registry_values')})"
    )
    insert = (
        "INSERT INTO finding (application_id, code, severity, registry_values)"
        f" SELECT d.application_id, d.code, d.severity, d.registry_values FROM {found} d"
        " WHERE NOT EXISTS (SELECT 1 FROM finding f"
        " WHERE f.application_id = d.application_id AND f.code = d.code)"
    )
    return delete, update, insert


def any_finding_where(where: str) -> str:
    """A row when some application of the scope ``where`` (over ``application a``) already
    has a finding."""
    return (
        "SELECT 1 FROM finding f JOIN application a ON a.id = f.application_id"
        f" WHERE {where} LIMIT 1"
    )


def first_run(d: Dialect, where: str, today: int, params: str) -> str:
    """For applications none of which has a finding yet (PostgreSQL): the join, the findings
    derived from it and inserted, in one statement that answers rows of (kind, key, number):
    ('code', code, findings inserted), ('reassess', application id, 0) and
    ('applications', NULL, applications checked).

    The join is kept in memory (a MATERIALIZED CTE) rather than written to a temporary
    table, then read once for the findings and once for the counts.
    """
    return f"""
WITH b AS MATERIALIZED ({base_select(d, where, today)}),
inserted AS ({insert_all(findings_select(d, "b", params))} RETURNING code)
SELECT 'code' AS kind, code AS key, COUNT(*) AS number FROM inserted GROUP BY code
UNION ALL
SELECT 'reassess', CAST(application_id AS TEXT), 0 FROM ({reassess_select("b")}) r
UNION ALL
SELECT 'applications', NULL, COUNT(*) FROM b
"""


def insert_all(derived: str) -> str:
    """Insert every derived finding (when none of these applications has one yet)."""
    return (
        "INSERT INTO finding (application_id, code, severity, registry_values)"
        f" SELECT d.application_id, d.code, d.severity, d.registry_values FROM ({derived}) d"
    )


def tally(rows: str) -> str:
    """Findings per code among ``rows`` (a table or a parenthesised SELECT with ``code``)."""
    return f"SELECT t.code, COUNT(*) FROM {rows} t GROUP BY t.code"


def reassess_select(base: str) -> str:
    """Applications whose decision must be computed again: never checked, or the registry's
    household, risk or birth date no longer match the facts the decision was made with."""
    return f"""
SELECT b.application_id FROM {base} b
WHERE b.status = 'submitted' OR (
  b.status NOT IN ('village_notice', 'township_notice') AND (
    (b.has_household = 1 AND (COALESCE(b.facts_household, '') <> b.household_type
      OR COALESCE(b.facts_risk, '') <> COALESCE(b.risk_month, '')))
    OR (b.registry_birth IS NOT NULL AND COALESCE(b.facts_birth, '') <> b.registry_birth)))
ORDER BY b.application_id
"""
