"""The cross-check's one join: each open application with its registry and best work record.

``base_select`` is the SELECT a person would write to compare the claims with the monitoring
records, one row per application; the checks (``checks``) are conditions over its rows. The
run keeps it in a temporary table (``BASE``), or in a CTE on a first run (``statements``);
``equivalent_join_sql`` is the same join as the benchmark's baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from db.enums import DEAD_STATUSES, OPEN_STATUSES
from db.queries.crosscheck.dialect import Dialect, month_index, month_of_text, quoted
from db.queries.crosscheck.parameters import param_county

# Findings are kept fresh for the open claims; a dead claim does not count as a second claim.
OPEN = sorted(status.value for status in OPEN_STATUSES)
DEAD = sorted(status.value for status in DEAD_STATUSES)

BASE = "crosscheck_base"  # the temporary table the join is kept in


def scope(*, year: int | None = None, ids: Iterable[int] | None = None) -> str:
    """The WHERE clause over ``application a``: open, of one year and/or of the given ids."""
    parts = [f"a.status IN ({quoted(OPEN)})"]
    if year is not None:
        parts.append(f"a.year = {int(year)}")
    if ids is not None:
        listed = ", ".join(str(int(i)) for i in ids) or "NULL"
        parts.append(f"a.id IN ({listed})")
    return " AND ".join(parts)


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
    return base_select(Dialect(dialect), scope(year=year), today_index)


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
  WHERE a2.id <> c.application_id AND a2.status NOT IN ({quoted(DEAD)})
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
  WHERE a3.person_id <> c.person_id AND a3.status NOT IN ({quoted(DEAD)})
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
