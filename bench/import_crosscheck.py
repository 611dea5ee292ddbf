"""Benchmark: importing 1,000,000 monitoring work rows and cross-checking 100,000 applications.

On PostgreSQL, in a fresh schema created and dropped here:
1. generate the work table as csv (title rows, the export's Chinese headers on row 3) with 10
   records for each of N/10 people whose ID numbers are valid;
2. time a raw `COPY` of the same rows into a plain table of text columns (the baseline), then
   (after a CHECKPOINT) `db.imports.import_monitoring` of the file in a child process that
   holds what a worker holds (every actor declared), whose peak RSS is read back;
   for reference, the "target floor": a raw COPY of what the import wrote, as stored, into
   twins of its tables with their indexes and foreign keys;
3. add one open application per person and time `db.queries.crosscheck.run.crosscheck_open`
   against one `CREATE TEMP TABLE … AS` of the equivalent join (`equivalent_join_sql`) at the
   server's default settings (the baseline of the ratio), also printed at the cross-check's own
   session settings; a CHECKPOINT before each timed statement leaves none of them paying for
   the writes of an earlier step;
4. import the first 100,000 rows (``--xlsx-rows``) as csv and as xlsx, each into a fresh schema,
   and print both rates (rows/s) and the xlsx importer's peak RSS (xlsx is read streaming, row
   by row, by openpyxl).

    .venv/bin/python bench/import_crosscheck.py [--rows 1000000] [--database-url URL]

Bars (docs/design.md §4): import ≤ 1.5 × the target floor (measured in the same run; the raw
COPY of the file is printed for reference), cross-check ≤ 1.5 × the join, importer ≤ 300 MB RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import DEFAULT_DATABASE_URL, fresh_schema  # noqa: E402

SECRET_KEY = b"bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
RECORDS_PER_PERSON = 10
IMPORT_BAR, CROSSCHECK_BAR, RSS_BAR_MB = 1.5, 1.5, 300.0  # × the target floor, × the join, MB
HEADER = [
    "序号", "县", "乡", "村", "户编号", "姓名", "证件号码", "户类型", "监测对象类别", "务工所在地",
    "务工所在县", "开始时间", "结束时间", "是否已务工", "就业渠道", "务工企业名称", "所属行业",
    "是否点对点输送", "务工月收入", "年度交通费补助",
]  # fmt: skip
PLACES = [
    ("浙江省宁波市", "浙江省宁波市鄞州区"),
    ("山西省太原市", "山西省太原市小店区"),
    ("江苏省苏州市", "江苏省苏州市昆山市"),
    ("山西省晋城市", "山西省晋城市高平市"),
    ("广东省东莞市", "广东省东莞市"),
]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(person: int) -> str:
    """A distinct valid ID of 高平市 for each person: 500 even sequence numbers per birth day."""
    days = person // 500  # each day of a 12 × 28-day grid from 1960 on
    year, month, day = 1960 + days // 336, days // 28 % 12 + 1, days % 28 + 1
    body = f"140581{year}{month:02d}{day:02d}{person % 500 * 2:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def generate(path: Path, rows: int) -> int:
    """The work table as an export writes it; returns the number of people."""
    people = rows // RECORDS_PER_PERSON
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["（务工月监测）已外出务工信息"])
        writer.writerow(["导出单位：山西省晋城市高平市    导出时间：2025年11月30日"])
        writer.writerow(HEADER)
        number = 0
        for person in range(people):
            pid = id_number(person)
            area, county = PLACES[person % len(PLACES)]
            channel = "帮扶车间" if person % 17 == 0 else "外出务工"
            for k in range(RECORDS_PER_PERSON):
                number += 1
                year = 2016 + k  # one job a year, March to November: no overlaps
                writer.writerow([
                    number, "高平市", "三甲镇", "三甲北村", f"14058100{person:07d}", "李建国", pid,
                    "脱贫户" if person % 5 else "监测户", "" if person % 5 else "边缘易致贫户",
                    area, county, f"{year}年03月", f"{year}年11月", "是", channel,
                    f"企业{person % 997}有限公司", "制造业", "否", 2500 + person % 40 * 100,
                    1500 if k == RECORDS_PER_PERSON - 1 and person % 3 == 0 else 0,
                ])  # fmt: skip
    return people


def to_xlsx(csv_path: Path, xlsx_path: Path, rows: int) -> None:
    """The first ``rows`` data rows of the csv (with its title and header rows) as an xlsx,
    written as an export writes it: one sheet, numbers as numbers."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle)):
            if number >= rows + 3:
                break
            sheet.append([int(cell) if cell.isdigit() and len(cell) < 9 else cell for cell in row])
    workbook.save(xlsx_path)


