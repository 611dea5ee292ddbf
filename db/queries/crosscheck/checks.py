"""The checks: what each finding code means in SQL over one row of the join, and their SELECT.

Each check is a condition over a row ``b`` of the join (``join.base_select``) and the
parameters ``q`` of its county and year (``parameters``), with a severity and the registry values
kept as the finding's evidence. ``findings_select`` turns the list into the one SELECT of every
finding of every application, which the run inserts or compares with the stored ones.
"""

from __future__ import annotations

from db.queries.crosscheck.dialect import Dialect, month_of_text, quoted

# 就业渠道 that the national system counts as work inside the home county (docs/domain.md §2.3).
IN_COUNTY_CHANNELS = ("帮扶车间", "公益岗位", "公益性岗位")


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
            f"b.channel IN ({quoted(IN_COUNTY_CHANNELS)}) AND (b.program = 'transport'"
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
