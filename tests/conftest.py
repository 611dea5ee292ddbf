"""Shared fixtures. Database: a migrated engine on SQLite and, when configured, PostgreSQL.

Migrations run once per test session, not once per test: SQLite migrates one template file
that each test copies; PostgreSQL (when WUGONG_TEST_DATABASE_URL is set, for example
postgresql+psycopg://postgres@127.0.0.1:5432/test) migrates one template database,
``<db>_<worker>_tpl``, and each test gets a copy of it, ``<db>_<worker>_<n>``, dropped
afterwards (see PostgresDatabases). A test asking for an empty database (``database_url`` or
``postgres_url`` without ``engine``/``postgres_engine``) gets one, and migrates it itself.

Under pytest-xdist (CI runs ``-n 2``) every worker has databases of its own (``<worker>`` is
its id, gw0, gw1…; ``main`` without xdist), and a Redis database of its own: N + k for worker
gwk, N being the database of WUGONG_TEST_REDIS_URL. So CI uses Redis databases N and N+1 (14
and 15 by default): two workers on one database would take each other's dramatiq messages, and
each test flushes its database.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from common.broker import setup_broker
from db.crypto import Keyring, install_keyring
from db.engine import make_engine, make_sessionmaker, normalize_url
from db.migrate import upgrade
from workers import declare_actors, ratelimit

# Actors bind to the global broker when declared: the in-process one, set before any test module
# imports an actor (tests on Redis set their own broker, which takes the actors over).
setup_broker(None)
declare_actors()

POSTGRES_URL_ENV = "WUGONG_TEST_DATABASE_URL"
TEST_SECRET = b"wugong-tests-only-secret-0123456789abcdefghijklmnop"


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_URL_ENV) or None


REDIS_URL_ENV = "WUGONG_TEST_REDIS_URL"
# CI sets this: a service test that cannot run there must fail, not skip.
REQUIRE_SERVICES_ENV = "WUGONG_TEST_REQUIRE_SERVICES"


def _missing_service(message: str) -> None:
    if os.environ.get(REQUIRE_SERVICES_ENV):
        pytest.fail(f"{message}, but {REQUIRE_SERVICES_ENV} is set")
    pytest.skip(message)


def skip_without_postgres() -> str:
    url = postgres_base_url()
    if url is None:
        _missing_service(f"{POSTGRES_URL_ENV} is not set: PostgreSQL tests skipped")
    assert url is not None
    return url


def xdist_worker() -> str:
    """This process's pytest-xdist worker id (gw0, gw1…), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def worker_redis_url(url: str) -> str:
    """The Redis database of this xdist worker: N + k for worker gwk, N the one configured
    (dramatiq's queues live in the database, so two workers sharing one would take each other's
    messages, and each test flushes its database)."""
    worker = xdist_worker()
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + int(worker[2:])
    return urlunsplit(parts._replace(path=f"/{number}"))


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The Redis of WUGONG_TEST_REDIS_URL, flushed before and after the test."""
    import redis

    configured = os.environ.get(REDIS_URL_ENV)
    if not configured:
        _missing_service(f"{REDIS_URL_ENV} is not set: Redis tests skipped")
    assert configured is not None
    url = worker_redis_url(configured)
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.fail(f"{REDIS_URL_ENV}={url} cannot be reached: {error}")
    except redis.ResponseError as error:  # "DB index is out of range"
        pytest.fail(
            f"{url}, the Redis database of xdist worker {xdist_worker()}: {error}; "
            f"{REDIS_URL_ENV} must name a database that leaves one per worker above it"
        )
    yield url
    client.flushdb()
    client.close()


@contextmanager
def fresh_postgres_schema(base_url: str) -> Iterator[str]:
    """A new, empty schema on the server of ``base_url``; yields a URL whose search_path is it.

    The benchmarks use it (bench/support.py); the tests get databases of their own instead.
    """
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base_url, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = normalize_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            # A connection left inside a transaction would otherwise block the drop forever.
            connection.exec_driver_sql("SET lock_timeout = '10s'")
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


class PostgresDatabases:
    """Databases of this test session (of this xdist worker) on the server of ``base_url``:
    ``<db>_<worker>_<n>``, empty or copied from ``<db>_<worker>_tpl``, which is migrated once.

    Copying and dropping happen in two threads of their own: the copies for the next tests are
    made while this one runs, and a test's database is dropped while the next one runs.
    PostgreSQL 15's default strategy, WAL_LOG, copies the 12 MB template in 0.07–0.35 s here,
    depending on the load (it waits for the WAL to be written: two copies at once take hardly
    longer than one); FILE_COPY takes 0.4–0.5 s, for its two checkpoints; migrating 0.8–2.4 s.

    The names derive from the configured database and the worker only, so a run that was killed
    leaves nothing behind for long: the next session with the same settings drops it first.
    """

    AHEAD = 2  # migrated copies made ahead of the tests that will want them

    def __init__(self, base_url: str) -> None:
        self.base = normalize_url(base_url)
        assert self.base.database, f"{POSTGRES_URL_ENV} names no database"
        self.prefix = f"{self.base.database}_{xdist_worker()}"
        self.template = f"{self.prefix}_tpl"
        self.numbers = itertools.count(1)
        self.admin = make_engine(self.base, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.migrated = False
        self.background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="test-databases")
        self.ready: deque[Future[str]] = deque()  # migrated copies, made or being made
        self.drops: list[Future[None]] = []
        self.drop_leftovers()

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def execute(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(sql)

    def drop(self, name: str) -> None:
        # FORCE: a connection a test left open (or a worker process still stopping) would
        # otherwise make the drop fail.
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_leftovers(self) -> None:
        own = re.compile(rf"{re.escape(self.prefix)}_(tpl|[0-9]+)")
        with self.admin.connect() as connection:
            names = connection.exec_driver_sql("SELECT datname FROM pg_database").scalars()
            leftovers = [name for name in names if own.fullmatch(name)]
        for name in leftovers:
            self.drop(name)

    def create(self, template: str) -> str:
        name = f"{self.prefix}_{next(self.numbers)}"
        assert len(name) <= 63, f"{name}: longer than PostgreSQL's 63-byte names"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def migrate_template(self) -> None:
        self.execute(f'CREATE DATABASE "{self.template}" TEMPLATE template0')
        template = make_engine(self.url(self.template), poolclass=NullPool)
        upgrade(template)
        template.dispose()  # a template with a connection open cannot be copied
        self.migrated = True

    def take(self, *, migrated: bool) -> str:
        """A new database, migrated to head (a copy of the template) or empty; its name."""
        if not migrated:
            return self.create("template0")
        if not self.migrated:
            self.migrate_template()
        while len(self.ready) <= self.AHEAD:
            self.ready.append(self.background.submit(self.create, self.template))
        return self.ready.popleft().result()

    def give_back(self, name: str) -> None:
        """Drop the database in the background; a failure shows when the session ends."""
        self.drops = [drop for drop in self.drops if not drop.done() or drop.exception()]
        self.drops.append(self.background.submit(self.drop, name))

    @contextmanager
    def database(self, *, migrated: bool) -> Iterator[str]:
        """A new database for one test, dropped afterwards; yields its URL."""
        name = self.take(migrated=migrated)
        try:
            yield self.url(name)
        finally:
            self.give_back(name)

    def close(self) -> None:
        for made in self.ready:
            self.give_back(made.result())
        self.background.shutdown(wait=True)
        try:
            for drop in self.drops:
                drop.result()
        finally:
            self.drop(self.template)
            self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """This session's PostgreSQL databases; skips (fails on CI) without PostgreSQL."""
    databases = PostgresDatabases(skip_without_postgres())
    yield databases
    databases.close()


