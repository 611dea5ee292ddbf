"""The staff console's dashboard: the figures a county is judged by, for one claim year.

What each figure counts (every one leaves drafts out: claims made in a chat not verified as
their person, ``identity_verified`` false, and claims still in status draft):

- people supported per program against the budget's target (``target_persons``): the claims of
  the year in a committed status (db.enums.COMMITTED_STATUSES, from the county's approval on),
  one per person, program and year (the unique index ``uq_application_counting``), so a count
  of claims is a count of distinct persons — the same figure as /budget in chat;
- the budget per program: allocated (budget_allocation), committed (the amounts of the
  committed claims) and paid (those paid), and the execution rate 执行率, paid / allocated;
- the claims of the year per township and status (the township is the 9-digit prefix of the
  claim's village code; a claim placed only at the county shows under the county's name);
- submissions per ISO week of the calendar year against the year before, by the day of
  submission in China (whatever the claim year: this is the offices' workload);
- payment speed: the paid claims of the year paid by the due date of the roster that took
  them to finance — 7 working days after sending on the Chinese calendar (db.workdays; GP26,
  docs/domain.md §2.7 step 5, stored as roster_batch.due_date when the roster is sent);
- satisfaction per program: the answers of paid applicants, content being 满意 or 基本满意
  (db.queries.budgets.CONTENT, as /budget), against the budget's target, 95 % when it has none.

A region code is a county's (6 digits) or a city's (4 digits): a city's dashboard has every
county of the city side by side, each with the same figures. Every figure comes from a few
grouped queries over the whole scope, never one query per county or township.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from db.enums import COMMITTED_STATUSES, ApplicationStatus, Program, Rating
from db.models import Application, BudgetAllocation, RosterBatch, Satisfaction
from db.queries.budgets import CONTENT
from db.queries.notices import LOCAL
from db.queries.regions import divisions_under, region_names

_S = ApplicationStatus
# 满意度 ≥ 95 %, the target of 高平's 2026 budget (GP26, docs/domain.md), for a budget without one.
DEFAULT_TARGET_SATISFACTION_PERMILLE = 950
# The statuses of the per-township chart, in the order of the chain: all but draft.
CHART_STATUSES = tuple(status for status in ApplicationStatus if status != _S.DRAFT)
COUNTY_DIGITS, CITY_DIGITS, TOWNSHIP_DIGITS = 6, 4, 9


# -- the figures ----------------------------------------------------------------------------


def _share(part: int, whole: int | None) -> float | None:
    return None if not whole else part / whole


@dataclass(frozen=True)
class People:
    """People supported in a program against the budget's target (None: none set)."""

    county_code: str
    program: Program
    supported: int
    target: int | None

    @property
    def share(self) -> float | None:
        """Supported / target (1.0 is the target reached), None without a target."""
        return _share(self.supported, self.target)


@dataclass(frozen=True)
class Budget:
    """A program's money in fen: allocated (None when no allocation was imported), committed
    (approved, on a roster or paid) and paid."""

    county_code: str
    program: Program
    allocated: int | None
    committed: int
    paid: int

    @property
    def execution_rate(self) -> float | None:
        """执行率: paid / allocated, None without an allocation."""
        return _share(self.paid, self.allocated)

    @property
    def committed_rate(self) -> float | None:
        """Committed / allocated, None without an allocation."""
        return _share(self.committed, self.allocated)


