"""The cross-check's SQL for PostgreSQL and SQLite: one join gathers, one insert derives findings.

Statements are rendered as text because the same join runs as a benchmark baseline and must read
the same on both databases; only integers (months, years, ids) are ever put into the text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Statuses whose findings are kept fresh: everything between submission and approval.
OPEN_STATUSES = (
    "submitted",
    "checking",
    "village_review",
    "returned",
    "village_notice",
    "township_review",
    "township_notice",
    "county_review",
    "on_hold",
)
# A claim that never went anywhere or was refused does not count as a second claim.
DEAD_STATUSES = ("draft", "withdrawn", "rejected")
# 就业渠道 that the national system counts as work inside the home county (docs/domain.md §2.3).
IN_COUNTY_CHANNELS = ("帮扶车间", "公益岗位", "公益性岗位")

BASE = "crosscheck_base"
PARAMS = "crosscheck_params"
FOUND = "crosscheck_found"


@dataclass(frozen=True)
class Dialect:
    """The few spellings where PostgreSQL and SQLite differ."""

    name: str

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    def fact(self, key: str) -> str:
        """A fact of the application's JSON ``facts`` as text (NULL when absent or null)."""
        if self.postgres:
            return f"(a.facts ->> '{key}')"
        return f"json_extract(a.facts, '$.{key}')"

    def number(self, expression: str) -> str:
        return f"CAST({expression} AS {'NUMERIC' if self.postgres else 'REAL'})"

    def month_of_date(self, column: str) -> str:
        """Months since year 0 of a DATE column: 2025-03-01 -> 2025 * 12 + 2."""
        if self.postgres:
            return (
                f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12"
                f" + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"
            )
        return month_of_text(column)

    def iso_month(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM')" if self.postgres else f"substr({column}, 1, 7)"

    def iso_date(self, column: str) -> str:
        return f"to_char({column}, 'YYYY-MM-DD')" if self.postgres else column

    def greatest(self, *items: str) -> str:
        return f"{'GREATEST' if self.postgres else 'MAX'}({', '.join(items)})"

    def least(self, *items: str) -> str:
        return f"{'LEAST' if self.postgres else 'MIN'}({', '.join(items)})"

    def json(self, pairs: Iterable[tuple[str, str]]) -> str:
        # json, not jsonb: written once and shown as written (see the Finding model).
        function = "json_build_object" if self.postgres else "json_object"
        arguments = ", ".join(f"'{key}', {value}" for key, value in pairs)
        return f"{function}({arguments})"

    def json_differs(self, left: str, right: str) -> str:
        # JSON is kept as text: compare the parsed (PostgreSQL) or minified (SQLite) forms.
        if self.postgres:
            return f"CAST({left} AS jsonb) <> CAST({right} AS jsonb)"
        return f"json({left}) <> json({right})"

    def temp(self, name: str) -> str:
        return f"pg_temp.{name}" if self.postgres else f"temp.{name}"

    def create_temp_as(self, name: str, select: str) -> str:
        drop = " ON COMMIT DROP" if self.postgres else ""
        return f"CREATE TEMP TABLE {name}{drop} AS {select}"


def month_of_text(expression: str) -> str:
    """Months since year 0 of 'YYYY-MM' or 'YYYY-MM-DD' text."""
    return (
        f"(CAST(substr({expression}, 1, 4) AS INTEGER) * 12"
        f" + CAST(substr({expression}, 6, 2) AS INTEGER) - 1)"
    )


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


def scope(*, year: int | None = None, ids: Iterable[int] | None = None) -> str:
    """The WHERE clause over ``application a``: open, of one year and/or of the given ids."""
    parts = [f"a.status IN ({_quoted(OPEN_STATUSES)})"]
    if year is not None:
        parts.append(f"a.year = {int(year)}")
    if ids is not None:
        listed = ", ".join(str(int(i)) for i in ids) or "NULL"
        parts.append(f"a.id IN ({listed})")
    return " AND ".join(parts)


def base_select(d: Dialect, where: str, today: int) -> str:
    """One row per application in ``where``: the claim, the registry, the best work record.

    The best record is the one overlapping the claimed months most (then the nearest start,
    then the latest); open-ended periods run to ``today`` (a month index). Each side is read
    once: the claims' JSON in ``claim``, the records through one hash join ranked by a window
    function, so the work grows with the rows and not with rows times records.
    """
    work_from, work_to = d.fact("work_from"), d.fact("work_to")
    birth = f"COALESCE({d.iso_date('p.birth_date')}, {d.fact('birth_date')})"
    from_year, from_month = (
        f"CAST(substr({work_from}, {i}, {n}) AS INTEGER)" for i, n in ((1, 4), (6, 2))
    )
    birth_year, birth_month, birth_day = (
        f"CAST(substr({birth}, {i}, {n}) AS INTEGER)" for i, n in ((1, 4), (6, 2), (9, 2))
    )
    # As the policy counts it: age on the first day of the month the work started.
    age = (
        f"{from_year} - {birth_year} - CASE WHEN {from_month} < {birth_month} OR "
        f"({from_month} = {birth_month} AND {birth_day} > 1) THEN 1 ELSE 0 END"
    )
    record_start = d.month_of_date("m.start_month")
    record_end = f"COALESCE({d.month_of_date('m.end_month')}, {today})"
    overlap = f"{d.least('c.claim_end', record_end)} - {d.greatest('c.claim_start', record_start)}"
    return f"""
WITH claim AS (
  SELECT a.id AS application_id, a.person_id AS person_id, a.program AS program,
    a.year AS year, a.status AS status, a.region_code AS region_code,
    COALESCE(substr(a.region_code, 1, 6), {d.fact("home_county")}) AS home,
    {param_county(d)} AS param_county,
    {d.fact("work_place")} AS declared_place,
    {work_from} AS declared_from,
    {work_to} AS declared_to,
    {d.number(d.fact("monthly_wage"))} AS declared_wage,
    COALESCE({month_of_text(work_from)}, {today}) AS claim_start,
    COALESCE({month_of_text(work_to)}, {today}) AS claim_end,
    {d.fact("household_type")} AS facts_household,
    {d.fact("risk_eliminated")} AS facts_risk,
    {d.fact("birth_date")} AS facts_birth,
    {birth} AS birth_date,
    CASE WHEN {birth} IS NOT NULL AND {work_from} IS NOT NULL THEN {age} END AS age_at_start,
    {d.iso_date("p.birth_date")} AS registry_birth,
    p.household_id AS household_id, p.account_index AS account_index,
    a.account_index AS claim_account
  FROM application a JOIN person p ON p.id = a.person_id
  WHERE {where}
),
ranked AS (
  SELECT c.application_id AS application_id, m.id AS record_id,
    m.work_county_code AS record_place, m.work_place AS record_place_text,
    {d.iso_month("m.start_month")} AS record_start, {d.iso_month("m.end_month")} AS record_end,
    {record_start} AS record_start_index, {record_end} AS record_end_index,
    m.monthly_income_fen AS income_fen, m.channel AS channel, m.employer_name AS employer,
    ROW_NUMBER() OVER (PARTITION BY c.application_id
      ORDER BY {overlap} DESC, ABS({record_start} - c.claim_start), m.start_month DESC,
        m.id DESC) AS place_in_rank
  FROM claim c JOIN monitoring_employment m ON m.person_id = c.person_id
),
paid AS (
  SELECT c.application_id AS application_id, m.transport_subsidy_fen AS transport_subsidy_fen,
    {d.iso_month("m.start_month")} AS paid_start, {d.iso_month("m.end_month")} AS paid_end,
    ROW_NUMBER() OVER (PARTITION BY c.application_id
      ORDER BY m.transport_subsidy_fen DESC, m.id) AS place_in_rank
  FROM claim c JOIN monitoring_employment m ON m.person_id = c.person_id
  WHERE c.program = 'transport' AND m.transport_subsidy_fen > 0
    AND {record_start} <= c.year * 12 + 11 AND {record_end} >= c.year * 12
),
other AS (
  SELECT c.application_id AS application_id, MIN(a2.id) AS other_application_id
  FROM claim c JOIN application a2 ON a2.person_id = c.person_id AND a2.year = c.year
  WHERE a2.id <> c.application_id AND a2.status NOT IN ({_quoted(DEAD_STATUSES)})
    AND substr(a2.region_code, 1, 6) <> substr(c.region_code, 1, 6)
  GROUP BY c.application_id
),
shared AS (
  SELECT c.application_id AS application_id, COUNT(*) AS other_persons
  FROM claim c JOIN person p2 ON p2.account_index = c.account_index
  WHERE p2.id <> c.person_id
  GROUP BY c.application_id
),
card AS (
  SELECT c.application_id AS application_id,
    COUNT(DISTINCT a3.person_id) AS card_households, MIN(a3.id) AS card_application_id,
    MIN(a3.year) AS card_year
  FROM claim c JOIN application a3 ON a3.account_index = c.claim_account
  JOIN person p3 ON p3.id = a3.person_id
  WHERE a3.person_id <> c.person_id AND a3.status NOT IN ({_quoted(DEAD_STATUSES)})
    AND substr(a3.region_code, 1, 6) = substr(c.region_code, 1, 6)
    AND (p3.household_id IS NULL OR c.household_id IS NULL OR p3.household_id <> c.household_id)
  GROUP BY c.application_id
)
SELECT
  c.application_id, c.person_id, c.program, c.year, c.status, c.home, c.param_county,
  c.declared_place, c.declared_from, c.declared_to, c.declared_wage, c.claim_start,
  c.claim_end,
  CASE WHEN h.id IS NULL THEN 0 ELSE 1 END AS has_household,
  h.household_type AS household_type,
  h.monitoring_category AS monitoring_category,
  CASE WHEN h.risk_eliminated THEN {d.iso_month("h.risk_eliminated_month")} END AS risk_month,
  c.registry_birth, c.birth_date, c.age_at_start,
  c.facts_household, c.facts_risk, c.facts_birth,
  r.record_id, r.record_place, r.record_place_text, r.record_start, r.record_end,
  r.record_start_index, r.record_end_index, r.income_fen, r.channel, r.employer,
  pd.transport_subsidy_fen, pd.paid_start, pd.paid_end,
  COALESCE(s.other_persons, 0) AS other_persons,
  COALESCE(cd.card_households, 0) AS card_households, cd.card_application_id, cd.card_year,
  o.other_application_id,
  substr(ao.region_code, 1, 6) AS other_county
FROM claim c
LEFT JOIN household h ON h.id = c.household_id
LEFT JOIN ranked r ON r.application_id = c.application_id AND r.place_in_rank = 1
LEFT JOIN paid pd ON pd.application_id = c.application_id AND pd.place_in_rank = 1
LEFT JOIN shared s ON s.application_id = c.application_id
LEFT JOIN card cd ON cd.application_id = c.application_id
LEFT JOIN other o ON o.application_id = c.application_id
LEFT JOIN application ao ON ao.id = o.other_application_id
"""


def checks(d: Dialect) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """Each check over a ``base`` row ``b`` and its county's parameters ``q``: (code, severity,
    condition, the registry values kept as evidence)."""
    record = [
        ("place_code", "b.record_place"),
        ("place", "b.record_place_text"),
        ("start", "b.record_start"),
        ("end", "b.record_end"),
    ]
    year_start, year_end = "b.year * 12", "b.year * 12 + 11"
    # Periods are compared inside the claim year: work that goes on into the next year, or
    # began the year before, is the same job.
    claim_from = d.greatest("b.claim_start", year_start)
    claim_to = d.least("b.claim_end", year_end)
    record_from = d.greatest("b.record_start_index", year_start)
    record_to = d.least("b.record_end_index", year_end)
    declared_in = "substr(b.record_place, 1, length(b.declared_place)) = b.declared_place"
    record_in = "substr(b.declared_place, 1, length(b.record_place)) = b.record_place"
    declared_in_home = "substr(b.home, 1, length(b.declared_place)) = b.declared_place"
    return [
        (
            "registry_work_record",
            "'info'",
            "b.record_id IS NOT NULL",
            [
                *record,
                ("income_fen", "b.income_fen"),
                ("employer", "b.employer"),
                ("channel", "b.channel"),
            ],
        ),
        ("no_registry_work_record", "'warning'", "b.record_id IS NULL", []),
        (
            "registry_household_not_eligible",
            "'error'",
            "b.has_household = 0 OR b.household_type = 'none'",
            [("household_type", "b.household_type")],
        ),
        (
            "risk_eliminated_before_work",
            "'error'",
            "b.household_type = 'monitored' AND b.risk_month IS NOT NULL AND q.open_risk = 1"
            f" AND {month_of_text('b.risk_month')} <= b.claim_start",
            [
                ("household_type", "b.household_type"),
                ("monitoring_category", "b.monitoring_category"),
                ("risk_eliminated", "b.risk_month"),
                ("work_from", "b.declared_from"),
            ],
        ),
        (
            "work_place_mismatch",
            "CASE WHEN substr(b.record_place, 1, 2) <> substr(b.declared_place, 1, 2)"
            f" OR (b.record_place = b.home AND NOT ({declared_in_home}))"
            " THEN 'error' ELSE 'warning' END",
            "b.record_place IS NOT NULL AND b.declared_place IS NOT NULL"
            f" AND NOT ({declared_in}) AND NOT ({record_in})",
            [*record, ("declared", "b.declared_place")],
        ),
        (
            "work_period_mismatch",
            "'warning'",
            "b.record_id IS NOT NULL AND b.declared_from IS NOT NULL AND"
            f" (ABS({claim_from} - {record_from}) > q.month_tolerance"
            f" OR ABS({claim_to} - {record_to}) > q.month_tolerance)",
            [
                *record,
                ("declared_from", "b.declared_from"),
                ("declared_to", "b.declared_to"),
                ("tolerance_months", "q.month_tolerance"),
            ],
        ),
        (
            "wage_mismatch",
            "'warning'",
            "b.income_fen > 0 AND b.declared_wage IS NOT NULL"
            " AND ABS(b.declared_wage * 100 - b.income_fen) * 100"
            " > q.wage_tolerance * b.income_fen",
            [
                *record,
                ("declared_wage_fen", "CAST(ROUND(b.declared_wage * 100) AS BIGINT)"),
                ("income_fen", "b.income_fen"),
                ("tolerance_percent", "q.wage_tolerance"),
            ],
        ),
        (
            "channel_in_county_only",
            "'error'",
            f"b.channel IN ({_quoted(IN_COUNTY_CHANNELS)}) AND (b.program = 'transport'"
            f" OR (b.declared_place IS NOT NULL AND NOT ({declared_in_home}))"
            " OR (length(b.record_place) = 6 AND b.record_place <> b.home))",
            [*record, ("channel", "b.channel"), ("declared", "b.declared_place")],
        ),
        (
            "transport_already_paid",
            "'error'",
            "b.program = 'transport' AND b.transport_subsidy_fen > 0",
            [
                ("transport_subsidy_fen", "b.transport_subsidy_fen"),
                ("start", "b.paid_start"),
                ("end", "b.paid_end"),
                ("year", "b.year"),
            ],
        ),
        (
            "under_min_age",
            "'error'",
            "b.age_at_start < q.min_age",
            [
                ("birth_date", "b.birth_date"),
                ("age", "b.age_at_start"),
                ("min_age", "q.min_age"),
                ("work_from", "b.declared_from"),
            ],
        ),
        (
            "bank_account_shared",
            "'warning'",
            "b.other_persons > 0",
            [("other_persons", "b.other_persons")],
        ),
        (
            # One card paid for people of other households in the county: a second look
            # before approving (a family's shared card is one household, so not flagged).
            "card_on_other_households_claims",
            "'error'",
            "b.card_households > 0",
            [
                ("other_persons", "b.card_households"),
                ("other_application_id", "b.card_application_id"),
                ("year", "b.card_year"),
            ],
        ),
        (
            "claimed_in_two_counties",
            "'error'",
            "b.other_application_id IS NOT NULL",
            [
                ("county", "b.home"),
                ("other_county", "b.other_county"),
                ("other_application_id", "b.other_application_id"),
                ("year", "b.year"),
            ],
        ),
    ]


def findings_select(d: Dialect, base: str, params: str) -> str:
    """Every finding of every application in ``base``, one SELECT per check, UNION ALL."""
    source = f"FROM {base} b JOIN {params} q ON q.county = b.param_county AND q.year = b.year"
    if d.postgres:
        # One pass over the applications: for each, a LATERAL list of the checks that hold,
        # each a one-row SELECT whose values are built only when its condition does. (A
        # VALUES list of every check, filtered afterwards, made 12 rows per application and
        # cost twice as much.)
        holding = "\n  UNION ALL ".join(
            f"SELECT '{code}', CAST({severity} AS VARCHAR(32)), {d.json(values)} WHERE {condition}"
            for code, severity, condition, values in checks(d)
        )
        return (
            "SELECT b.application_id AS application_id, v.code AS code,"
            " v.severity AS severity, v.registry_values AS registry_values"
            f" {source} CROSS JOIN LATERAL (\n  {holding}\n) AS v(code, severity, registry_values)"
        )
    selects = [
        f"SELECT b.application_id AS application_id, '{code}' AS code, {severity} AS severity,"
        f" {d.json(values)} AS registry_values {source} WHERE {condition}"
        for code, severity, condition, values in checks(d)
    ]
    return "\nUNION ALL\n".join(selects)


CODES = (
    "registry_work_record",
    "no_registry_work_record",
    "registry_household_not_eligible",
    "risk_eliminated_before_work",
    "work_place_mismatch",
    "work_period_mismatch",
    "wage_mismatch",
    "channel_in_county_only",
    "transport_already_paid",
    "under_min_age",
    "bank_account_shared",
    "card_on_other_households_claims",
    "claimed_in_two_counties",
)


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


def param_county(d: Dialect) -> str:
    """The county whose parameters an application ``a`` is checked with ('' = the default)."""
    return f"COALESCE({d.fact('home_county')}, substr(a.region_code, 1, 6), '')"


def param_counties(d: Dialect, where: str) -> str:
    """The (county, year) pairs whose parameters the applications of ``where`` are checked
    with, read from the applications alone."""
    return f"SELECT DISTINCT {param_county(d)}, a.year FROM application a WHERE {where}"


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