def head_csv(csv_path: Path, out: Path, rows: int) -> None:
    """The first ``rows`` data rows of the csv (with its title and header rows)."""
    with csv_path.open("rb") as source, out.open("wb") as target:
        for number, line in enumerate(source):
            if number >= rows + 3:
                break
            target.write(line)


def xlsx_against_csv(folder: Path, path: Path, rows: int, database_url: str) -> bool:
    """Import the first ``rows`` rows as csv and as xlsx, each into a fresh schema of its own,
    and print their rates (rows/s) and the xlsx importer's peak RSS."""
    small_csv, small_xlsx = folder / "前十万.csv", folder / "前十万.xlsx"
    head_csv(path, small_csv, rows)
    to_xlsx(path, small_xlsx, rows)
    rates = {}
    for name, file in (("csv", small_csv), ("xlsx", small_xlsx)):
        with fresh_schema(database_url) as url:
            from db.engine import make_engine
            from db.migrate import upgrade

            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            rates[name] = timed_import(file, url)
    csv_rate = rates["csv"]["rows"] / rates["csv"]["seconds"]
    xlsx_rate = rates["xlsx"]["rows"] / rates["xlsx"]["seconds"]
    peak = rates["xlsx"]["peak_mb"]
    say(
        f"xlsx vs csv       {xlsx_rate:8,.0f} rows/s xlsx, {csv_rate:,.0f} rows/s csv "
        f"({rows:,} rows each, fresh schemas): xlsx {xlsx_rate / csv_rate:.2f} × csv"
    )
    met = verdict(peak <= RSS_BAR_MB)
    say(f"xlsx importer RSS {peak:8.0f} MB peak (bar ≤ {RSS_BAR_MB:.0f}): {met}")
    return peak <= RSS_BAR_MB