def _postgres_database(request: pytest.FixtureRequest, migrated_by: str) -> Iterator[str]:
    """A database of its own for the test, already migrated when the test asks for the
    fixture ``migrated_by`` (which then need not migrate it again)."""
    databases = request.getfixturevalue("postgres_databases")
    migrated = migrated_by in request.fixturenames
    with databases.database(migrated=migrated) as url:
        if migrated:
            MIGRATED_URLS.add(url)
        try:
            yield url
        finally:
            MIGRATED_URLS.discard(url)


# The PostgreSQL URLs of this test's databases that were copied from the migrated template.
MIGRATED_URLS: set[str] = set()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database, a fresh SQLite file or a PostgreSQL database of the test's own
    (migrated already when the test uses ``engine``, which would migrate it anyway)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'wugong.sqlite3'}"
        return
    yield from _postgres_database(request, migrated_by="engine")


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL database of the test's own only, for tests of PostgreSQL-specific behaviour
    (empty, or migrated already when the test uses ``postgres_engine``)."""
    yield from _postgres_database(request, migrated_by="postgres_engine")


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_url)
    if postgres_url not in MIGRATED_URLS:
        upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def keyring() -> Iterator[Keyring]:
    """A keyring from a fixed test secret, installed for the test and removed afterwards."""
    keys = Keyring.from_secret(TEST_SECRET)
    install_keyring(keys)
    yield keys
    install_keyring(None)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once per run (the division register included); the
    ``engine`` fixture copies it rather than migrating each test's database again."""
    path = tmp_path_factory.mktemp("template") / "wugong.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def engine(database_url: str, migrated_sqlite: Path) -> Iterator[Engine]:
    """An engine on the database of ``database_url``, migrated to the head revision."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        shutil.copyfile(migrated_sqlite, url.database)
        engine = make_engine(database_url)
    else:
        engine = make_engine(database_url)
        if database_url not in MIGRATED_URLS:
            upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine, keyring: Keyring) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session on the migrated database; whatever the test leaves uncommitted is rolled back."""
    with session_factory() as session:
        yield session
        session.rollback()


