"""The policy parameters the checks compare with, per county and claim year, as a table.

A county may override the bundled parameters (``policy.parameters``), so each application is
checked with those of its home county (``param_county``) for its claim year. ``fill_params``
reads them from the parameter tree once per (county, year) the run's applications have, into a
temporary table (``PARAMS``) that the checks join as ``q``.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.queries.crosscheck.dialect import Dialect
from policy import Parameters

PARAMS = "crosscheck_params"  # the temporary table of the parameters


def param_county(d: Dialect) -> str:
    """The county whose parameters an application ``a`` is checked with ('' = the default)."""
    return f"COALESCE({d.fact('home_county')}, substr(a.region_code, 1, 6), '')"


def param_counties(d: Dialect, where: str) -> str:
    """The (county, year) pairs whose parameters the applications of ``where`` are checked
    with, read from the applications alone."""
    return f"SELECT DISTINCT {param_county(d)}, a.year FROM application a WHERE {where}"


def fill_params(session: Session, d: Dialect, where: str, tree: Parameters) -> bool:
    """The county parameters each (county, year) of the applications of ``where`` is checked
    with; False when there is no such application."""
    session.execute(
        sa.text(
            d.create_temp_as(
                PARAMS,
                "SELECT '' AS county, 0 AS year, 0 AS min_age, 0 AS open_risk,"
                " 0 AS month_tolerance, 0 AS wage_tolerance WHERE 1 = 0",
            )
        )
    )
    rows = []
    for county, year in session.execute(sa.text(param_counties(d, where))).all():
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
            f"INSERT INTO {d.temp(PARAMS)} (county, year, min_age, open_risk, month_tolerance,"
            " wage_tolerance) VALUES (:county, :year, :min_age, :open_risk, :month_tolerance,"
            " :wage_tolerance)"
        ),
        rows,
    )
    return True
