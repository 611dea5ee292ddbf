"""The process runtime: settings, logging, keys, database engine and sessions."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from common import logging as wugong_logging
from common.errors import ConfigurationError
from common.settings import Settings, get_settings
from db import migrate
from db.crypto import Keyring, install_keyring, keyring
from db.engine import make_engine, make_sessionmaker
from db.errors import WrongKeyError
from db.key_check import key_status, record_or_check
from policy import PolicyError, install_parameters, load_parameters

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What every wugong process needs: its settings, the database and the keys."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    _dialog_engine: Engine | None = field(default=None, repr=False)
    _dialog_sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    def dialog_sessions(self) -> sessionmaker[Session]:
        """Sessions for the dialog turns of the channels (`bot.engine.Conversations`).

        On PostgreSQL they get a pool of their own that does not ping each connection it
        hands out: a turn that meets a connection the server dropped runs once more on a fresh
        one (`Conversations.handle`), so the round trip every message paid to test its
        connection first is saved. Elsewhere they are the runtime's sessions.
        """
        if self.engine.dialect.name != "postgresql":
            return self.sessions
        if self._dialog_sessions is None:
            self._dialog_engine = make_engine(
                self.engine.url, pool_pre_ping=False, **pool_options(self.settings)
            )
            self._dialog_sessions = make_sessionmaker(self._dialog_engine)
        return self._dialog_sessions

    def database_ok(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("database health check failed")
            return False
        return True

    def key_ok(self) -> bool:
        """True unless the database was written with another secret key than this process's
        (a database no process has started on since migration 0014 has none to compare)."""
        try:
            return key_status(self.engine, keyring().fingerprint()) != "mismatch"
        except Exception:
            log.exception("key check failed")
            return False

    def redis_ok(self) -> bool | None:
        """None without WUGONG_REDIS_URL, else whether Redis answers a PING."""
        url = self.settings.queue.redis_url
        if not url:
            return None
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        except redis.RedisError:
            log.warning("redis health check failed", exc_info=True)
            return False
        finally:
            client.close()

    def close(self) -> None:
        self.engine.dispose()
        if self._dialog_engine is not None:
            self._dialog_engine.dispose()


def pool_options(settings: Settings) -> dict[str, int]:
    """A PostgreSQL pool as large as the threads that may use it at once (SQLite: default)."""
    if settings.database_url.startswith("sqlite"):
        return {}
    threads = max(settings.http.bot_threads, settings.queue.worker_threads)
    return {"pool_size": threads, "max_overflow": threads // 2}


def start(
    settings: Settings | None = None, *, upgrade: bool = False, log_level: str = "WARNING"
) -> Runtime:
    """Configure logging and keys, open the database, apply migrations when asked, and check
    the secret key against the database's fingerprint (recorded by the first start; another
    key is a ConfigurationError). A var/ folder or SQLite file others may read is tightened.

    ``log_level`` is the level when WUGONG_LOG_LEVEL is unset: the long-running processes pass
    INFO; one-shot commands keep WARNING, so they print their result and nothing else.
    """
    settings = settings or get_settings()
    wugong_logging.configure(settings.log.log_level or log_level)
    folder = settings.paths.parameters_dir
    try:
        install_parameters(load_parameters([folder]) if folder else None)
    except PolicyError as error:
        raise ConfigurationError(f"WUGONG_PARAMETERS_DIR: {error}") from None
    make_private(settings)
    keys = Keyring.from_secret(settings.secret_key())
    install_keyring(keys)
    engine = make_engine(settings.database_url, **pool_options(settings))
    try:
        if upgrade and migrate.needs_upgrade(engine):
            log.info("applying database migrations")
            migrate.upgrade(engine)
        check_key(engine, keys)
    except BaseException:
        engine.dispose()
        raise
    make_private(settings)  # the SQLite files the engine may just have created
    return Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine))


def check_key(engine: Engine, keys: Keyring) -> None:
    """Record the key's fingerprint in a database that has none; refuse another key."""
    try:
        record_or_check(engine, keys.fingerprint())
    except WrongKeyError as error:
        raise ConfigurationError(str(error)) from None


def make_private(settings: Settings) -> None:
    """Make the var directory (the embedded database, the key, uploads) private to the service
    user: an existing directory or SQLite file others may read is tightened (what is created
    is private anyway: every wugong process runs with umask 077)."""
    _tighten(settings.paths.var_dir)
    if settings.database_url.startswith("sqlite"):
        database = Path(settings.database_url.split("///", 1)[-1])
        for path in (database, *(Path(f"{database}{end}") for end in ("-wal", "-shm"))):
            _tighten(path)


def _tighten(path: Path) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & 0o077:
        log.info("%s was readable by others; now private to the service user", path)
        os.chmod(path, current & ~0o077)