def raw_copy(engine, path: Path) -> float:
    """COPY the file's rows (after the two title lines) into a plain table of text columns."""
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE TABLE raw_copy ({columns})")
    raw = engine.raw_connection()
    try:
        started = time.perf_counter()
        with raw.driver_connection.cursor() as cursor, path.open("rb") as handle:
            handle.readline()
            handle.readline()
            with cursor.copy("COPY raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while block := handle.read(1 << 20):
                    copy.write(block)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def child_import(path: Path, database_url: str) -> None:
    """Run in a process of its own: import, then print the time, counts and peak RSS as JSON.
    The process holds what a worker holds (every actor declared on a broker) before it starts.
    """
    import workers
    from common.broker import setup_broker
    from db.crypto import Keyring, install_keyring
    from db.engine import make_engine
    from db.imports import import_monitoring

    setup_broker(None)
    workers.declare_actors()

    install_keyring(Keyring.from_secret(SECRET_KEY))
    engine = make_engine(database_url)
    started = time.perf_counter()
    result = import_monitoring(engine, path, error_path=path.with_suffix(".errors.xlsx"))
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    counts = {k: getattr(result, k) for k in ("rows", "inserted", "updated", "unchanged", "errors")}
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, **counts}))


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM, Linux), in MB. Not getrusage's ru_maxrss: that
    keeps the RSS of the parent at the fork (the bench itself, hundreds of MB by the xlsx run)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed_import(path: Path, database_url: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child-import", str(path), "--database-url", database_url],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the import failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def add_applications(engine) -> int:
    """One open transport application for 2025 per person, with declared facts to compare and
    a card of its own (the blind index of the card each claim is paid to)."""
    with engine.begin() as connection:
        return connection.exec_driver_sql(
            "INSERT INTO application (person_id, program, year, region_code, status, facts, "
            "capacity, account_index) SELECT p.id, 'transport', 2025, '140581', "
            "'village_review', "
            "jsonb_build_object('work_place', '330212', 'work_from', '2025-03', "
            "'work_to', '2025-10', 'monthly_wage', 3000, 'home_county', '140581', "
            "'household_type', 'poverty_alleviated', 'birth_date', p.birth_date::text), 'self', "
            "md5(p.id::text) FROM person p"
        ).rowcount


def quiesce(engine) -> None:
    """Write out what earlier steps left dirty (the import's million rows), so that neither
    timed statement pays for a checkpoint it did not cause; skipped without the privilege."""
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CHECKPOINT")
    except DBAPIError:
        pass


def time_crosscheck(engine, limit: int) -> tuple[float, float, float | None, int]:
    """The join (at the server's defaults, then at the cross-check's session settings), and
    the cross-check (None when it did not finish within ``limit`` seconds)."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from db.queries.crosscheck.join import equivalent_join_sql
    from db.queries.crosscheck.run import WORK_MEM, crosscheck_open

    with engine.begin() as connection:
        connection.exec_driver_sql(
            "ANALYZE application, person, household, monitoring_employment, finding"
        )
    quiesce(engine)
    with engine.begin() as connection:
        started = time.perf_counter()
        connection.exec_driver_sql(f"CREATE TEMP TABLE bench_join AS {equivalent_join_sql()}")
        join = time.perf_counter() - started
    quiesce(engine)
    with engine.begin() as connection:
        # The same join under the session settings the cross-check chooses (work_mem, no JIT),
        # printed beside the baseline so the ratio's two sides are seen on equal terms too.
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
        connection.exec_driver_sql("SET LOCAL jit = off")
        started = time.perf_counter()
        connection.exec_driver_sql(f"CREATE TEMP TABLE bench_join_2 AS {equivalent_join_sql()}")
        join_tuned = time.perf_counter() - started
    quiesce(engine)
    try:
        with Session(engine) as session, session.begin():
            # Bounded: the bench ends in minutes even when a statement is pathological.
            session.connection().exec_driver_sql(f"SET LOCAL statement_timeout = '{limit}s'")
            started = time.perf_counter()
            counts = crosscheck_open(session)
            return join, join_tuned, time.perf_counter() - started, counts.applications
    except OperationalError:
        return join, join_tuned, None, 0


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


FLOOR_TABLES = ("household", "person", "monitoring_employment")


def target_floor(engine) -> float:
    """A raw COPY of what the import wrote, as stored (its households, persons and work
    records), into empty twins of those tables with the same indexes and foreign keys: what
    writing these rows costs whatever the importer does. The rows are read out first, untimed.
    """
    seconds = 0.0
    for table in FLOOR_TABLES:
        with engine.begin() as connection:
            run = connection.exec_driver_sql
            columns = ", ".join(
                name
                for (name,) in run(
                    "SELECT attname FROM pg_attribute WHERE attrelid = "
                    f"'{table}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
                )
            )
            run(f"CREATE TABLE floor_twin (LIKE {table} INCLUDING ALL)")
            for (definition,) in run(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                f"WHERE conrelid = '{table}'::regclass AND contype = 'f'"
            ).all():
                run(f"ALTER TABLE floor_twin ADD {definition}")
        quiesce(engine)
        raw = engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cursor:
                rows = bytearray()
                with cursor.copy(f"COPY (SELECT {columns} FROM {table}) TO STDOUT") as copy:
                    for block in copy:
                        rows += block
                raw.commit()
                started = time.perf_counter()
                with cursor.copy(f"COPY floor_twin ({columns}) FROM STDIN") as copy:
                    for offset in range(0, len(rows), 1 << 20):
                        copy.write(rows[offset : offset + (1 << 20)])
                raw.commit()
                seconds += time.perf_counter() - started
                cursor.execute("DROP TABLE floor_twin")
            raw.commit()
        finally:
            raw.close()
    return seconds


def say(text: str) -> None:
    print(text, flush=True)


def run(args: argparse.Namespace) -> int:
    from db.crypto import Keyring, install_keyring
    from db.engine import make_engine
    from db.migrate import upgrade

    install_keyring(Keyring.from_secret(SECRET_KEY))
    with tempfile.TemporaryDirectory(prefix="wugong-bench-") as folder:
        path = Path(folder) / "已外出务工信息.csv"
        started = time.perf_counter()
        people = generate(path, args.rows)
        size = path.stat().st_size / 1e6
        say(
            f"generated {args.rows:,} work rows of {people:,} people ({size:.0f} MB) "
            f"in {time.perf_counter() - started:.0f}s; PostgreSQL, loopback"
        )
        with fresh_schema(args.database_url) as url:
            engine = make_engine(url)
            upgrade(engine)
            copy_seconds = raw_copy(engine, path)
            say(f"raw COPY          {copy_seconds:8.2f} s")
            quiesce(engine)  # the import pays for no checkpoint of the raw COPY's writes
            imported = timed_import(path, url)
            say(
                f"import            {imported['seconds']:8.2f} s  rows {imported['rows']:,}, "
                f"inserted {imported['inserted']:,}, errors {imported['errors']:,} "
                f"({imported['seconds'] / copy_seconds:.2f} × the raw COPY)"
            )
            peak = imported["peak_mb"]
            met = verdict(peak <= RSS_BAR_MB)
            say(f"importer peak RSS {peak:8.0f} MB (bar ≤ {RSS_BAR_MB:.0f}): {met}")
            floor = target_floor(engine)
            say(
                f"target floor      {floor:8.2f} s  (a raw COPY of what the import wrote, as "
                f"stored, into twins of {', '.join(FLOOR_TABLES)} with their indexes and "
                f"foreign keys: {floor / copy_seconds:.2f} × the raw COPY)"
            )
            ratio = imported["seconds"] / floor
            met = verdict(ratio <= IMPORT_BAR)
            say(f"import ratio      {ratio:8.2f}   (× the target floor; bar ≤ {IMPORT_BAR}): {met}")
            applications = add_applications(engine)
            join, join_tuned, crosscheck, checked = time_crosscheck(engine, args.crosscheck_limit)
            engine.dispose()
        xlsx_ok = not args.xlsx_rows or xlsx_against_csv(
            Path(folder), path, min(args.xlsx_rows, args.rows), args.database_url
        )
    say(f"applications      {applications:,} open, {checked:,} cross-checked")
    say(f"join              {join:8.2f} s  (the baseline: the server's default settings)")
    say(f"join, tuned       {join_tuned:8.2f} s  (the cross-check's settings: work_mem, no JIT)")
    if crosscheck is None:
        say(f"cross-check       did not finish within {args.crosscheck_limit} s: NOT met")
        return 1
    check_ratio = crosscheck / join
    say(f"cross-check       {crosscheck:8.2f} s  ({crosscheck / join_tuned:.2f} × the tuned join)")
    met = verdict(check_ratio <= CROSSCHECK_BAR)
    say(f"check ratio       {check_ratio:8.2f}   (bar ≤ {CROSSCHECK_BAR}): {met}")
    ok = ratio <= IMPORT_BAR and check_ratio <= CROSSCHECK_BAR and peak <= RSS_BAR_MB and xlsx_ok
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--crosscheck-limit", type=int, default=300, help="seconds the cross-check may take"
    )
    parser.add_argument(
        "--xlsx-rows",
        type=int,
        default=100_000,
        help="rows of the xlsx against csv import (0: none)",
    )
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import is not None:
        child_import(args.child_import, args.database_url)
        return 0
    # A stopped bench still drops its schema (the `finally` of fresh_schema runs).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