@pytest.fixture
def wugong_worker(
    redis_url: str, tmp_path: Path, database_url: str
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start real `wugong worker` processes on Redis against a database, with this process's
    broker on the same Redis; they are stopped after the test, which fails if one logged a
    traceback. (It asks for ``database_url`` so that the workers stop before the test's
    database is dropped.)"""
    from common.broker import setup_broker

    processes: list[subprocess.Popen[str]] = []

    def start(database_url: str, *, threads: int = 1) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
        env.update(
            WUGONG_REDIS_URL=redis_url,
            WUGONG_DATABASE_URL=database_url,
            WUGONG_SECRET_KEY=TEST_SECRET.decode(),  # the keyring fixture's secret
        )
        command = ["worker", "--processes", "1", "--threads", str(threads)]
        process = subprocess.Popen(
            [sys.executable, "-m", "wugong.cli", *command],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        processes.append(process)
        return process

    broker = setup_broker(redis_url)
    yield start
    outputs = []
    for process in processes:
        process.terminate()
        outputs.append(process.communicate(timeout=30)[0])
    broker.close()
    setup_broker(None)
    for output in outputs:
        assert "Traceback" not in output, output


class WorkerErrors(logging.Handler):
    """ERROR records of the dramatiq worker threads running in this test process, and of the
    actors (``workers.*``), which would otherwise only show as a retry 15 s later."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.expected: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("dramatiq", "workers")):
            self.records.append(record)

    def expect(self, fragment: str) -> None:
        """Allow ERROR records whose message contains ``fragment`` (the test provokes them)."""
        self.expected.append(fragment)

    def unexpected(self) -> list[str]:
        lines = []
        for record in self.records:
            message = record.getMessage()
            if any(fragment in message for fragment in self.expected):
                continue
            if record.exc_info and record.exc_info[1] is not None:
                message += f" ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            lines.append(f"{record.name}: {message}")
        return lines


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    """Forget the in-process send limiters of earlier tests: a test that sent to a chat would
    otherwise make the next one wait for that chat's interval."""
    ratelimit._limiter.cache_clear()


@pytest.fixture(autouse=True)
def worker_errors() -> Iterator[WorkerErrors]:
    """Fail the test whose in-process worker logged an ERROR (a failed actor, say "database is
    locked"), unless the test said it expects it."""
    handler = WorkerErrors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
    unexpected = handler.unexpected()
    if unexpected:
        pytest.fail("an in-process worker logged errors:\n" + "\n".join(unexpected))


@pytest.fixture(autouse=True)
def no_senders_left() -> Iterator[None]:
    """Each test registers the senders it sends through (`wugong.senders.register_senders`
    for a runtime, or its own); none outlives it."""
    from common.sending import clear_senders

    clear_senders()
    yield
    clear_senders()


@pytest.fixture
def county_parameters() -> Iterator[Callable[..., None]]:
    """Install a county's own parameter values for the test (as WUGONG_PARAMETERS_DIR would):
    ``county_parameters("140581", {"transport.deadline": "11-15"})``."""
    from policy import install_parameters, load_parameters

    def install(county: str, values: dict[str, object]) -> None:
        tree = load_parameters()
        install_parameters(tree.with_overrides(county, values, reference="test parameters"))

    yield install
    install_parameters(None)


class RecordingSms:
    """An SMS provider that keeps what it was asked to send (phone, code), for the tests to
    read the code a person would get; `fail` makes it refuse like a provider that is down."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.fail = False

    def send_code(self, phone: str, code: str) -> None:
        from common.sms import SmsError

        if self.fail:
            raise SmsError("the test provider is down")
        self.sent.append((phone, code))


@pytest.fixture(autouse=True)
def sms() -> Iterator[RecordingSms]:
    """Each test's own SMS provider, and fresh guessing limits of the chats (an ID typed or a
    code sent in an earlier test does not count in the next)."""
    from bot.dialogs.verify import install_limits
    from common.limits import MemoryLimits
    from common.sms import install_sms_provider

    recorder = RecordingSms()
    install_sms_provider(recorder)
    install_limits(MemoryLimits())
    yield recorder
    install_sms_provider(None)
    install_limits(None)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The reading corpus's share read right, in every run's summary (with xdist the test's own
    print stays in its worker): the figure the corpus is judged by (tests/corpus/README.md)."""
    corpus = (Path(__file__).parent / "corpus").resolve()
    asked = [Path(str(arg).split("::")[0]).resolve() for arg in config.args]
    if not any(corpus.is_relative_to(path) or path.is_relative_to(corpus) for path in asked):
        return
    from tests.corpus.test_corpus import report

    _share, _size, lines = report()
    terminalreporter.section("reading corpus")
    for line in lines:
        terminalreporter.write_line(line)
