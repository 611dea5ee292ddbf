"""A quick measurement of the console queue and claim page (not a test, not the official bench:
bench/console.py is). 100,000 claims of one county in a schema of its own on PostgreSQL.

    WUGONG_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_queue \\
        .venv/bin/python -m tests.console_queue.measure [--claims 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from db.crypto import Keyring, install_keyring
from db.engine import make_engine
from db.enums import ApplicationStatus as S
from db.enums import Program, StaffRole
from db.migrate import upgrade
from db.models import Application, Finding, Person, Region, Staff
from db.queries.console.claim import claim_page
from db.queries.console.queue import QueueFilters, Sort, queue_page

SCHEMA = "console_measure"
COUNTY = "140581"
STATUSES = [S.VILLAGE_REVIEW, S.TOWNSHIP_REVIEW, S.COUNTY_REVIEW, S.APPROVED, S.RETURNED]
NAMES = "李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国小红明丽华军伟芳娟强磊洋勇艳杰涛"


def fill(engine: sa.Engine, keys: Keyring, claims: int) -> None:
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        villages = connection.scalars(
            sa.select(Region.code).where(Region.level == "village", Region.code.like(COUNTY + "%"))
        ).all()
        persons, applications, findings = [], [], []
        for n in range(1, claims + 1):
            number = f"140581{1960 + n % 40}{1 + n % 12:02d}{1 + n % 28:02d}{n % 10000:04d}"
            persons.append(
                {
                    "id": n,
                    "name": rng.choice(NAMES) + "".join(rng.sample(GIVEN, 2)),
                    "id_number": keys.encrypt(number),
                    "id_index": keys.blind_index("id", number),
                    "id_tail_index": keys.blind_index("id_tail", number),
                    "region_code": rng.choice(villages),
                }
            )
            applications.append(
                {
                    "id": n,
                    "person_id": n,
                    "program": rng.choice(list(Program)).value,
                    "year": 2025,
                    "region_code": persons[-1]["region_code"],
                    "status": rng.choice(STATUSES).value,
                    "facts": {"work_place": "33"},
                    "decision": {"eligible": True, "amount": 1500},
                    "amount_fen": 150_000,
                    "capacity": "self",
                    "identity_verified": True,
                    "submitted_at": start + timedelta(minutes=rng.randrange(400_000)),
                }
            )
            if n % 5 == 0:
                findings.append(
                    {
                        "application_id": n,
                        "code": rng.choice(["wage_mismatch", "work_place_mismatch"]),
                        "severity": rng.choice(["error", "warning"]),
                        "registry_values": {},
                    }
                )
        for table, rows in ((Person, persons), (Application, applications), (Finding, findings)):
            for i in range(0, len(rows), 5000):
                connection.execute(sa.insert(table), rows[i : i + 5000])
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('application', 'id'), max(id)) FROM application"
        )
        connection.exec_driver_sql("ANALYZE")


def p95(label: str, run: Callable[[int], object], times: int = 40) -> None:
    spent = []
    for i in range(times):
        began = time.perf_counter()
        run(i)
        spent.append((time.perf_counter() - began) * 1000)
    spent.sort()
    print(
        f"{label:<42} p50 {statistics.median(spent):7.1f} ms"
        f"   p95 {spent[int(len(spent) * 0.95) - 1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    args = parser.parse_args()
    keys = Keyring.from_secret(b"m" * 32)
    install_keyring(keys)
    base = os.environ["WUGONG_TEST_DATABASE_URL"]
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
    engine = make_engine(base, connect_args={"options": f"-csearch_path={SCHEMA}"})
    try:
        upgrade(engine)
        began = time.perf_counter()
        fill(engine, keys, args.claims)
        print(f"{args.claims} claims written in {time.perf_counter() - began:.0f} s")
        sessions = sessionmaker(engine)
        with sessions.begin() as session:
            session.add(Staff(name="县", role=StaffRole.COUNTY_ADMIN, region_code=COUNTY))
            session.add(Staff(name="镇", role=StaffRole.TOWNSHIP, region_code="140581102"))
        with sessions() as session:
            county = session.scalars(sa.select(Staff).where(Staff.region_code == COUNTY)).one()
            town = session.scalars(sa.select(Staff).where(Staff.role == StaffRole.TOWNSHIP)).one()
            rng = random.Random(3)

            def page(member: Staff, filters: QueueFilters, sort: Sort = Sort.OLDEST) -> object:
                return lambda i: queue_page(session, member, filters, sort, 1 + i % 20)

            p95("queue: county, no filter", page(county, QueueFilters()))
            p95("queue: county, newest first", page(county, QueueFilters(), Sort.NEWEST))
            p95(
                "queue: county, status township_review",
                page(county, QueueFilters(status=S.TOWNSHIP_REVIEW)),
            )
            p95("queue: county, township 三甲镇", page(county, QueueFilters(township="140581102")))
            p95(
                "queue: county, finding + program",
                page(county, QueueFilters(finding="wage_mismatch", program=Program.TRANSPORT)),
            )
            p95("queue: county, waiting for me", page(county, QueueFilters(waiting_for_me=True)))
            p95("queue: county, search a name", page(county, QueueFilters(search="李建")))
            p95("queue: county, search an ID tail", page(county, QueueFilters(search="0042")))
            p95("queue: township, no filter", page(town, QueueFilters()))
            p95(
                "queue: county, page 1000 of 50",
                lambda i: queue_page(session, county, QueueFilters(), Sort.OLDEST, 1000),
            )
            p95(
                "claim page: county",
                lambda i: claim_page(session, county, rng.randrange(1, args.claims)),
            )
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        admin.dispose()


if __name__ == "__main__":
    main()
