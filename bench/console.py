"""Benchmark: the staff console's dashboard over 100,000 claims of one county.

On PostgreSQL, in a fresh schema created and dropped here, 高平 (140581) is filled by COPY with
N claims (default 100,000) of this year and last year in its villages of the division register:
persons (ID numbers and cards encrypted, as stored), claims in every status with their facts and
decisions, drafts (made in unverified chats; they must not count), findings on about a third,
several audit events per claim, rosters sent to finance with their due dates (7 working days on
the Chinese calendar), claims paid some days later, satisfaction answers of most paid applicants
and the budgets with their targets. Then, after VACUUM ANALYZE (what autovacuum does to a table
a day after such a load), each query is timed many times, alternately, each call in a session
and transaction of its own as a web request has:

- the dashboard: ``db.queries.console.dashboard.dashboard(session, "140581", year)``;
- the baseline: ``aggregate_baseline``, ONE hand-written aggregate query computing the same
  headline numbers (people, money, payment speed, satisfaction per program);
- the work queue as the county administrator uses it (waiting for them, a township newest
  first on page 3, a name search, page 200), each with the filter form's choices, and the
  claim pages of 50 claims in turn.

    .venv/bin/python bench/console.py [--claims 100000] [--repeat 200] [--database-url URL]

Bars (issue 15): every page's p95 ≤ 300 ms (the queue, the claim page, the dashboard), and the
dashboard's p50 ≤ 3 × the baseline's.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import DEFAULT_DATABASE_URL, fresh_schema  # noqa: E402

SECRET_KEY = b"bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
COUNTY = "140581"
THIS_YEAR, LAST_YEAR = 2026, 2025
P95_BAR_MS, RATIO_BAR = 300.0, 3.0
CHINA = timedelta(hours=8)
WARMUP = 5
_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]

# The claims' statuses, with weights: this year's chain is under way, last year's is done.
THIS_YEAR_STATUSES = {
    "paid": 40, "roster_sent": 6, "approved": 10, "county_review": 5, "township_notice": 3,
    "township_review": 5, "village_notice": 3, "village_review": 8, "checking": 2,
    "submitted": 4, "returned": 2, "on_hold": 1, "rejected": 6, "withdrawn": 3, "draft": 2,
}  # fmt: skip
LAST_YEAR_STATUSES = {"paid": 82, "rejected": 10, "withdrawn": 6, "roster_sent": 2}
# The audit trail of a claim that reached a status: each step one status_change event.
CHAIN = ["submitted", "checking", "village_review", "village_notice", "township_review",
         "township_notice", "county_review", "approved", "roster_sent", "paid"]  # fmt: skip
AMOUNTS = {"transport": (150_000, 60_000), "stable_employment": (120_000,),
           "workshop_employment": (160_000, 120_000)}  # fmt: skip
FINDINGS = [("registry_work_record", "info"), ("wage_mismatch", "warning"),
            ("card_shared", "warning"), ("no_registry_record", "error")]  # fmt: skip
RATINGS = ["satisfied"] * 17 + ["basically_satisfied"] * 2 + ["dissatisfied"]
DRAFT_EVERY = 40  # one claim in 40 is a draft from an unverified chat, on top of the others


def say(text: str) -> None:
    print(text, flush=True)


def id_number(person: int) -> str:
    """A distinct valid ID of 高平 per person: 999 sequence numbers per birth day from 1960."""
    day = date(1960, 1, 1) + timedelta(days=person // 999)
    body = f"{COUNTY}{day:%Y%m%d}{person % 999 + 1:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


def china(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment given in China's time, as the UTC datetime stored."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - CHINA


# -- the rows -----------------------------------------------------------------------------


@dataclass
class Claim:
    id: int
    person: int
    program: str
    year: int
    village: str
    status: str
    amount: int
    submitted_at: datetime
    verified: bool = True
    batch: int | None = None
    paid_at: datetime | None = None


@dataclass
class Batch:
    id: int
    year: int
    program: str
    sent_day: date
    due_date: date


def slots(count: int) -> Iterator[tuple[int, str, int]]:
    """(person, program, year) of each claim, one per person, program and year: three claims a
    person (transport this year and last year, then stable or workshop employment)."""
    for index in range(count):
        person, slot = divmod(index, 3)
        if slot == 0:
            yield person, "transport", THIS_YEAR
        elif slot == 1:
            yield person, "transport", LAST_YEAR
        else:
            program = "workshop_employment" if person % 7 == 0 else "stable_employment"
            yield person, program, THIS_YEAR if person % 2 else LAST_YEAR


def make_claims(count: int, villages: list[str], rng: random.Random) -> list[Claim]:
    claims = []
    for index, (person, program, year) in enumerate(slots(count), start=1):
        weights = THIS_YEAR_STATUSES if year == THIS_YEAR else LAST_YEAR_STATUSES
        status = rng.choices(list(weights), list(weights.values()))[0]
        # this year's claims came in until the bench's "today", 30 November
        last_day = 333 if year == THIS_YEAR else 350
        day = date(year, 1, 2) + timedelta(days=int(rng.triangular(0, last_day, 90)))
        submitted = china(day, rng.randrange(7, 23), rng.randrange(60))
        claims.append(
            Claim(index, person, program, year, villages[person % len(villages)], status,
                  rng.choice(AMOUNTS[program]), submitted)
        )  # fmt: skip
    drafts = len(claims) // DRAFT_EVERY
    for number in range(drafts):
        model = claims[number * DRAFT_EVERY]
        claims.append(
            Claim(len(claims) + 1, model.person, model.program, model.year, model.village,
                  "draft", model.amount, model.submitted_at, verified=False)
        )  # fmt: skip
    return claims


def make_batches(claims: list[Claim], rng: random.Random) -> list[Batch]:
    """A roster per program and month of approval (sent mid-month), for the claims sent or paid;
    each paid claim paid 1–14 days after its roster was sent."""
    from db.workdays import add_workdays

    batches: dict[tuple[int, str, int], Batch] = {}
    for claim in claims:
        if claim.status not in ("roster_sent", "paid"):
            continue
        month = min(12, max(claim.submitted_at.month + 2, 4))
        key = claim.year, claim.program, month
        if key not in batches:
            sent = date(claim.year, month, 15 if month < 12 else 1)
            batches[key] = Batch(len(batches) + 1, claim.year, claim.program, sent,
                                 add_workdays(sent, 7))  # fmt: skip
        batch = batches[key]
        claim.batch = batch.id
        if claim.status == "paid":
            claim.paid_at = china(batch.sent_day + timedelta(days=rng.randrange(1, 15)),
                                  rng.randrange(8, 24) % 24)  # fmt: skip
    return list(batches.values())


def facts(claim: Claim) -> str:
    return json.dumps(
        {"household_type": "poverty_alleviated", "work_place": "320583", "work_from":
         f"{claim.year}-03", "work_to": f"{claim.year}-11", "same_employer": True,
         "monthly_wage": 4000, "home_county": COUNTY, "birth_date": "1990-03-15",
         "employer": "昆山某电子有限公司"}, ensure_ascii=False,
    )  # fmt: skip


def decision(claim: Claim) -> str:
    return json.dumps(
        {"program": claim.program, "eligible": claim.status != "rejected",
         "amount": claim.amount // 100, "reasons": [{"code": "distance_tier",
         "values": {"tier": "other_province"}}], "missing": []}, ensure_ascii=False,
    )  # fmt: skip


def audit_rows(claim: Claim, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """The claim's status changes up to its status, a day or a few apart, and a note or two."""
    at = claim.submitted_at
    yield (claim.id, "person", None, None, "submitted", "draft", "submitted", "{}", at)
    if claim.status in CHAIN:
        steps = CHAIN[1 : CHAIN.index(claim.status) + 1]
    else:  # rejected, withdrawn, returned, on hold: after some review
        steps = [*CHAIN[1 : rng.randrange(2, 7)], claim.status]
    previous = "submitted"
    for step in steps:
        at += timedelta(days=rng.randrange(1, 6), hours=rng.randrange(8))
        when = claim.paid_at if step == "paid" and claim.paid_at else at
        data = json.dumps({"batch": claim.batch}) if step in ("roster_sent", "paid") else "{}"
        yield (claim.id, "staff", 1, "county_admin", "status_change", previous, step, data, when)
        previous = step
    if claim.id % 4 == 0:
        yield (claim.id, "system", None, None, "crosscheck", None, None, '{"findings": 1}', at)