@dataclass(frozen=True)
class TownshipClaims:
    """The claims of the year of one township, by status (every one of CHART_STATUSES)."""

    county_code: str
    code: str
    name: str
    counts: Mapping[ApplicationStatus, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class WeeklySubmissions:
    """Submissions per ISO week: ``this_year[0]`` is week 1 of ``year``, ``last_year[0]`` week
    1 of the year before; both as long as the longer of the two years (52 or 53 weeks)."""

    county_code: str
    year: int
    this_year: tuple[int, ...]
    last_year: tuple[int, ...]


@dataclass(frozen=True)
class PaymentSpeed:
    """The paid claims of the year whose roster has a due date, and those paid by it."""

    county_code: str
    paid: int
    on_time: int

    @property
    def share(self) -> float | None:
        return _share(self.on_time, self.paid)


@dataclass(frozen=True)
class SatisfactionLine:
    """The answers of a program's paid applicants, against the target per mille."""

    county_code: str
    program: Program
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    target_permille: int

    @property
    def answers(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def content(self) -> int:
        """The answers that count towards the target: 满意 and 基本满意 (budgets.CONTENT)."""
        counts = {
            Rating.SATISFIED: self.satisfied,
            Rating.BASICALLY_SATISFIED: self.basically_satisfied,
            Rating.DISSATISFIED: self.dissatisfied,
        }
        return sum(counts[rating] for rating in CONTENT)

    @property
    def share(self) -> float | None:
        return _share(self.content, self.answers)

    @property
    def met(self) -> bool | None:
        """Whether the share reaches the target, None before any answer."""
        return (
            None
            if not self.answers
            else self.content * 1000 >= self.target_permille * (self.answers)
        )


@dataclass(frozen=True)
class CountyDashboard:
    """Every figure of one county (programs in the policy's order, townships in code order)."""

    code: str
    name: str
    people: tuple[People, ...]
    budget: tuple[Budget, ...]
    townships: tuple[TownshipClaims, ...]
    submissions: WeeklySubmissions
    payment: PaymentSpeed
    satisfaction: tuple[SatisfactionLine, ...]


@dataclass(frozen=True)
class Dashboard:
    """The dashboard of a county (one entry) or of a city (each county side by side)."""

    region_code: str
    year: int
    counties: tuple[CountyDashboard, ...]


# -- SQL helpers ----------------------------------------------------------------------------


class local_day(sa.sql.functions.FunctionElement[date]):  # a SQL function: named like one
    """The day in China (UTC+8 all year, no daylight saving) of a stored UTC timestamp."""

    type = sa.Date()
    name = "local_day"
    inherit_cache = True


@compiles(local_day, "postgresql")
def _local_day_postgresql(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    # A fixed offset, not the zone's name: a third faster over 100,000 rows, and the same for
    # China, which has kept UTC+8 all year since 1991.
    return f"CAST(timezone(INTERVAL '8 hours', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps naive UTC (db.types.UtcDateTime); date() gives YYYY-MM-DD, as a Date is kept.
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


def _county_of(column: Any) -> sa.ColumnElement[str]:
    return sa.func.substr(column, 1, COUNTY_DIGITS)


def within(column: Any, code: str) -> sa.ColumnElement[bool]:
    """``column`` holds ``code`` or a code under it (140581 -> 140581102225), as a range an index
    on the column serves: a LIKE prefix cannot use one under PostgreSQL's usual collations. For
    codes of digits only, which compare the same in every collation."""
    if not code.isdigit():
        raise ValueError(f"{code!r} is not a region code")
    following = str(int(code) + 1).zfill(len(code))
    return sa.and_(column >= code, column < following)


def _counting(region_code: str) -> tuple[sa.ColumnElement[bool], ...]:
    """The claims of the region that count: verified, out of draft."""
    return (
        Application.identity_verified.is_(True),
        Application.status != _S.DRAFT,
        within(Application.region_code, region_code),
    )


def _check_scope(region_code: str) -> None:
    if not region_code.isdigit() or len(region_code) not in (COUNTY_DIGITS, CITY_DIGITS):
        raise ValueError(f"{region_code!r}: a dashboard is of a county (6 digits) or a city (4)")


# -- the queries: one pass over the year's claims, the budgets, the submissions, the names ------


@dataclass(frozen=True)
class _Group:
    """The year's counting claims of one township, program and status: how many, their amount,
    (paid ones) how many have a roster due date and were paid by it, and the answers by rating.
    """

    township: str
    program: Program
    status: ApplicationStatus
    count: int
    amount_fen: int
    with_due: int
    on_time: int
    ratings: Mapping[Rating, int]

    @property
    def county(self) -> str:
        return self.township[:COUNTY_DIGITS]


@dataclass(frozen=True)
class _Claims:
    groups: tuple[_Group, ...]


def _claims(session: Session, region_code: str, year: int) -> _Claims:
    """One pass over the year's counting claims, with their answer and their roster's due date
    (each claim has at most one of each, so no claim is counted twice). On time: paid on the
    due date or before, in China's time."""
    township = sa.func.substr(Application.region_code, 1, TOWNSHIP_DIGITS).label("township")
    paid = sa.and_(
        Application.status == _S.PAID,
        Application.paid_at.is_not(None),
        RosterBatch.due_date.is_not(None),
    )
    in_time = sa.and_(paid, local_day(Application.paid_at) <= RosterBatch.due_date)
    rows = session.execute(
        sa.select(
            township,
            Application.program,
            Application.status,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(Application.amount_fen), 0),
            sa.func.coalesce(sa.func.sum(sa.case((paid, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((in_time, 1), else_=0)), 0),
            *(
                sa.func.coalesce(
                    sa.func.sum(sa.case((Satisfaction.rating == rating, 1), else_=0)), 0
                )
                for rating in Rating
            ),
        )
        .outerjoin(Satisfaction, Satisfaction.application_id == Application.id)
        .outerjoin(RosterBatch, RosterBatch.id == Application.roster_batch_id)
        .where(Application.year == year, *_counting(region_code))
        .group_by(township, Application.program, Application.status)
    )
    return _Claims(
        tuple(
            _Group(
                t,
                p,
                s,
                int(n),
                int(fen),
                int(due),
                int(kept),
                dict(zip(Rating, map(int, rated), strict=True)),
            )
            for t, p, s, n, fen, due, kept, *rated in rows
        )
    )


@dataclass(frozen=True)
class _Allocation:
    amount_fen: int
    target_persons: int | None
    target_satisfaction_permille: int | None


def _allocations(
    session: Session, region_code: str, year: int
) -> dict[tuple[str, Program], _Allocation]:
    rows = session.execute(
        sa.select(
            BudgetAllocation.county_code,
            BudgetAllocation.program,
            BudgetAllocation.amount_fen,
            BudgetAllocation.target_persons,
            BudgetAllocation.target_satisfaction_permille,
        ).where(
            within(BudgetAllocation.county_code, region_code),
            BudgetAllocation.year == year,
        )
    )
    return {
        (county, program): _Allocation(amount, persons, permille)
        for county, program, amount, persons, permille in rows
    }


def _submission_days(session: Session, region_code: str, year: int) -> Counter[tuple[str, date]]:
    """Submissions by county and day in China, over the ISO years ``year - 1`` and ``year``."""
    since = datetime.combine(date.fromisocalendar(year - 1, 1, 1), time(), LOCAL)
    until = datetime.combine(date.fromisocalendar(year + 1, 1, 1), time(), LOCAL)
    day = local_day(Application.submitted_at).label("day")
    county = _county_of(Application.region_code).label("county")
    rows = session.execute(
        sa.select(county, day, sa.func.count())
        .where(
            Application.submitted_at >= since,
            Application.submitted_at < until,
            *_counting(region_code),
        )
        .group_by(county, day)
    )
    return Counter({(code, on): int(n) for code, on, n in rows})


def _payments(claims: _Claims) -> dict[str, tuple[int, int]]:
    """Per county: the paid claims whose roster has a due date, and those paid by it."""
    payments: dict[str, tuple[int, int]] = {}
    for group in claims.groups:
        with_due, on_time = payments.get(group.county, (0, 0))
        payments[group.county] = with_due + group.with_due, on_time + group.on_time
    return payments


def _ratings(claims: _Claims) -> dict[tuple[str, Program], Counter[Rating]]:
    ratings: dict[tuple[str, Program], Counter[Rating]] = defaultdict(Counter)
    for group in claims.groups:
        ratings[group.county, group.program].update(group.ratings)
    return ratings


def _names(session: Session, region_code: str, seen: Iterable[str]) -> dict[str, str]:
    """The current counties (of a city) and townships of the region, and every other code the
    claims carry, by code and named."""
    names = divisions_under(session, region_code, (COUNTY_DIGITS, TOWNSHIP_DIGITS))
    missing = set(seen) - names.keys()
    return names | region_names(session, missing)


# -- folding the rows into figures ------------------------------------------------------------


def _counties(region_code: str, names: Mapping[str, str], *seen: Iterable[str]) -> list[str]:
    codes = {code for code in names if len(code) == COUNTY_DIGITS}
    if len(region_code) == COUNTY_DIGITS:
        return [region_code]
    for codes_seen in seen:
        codes |= {code[:COUNTY_DIGITS] for code in codes_seen}
    return sorted(codes)


def _people(
    counties: Sequence[str], claims: _Claims, allocations: Mapping[tuple[str, Program], _Allocation]
) -> tuple[People, ...]:
    supported: Counter[tuple[str, Program]] = Counter()
    for group in claims.groups:
        if group.status in COMMITTED_STATUSES:
            supported[group.county, group.program] += group.count
    return tuple(
        People(county, program, supported[county, program], _target(allocations, county, program))
        for county in counties
        for program in Program
    )


def _target(
    allocations: Mapping[tuple[str, Program], _Allocation], county: str, program: Program
) -> int | None:
    allocation = allocations.get((county, program))
    return None if allocation is None else allocation.target_persons


def _budget(
    counties: Sequence[str], claims: _Claims, allocations: Mapping[tuple[str, Program], _Allocation]
) -> tuple[Budget, ...]:
    committed: Counter[tuple[str, Program]] = Counter()
    paid: Counter[tuple[str, Program]] = Counter()
    for group in claims.groups:
        key = group.county, group.program
        if group.status in COMMITTED_STATUSES:
            committed[key] += group.amount_fen
        if group.status == _S.PAID:
            paid[key] += group.amount_fen
    lines = []
    for county in counties:
        for program in Program:
            allocation = allocations.get((county, program))
            allocated = None if allocation is None else allocation.amount_fen
            key = county, program
            lines.append(Budget(county, program, allocated, committed[key], paid[key]))
    return tuple(lines)


def _townships(
    counties: Sequence[str], claims: _Claims, names: Mapping[str, str]
) -> tuple[TownshipClaims, ...]:
    counts: dict[str, Counter[ApplicationStatus]] = defaultdict(Counter)
    for code in names:  # every current township, also those without claims
        if len(code) == TOWNSHIP_DIGITS:
            counts.setdefault(code, Counter())
    for group in claims.groups:
        counts[group.township][group.status] += group.count
    return tuple(
        TownshipClaims(
            code[:COUNTY_DIGITS],
            code,
            names.get(code, code),
            {status: counts[code][status] for status in CHART_STATUSES},
        )
        for code in sorted(counts)
        if code[:COUNTY_DIGITS] in counties
    )


def weeks_in(year: int) -> int:
    """The ISO weeks of a year: 52 or 53 (28 December is always in the last week)."""
    return date(year, 12, 28).isocalendar().week


def _submissions(
    counties: Sequence[str], days: Counter[tuple[str, date]], year: int
) -> dict[str, WeeklySubmissions]:
    length = max(weeks_in(year), weeks_in(year - 1))
    series = {
        (county, iso_year): [0] * length for county in counties for iso_year in (year - 1, year)
    }
    for (county, day), n in days.items():
        iso_year, week, _ = day.isocalendar()
        if (county, iso_year) in series:
            series[county, iso_year][week - 1] += n
    return {
        county: WeeklySubmissions(
            county, year, tuple(series[county, year]), tuple(series[county, year - 1])
        )
        for county in counties
    }


def _satisfaction(
    counties: Sequence[str],
    ratings: Mapping[tuple[str, Program], Counter[Rating]],
    allocations: Mapping[tuple[str, Program], _Allocation],
) -> tuple[SatisfactionLine, ...]:
    lines = []
    for county in counties:
        for program in Program:
            counts = ratings.get((county, program), Counter())
            allocation = allocations.get((county, program))
            target = None if allocation is None else allocation.target_satisfaction_permille
            lines.append(
                SatisfactionLine(
                    county,
                    program,
                    counts[Rating.SATISFIED],
                    counts[Rating.BASICALLY_SATISFIED],
                    counts[Rating.DISSATISFIED],
                    DEFAULT_TARGET_SATISFACTION_PERMILLE if target is None else target,
                )
            )
    return tuple(lines)


# -- the public functions -------------------------------------------------------------------


def _scope_counties(
    session: Session, region_code: str, *seen: Iterable[str]
) -> tuple[list[str], dict[str, str]]:
    _check_scope(region_code)
    seen_codes = [list(codes) for codes in seen]
    names = _names(session, region_code, [c for codes in seen_codes for c in codes])
    return _counties(region_code, names, *seen_codes), names


def people_supported(session: Session, region_code: str, year: int) -> tuple[People, ...]:
    """People supported per county (one for a county, each of a city's) and program."""
    claims, allocations = (
        _claims(session, region_code, year),
        _allocations(session, region_code, year),
    )
    counties, _ = _scope_counties(session, region_code, _seen(claims, allocations))
    return _people(counties, claims, allocations)


def budget_execution(session: Session, region_code: str, year: int) -> tuple[Budget, ...]:
    """Allocated, committed and paid per county and program."""
    claims = _claims(session, region_code, year)
    allocations = _allocations(session, region_code, year)
    counties, _ = _scope_counties(session, region_code, _seen(claims, allocations))
    return _budget(counties, claims, allocations)


def claims_by_township(session: Session, region_code: str, year: int) -> tuple[TownshipClaims, ...]:
    """The year's claims of every township of the region, by status."""
    claims = _claims(session, region_code, year)
    counties, names = _scope_counties(session, region_code, _seen(claims, {}))
    return _townships(counties, claims, names)


def weekly_submissions(
    session: Session, region_code: str, year: int
) -> tuple[WeeklySubmissions, ...]:
    """Submissions per ISO week of ``year`` against ``year - 1``, per county."""
    days = _submission_days(session, region_code, year)
    counties, _ = _scope_counties(session, region_code, (county for county, _ in days))
    return tuple(_submissions(counties, days, year).values())


def payment_speed(session: Session, region_code: str, year: int) -> tuple[PaymentSpeed, ...]:
    """The share of paid claims paid by their roster's due date, per county."""
    claims = _claims(session, region_code, year)
    counties, _ = _scope_counties(session, region_code, _seen(claims, {}))
    payments = _payments(claims)
    return tuple(PaymentSpeed(county, *payments.get(county, (0, 0))) for county in counties)


def satisfaction(session: Session, region_code: str, year: int) -> tuple[SatisfactionLine, ...]:
    """The satisfaction answers per county and program, against the target."""
    claims = _claims(session, region_code, year)
    allocations = _allocations(session, region_code, year)
    counties, _ = _scope_counties(session, region_code, _seen(claims, allocations))
    ratings = _ratings(claims)
    return _satisfaction(counties, ratings, allocations)


def _seen(claims: _Claims, allocations: Mapping[tuple[str, Program], _Allocation]) -> list[str]:
    """The codes the rows carry: townships of the claims and counties of the allocations."""
    return [group.township for group in claims.groups] + [county for county, _ in allocations]


def dashboard(session: Session, region_code: str, year: int) -> Dashboard:
    """Every figure of the dashboard of a county, or of a city county by county: four queries
    (the year's claims in one pass, the budgets, the submissions by day, the names; a fifth
    names codes the register no longer has), whatever the number of counties and townships."""
    _check_scope(region_code)
    claims = _claims(session, region_code, year)
    allocations = _allocations(session, region_code, year)
    days = _submission_days(session, region_code, year)
    payments, ratings = _payments(claims), _ratings(claims)
    seen = [*_seen(claims, allocations), *(county for county, _ in days)]
    counties, names = _scope_counties(session, region_code, seen)
    people, budget = _people(counties, claims, allocations), _budget(counties, claims, allocations)
    townships = _townships(counties, claims, names)
    weekly = _submissions(counties, days, year)
    happy = _satisfaction(counties, ratings, allocations)
    return Dashboard(
        region_code,
        year,
        tuple(
            CountyDashboard(
                code=county,
                name=names.get(county, county),
                people=tuple(line for line in people if line.county_code == county),
                budget=tuple(line for line in budget if line.county_code == county),
                townships=tuple(line for line in townships if line.county_code == county),
                submissions=weekly[county],
                payment=PaymentSpeed(county, *payments.get(county, (0, 0))),
                satisfaction=tuple(line for line in happy if line.county_code == county),
            )
            for county in counties
        ),
    )


# -- the bench's baseline ---------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineLine:
    """The headline numbers of one program, from the single aggregate query."""

    program: Program
    submitted: int
    supported: int
    committed: int
    paid: int
    paid_with_due: int
    paid_on_time: int
    answers: int
    content: int
    allocated: int | None
    target_persons: int | None
    target_satisfaction_permille: int | None


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))  # the enums' own values only


_LOCAL_PAID_DAY = {
    "postgresql": "CAST(timezone(INTERVAL '8 hours', a.paid_at) AS DATE)",
    "sqlite": "date(a.paid_at, '+8 hours')",
}
_BASELINE = """
SELECT a.program,
       COUNT(*) AS submitted,
       SUM(CASE WHEN a.status IN ({committed}) THEN 1 ELSE 0 END) AS supported,
       COALESCE(SUM(CASE WHEN a.status IN ({committed}) THEN a.amount_fen END), 0) AS committed,
       COALESCE(SUM(CASE WHEN a.status = '{paid}' THEN a.amount_fen END), 0) AS paid,
       SUM(CASE WHEN a.status = '{paid}' AND a.paid_at IS NOT NULL
                 AND b.due_date IS NOT NULL THEN 1 ELSE 0 END) AS paid_with_due,
       SUM(CASE WHEN a.status = '{paid}' AND {paid_day} <= b.due_date
                THEN 1 ELSE 0 END) AS paid_on_time,
       COUNT(s.id) AS answers,
       SUM(CASE WHEN s.rating IN ({content}) THEN 1 ELSE 0 END) AS content,
       MAX(ba.amount_fen) AS allocated,
       MAX(ba.target_persons) AS target_persons,
       MAX(ba.target_satisfaction_permille) AS target_satisfaction_permille
  FROM application a
  LEFT JOIN roster_batch b ON b.id = a.roster_batch_id
  LEFT JOIN satisfaction s ON s.application_id = a.id
  LEFT JOIN budget_allocation ba
         ON ba.county_code = :county AND ba.year = a.year AND ba.program = a.program
 WHERE a.year = :year AND a.identity_verified AND a.status <> '{draft}'
   AND a.region_code >= :county AND a.region_code < :following
 GROUP BY a.program
"""


def aggregate_baseline(session: Session, county_code: str, year: int) -> tuple[BaselineLine, ...]:
    """The dashboard's headline numbers of a county, per program, in ONE hand-written aggregate
    query: the floor the bench (bench/console.py) compares ``dashboard`` with. Programs without
    a claim of the year are left out; not used by the console itself."""
    if not county_code.isdigit() or len(county_code) != COUNTY_DIGITS:
        raise ValueError(f"{county_code!r}: the baseline is of a county (6 digits)")
    sql = _BASELINE.format(
        committed=_quoted(COMMITTED_STATUSES),
        paid=_S.PAID.value,
        draft=_S.DRAFT.value,
        content=_quoted(CONTENT),
        paid_day=_LOCAL_PAID_DAY[session.get_bind().dialect.name],
    )
    rows = session.execute(
        sa.text(sql),
        {
            "county": county_code,
            "year": year,
            "following": str(int(county_code) + 1).zfill(COUNTY_DIGITS),
        },
    )
    lines = [_baseline_line(row._mapping) for row in rows]
    return tuple(sorted(lines, key=lambda line: list(Program).index(line.program)))


def _baseline_line(row: sa.RowMapping) -> BaselineLine:
    def count(name: str) -> int:
        return int(row[name] or 0)

    def given(name: str) -> int | None:
        return None if row[name] is None else int(row[name])

    return BaselineLine(
        program=Program(row["program"]),
        **{name: count(name) for name in _COUNTS},
        allocated=given("allocated"),
        target_persons=given("target_persons"),
        target_satisfaction_permille=given("target_satisfaction_permille"),
    )


_COUNTS = ("submitted", "supported", "committed", "paid", "paid_with_due", "paid_on_time",
           "answers", "content")  # fmt: skip