# -- COPY -----------------------------------------------------------------------------------


def copy(cursor, table: str, columns: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY the rows (text format, built here: tab-separated, \\N for None) into the table."""
    buffer, count = io.StringIO(), 0

    def text(value: Any) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    names = ", ".join(columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as pipe:
        for row in rows:
            buffer.write("\t".join(map(text, row)) + "\n")
            count += 1
            if count % 20_000 == 0:
                pipe.write(buffer.getvalue())
                buffer = io.StringIO()
        pipe.write(buffer.getvalue())
    return count


def seed(engine, count: int) -> dict[str, int]:
    """Fill the schema; the number of rows per table."""
    import sqlalchemy as sa

    from db.crypto import keyring

    keys = keyring()
    rng = random.Random(15)
    with engine.connect() as connection:
        villages = list(
            connection.execute(
                sa.text(
                    "SELECT code FROM region WHERE code LIKE :county AND length(code) = 12 "
                    "AND valid_to IS NULL ORDER BY code"
                ),
                {"county": f"{COUNTY}%"},
            ).scalars()
        )
    claims = make_claims(count, villages, rng)
    batches = make_batches(claims, rng)
    persons = max(claim.person for claim in claims) + 1
    card = keys.encrypt("6217000010002000305")  # one ciphertext: never read by the dashboard
    counts: dict[str, int] = {}
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            counts["person"] = copy(
                cursor, "person",
                ("id", "name", "id_number", "id_index", "birth_date", "bank_name",
                 "bank_account", "region_code"),
                ((p + 1, f"工人{p}", keys.encrypt(id_number(p)),
                  keys.blind_index("id", id_number(p)), "1990-03-15", "高平农商银行", card,
                  villages[p % len(villages)]) for p in range(persons)),
            )  # fmt: skip
            counts["roster_batch"] = copy(
                cursor, "roster_batch",
                ("id", "county_code", "year", "program", "status", "sent_at", "due_date"),
                ((b.id, COUNTY, b.year, b.program, "sent", china(b.sent_day, 10), b.due_date)
                 for b in batches),
            )  # fmt: skip
            counts["application"] = copy(
                cursor, "application",
                ("id", "person_id", "program", "year", "region_code", "status", "facts",
                 "decision", "amount_fen", "capacity", "bank_name", "bank_account_snapshot",
                 "submitted_at", "roster_batch_id", "paid_at", "payment_ref",
                 "identity_verified"),
                ((c.id, c.person + 1, c.program, c.year, c.village, c.status, facts(c),
                  decision(c), c.amount, "self", "高平农商银行", card,
                  None if c.status == "draft" and c.verified else c.submitted_at, c.batch,
                  c.paid_at, f"P{c.id}" if c.paid_at else None, c.verified) for c in claims),
            )  # fmt: skip
            counts["finding"] = copy(
                cursor, "finding", ("application_id", "code", "severity", "registry_values"),
                ((c.id, *FINDINGS[(c.id // 3 + k) % len(FINDINGS)],
                  json.dumps({"place": "江苏省苏州市", "months": 9}, ensure_ascii=False))
                 for c in claims if c.id % 3 == 0 for k in range(1 + c.id % 2)),
            )  # fmt: skip
            counts["audit_event"] = copy(
                cursor, "audit_event",
                ("application_id", "actor_kind", "actor_id", "role", "action", "from_status",
                 "to_status", "data", "at"),
                (row for c in claims for row in audit_rows(c, rng)),
            )  # fmt: skip
            cursor.execute(
                "INSERT INTO chat_identity (id, channel, external_id, language, phone_verified, "
                "state) VALUES (1, 'web', 'bench', 'zh_CN', true, '{}')"
            )
            counts["satisfaction"] = copy(
                cursor, "satisfaction", ("application_id", "chat_identity_id", "county_code",
                                         "rating"),
                ((c.id, 1, COUNTY, rng.choice(RATINGS)) for c in claims
                 if c.status == "paid" and c.id % 5 != 0),
            )  # fmt: skip
            counts["budget_allocation"] = copy(
                cursor, "budget_allocation",
                ("county_code", "year", "program", "amount_fen", "target_persons",
                 "target_satisfaction_permille", "source_document"),
                [(COUNTY, THIS_YEAR, "transport", 5_000_000_000, 30_000, None, "GP26"),
                 (COUNTY, THIS_YEAR, "stable_employment", 2_500_000_000, 12_000, 950, "GP26"),
                 (COUNTY, THIS_YEAR, "workshop_employment", 500_000_000, 2_000, 900, "GP26"),
                 (COUNTY, LAST_YEAR, "transport", 4_800_000_000, 30_000, 950, "GP25"),
                 (COUNTY, LAST_YEAR, "stable_employment", 2_400_000_000, 12_000, 950, "GP25")],
            )  # fmt: skip
            for table in ("person", "application", "roster_batch", "audit_event", "satisfaction",
                          "budget_allocation", "chat_identity"):  # fmt: skip
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        raw.commit()
    finally:
        raw.close()
    counts["claims, of them drafts"] = sum(1 for c in claims if not c.verified)
    return counts


def vacuum(engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


# -- timing ---------------------------------------------------------------------------------


def percentile(samples: list[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1] * 1000


def timed(sessions, call: Callable[[Any], object]) -> float:
    """Seconds for one call in a session and transaction of its own, as a web request has."""
    started = time.perf_counter()
    with sessions() as session, session.begin():
        call(session)
    return time.perf_counter() - started


def measure(sessions, calls: dict[str, Callable[[Any], object]], repeat: int) -> dict:
    """Each call ``repeat`` times (after a warm-up), taking turns so each sees the same cache."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for round_ in range(WARMUP + repeat):
        for name, call in calls.items():
            seconds = timed(sessions, call)
            if round_ >= WARMUP:
                samples[name].append(seconds)
    return samples


# -- the work queue and the claim page ---------------------------------------------------------


def county_admin(sessions) -> Any:
    """The county's administrator, as the console signs them in (the role decides the queue)."""
    from db.enums import StaffRole
    from db.models import Staff

    with sessions.begin() as session:
        staff = Staff(name="县管理员", role=StaffRole.COUNTY_ADMIN, region_code=COUNTY)
        session.add(staff)
    return staff


def page_calls(sessions, rng: random.Random) -> dict[str, Callable[[Any], object]]:
    """The work queue as a clerk uses it (filtered, sorted, paged, searched) and claim pages,
    each call as the console's request makes it."""
    import sqlalchemy as sa

    from db.enums import ApplicationStatus
    from db.models import Application, Staff
    from db.queries.console.claim import claim_page
    from db.queries.console.queue import QueueFilters, Sort, filter_choices, queue_page

    staff_id = county_admin(sessions).id
    with sessions() as session:
        staff = session.get(Staff, staff_id)
        choices = filter_choices(session, staff)
        ids = session.scalars(
            sa.select(Application.id).where(Application.identity_verified.is_(True))
        ).all()
    township = choices.townships[len(choices.townships) // 2].code
    claims = rng.sample(list(ids), 50)
    picked = iter(claims * 1000)

    def queue(filters: QueueFilters, sort: Sort, page: int) -> Callable[[Any], object]:
        def call(session: Any) -> object:
            staff = session.get(Staff, staff_id)
            queue_page(session, staff, filters, sort, page)
            return filter_choices(session, staff)  # the form's choices come with every page

        return call

    def claim(session: Any) -> object:
        return claim_page(session, session.get(Staff, staff_id), next(picked))

    return {
        "queue: waiting": queue(
            QueueFilters(status=ApplicationStatus.COUNTY_REVIEW), Sort.OLDEST, 1
        ),
        "queue: township": queue(QueueFilters(township=township), Sort.NEWEST, 3),
        "queue: search": queue(QueueFilters(search="张"), Sort.OLDEST, 1),
        "queue: page 200": queue(QueueFilters(), Sort.OLDEST, 200),
        "claim page": claim,
    }


# -- the run -----------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def run(args: argparse.Namespace) -> int:
    from db.crypto import Keyring, install_keyring
    from db.engine import make_engine, make_sessionmaker
    from db.migrate import upgrade
    from db.queries.console.dashboard import aggregate_baseline, dashboard

    install_keyring(Keyring.from_secret(SECRET_KEY))
    with fresh_schema(args.database_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        counts = seed(engine, args.claims)
        seeded = time.perf_counter() - started
        vacuum(engine)
        say(
            f"seeded {args.claims:,} claims of {COUNTY} ({THIS_YEAR} and {LAST_YEAR}) in "
            f"{seeded:.1f} s, then VACUUM ANALYZE in {time.perf_counter() - started - seeded:.1f}"
            f" s; PostgreSQL, loopback"
        )
        say("rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
        sessions = make_sessionmaker(engine)
        calls: dict[str, Callable[[Any], object]] = {
            "dashboard": lambda session: dashboard(session, COUNTY, THIS_YEAR),
            "baseline": lambda session: aggregate_baseline(session, COUNTY, THIS_YEAR),
        }
        calls.update(page_calls(sessions, random.Random(15)))
        samples = measure(sessions, calls, args.repeat)
        engine.dispose()
    for name, seconds in samples.items():
        say(
            f"{name:<18} p50 {percentile(seconds, 50):7.1f} ms, p95 "
            f"{percentile(seconds, 95):7.1f} ms ({len(seconds)} calls)"
        )
    ratio = percentile(samples["dashboard"], 50) / percentile(samples["baseline"], 50)
    say(f"dashboard / baseline {ratio:5.2f} × (p50)")
    pages = {
        name: percentile(seconds, 95) for name, seconds in samples.items() if name != "baseline"
    }
    slowest = max(pages, key=pages.__getitem__)
    ok_p95, ok_ratio = all(p <= P95_BAR_MS for p in pages.values()), ratio <= RATIO_BAR
    say(
        f"bars: every page's p95 ≤ {P95_BAR_MS:.0f} ms (slowest: {slowest}, "
        f"{pages[slowest]:.1f} ms): {verdict(ok_p95)}; "
        f"dashboard / baseline {ratio:.2f} × ≤ {RATIO_BAR:.0f} ×: {verdict(ok_ratio)}"
    )
    return 0 if ok_p95 and ok_ratio else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200, help="timed calls of each query")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    # A stopped bench still drops its schema (the `finally` of fresh_schema runs).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
