"""The process runtime: settings, logging, keys, database engine and sessions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from db import migrate
from db.crypto import Keyring, install_keyring
from db.engine import make_engine, make_sessionmaker
from wugong import logging as wugong_logging
from wugong.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What every wugong process needs: its settings, the database and the keys."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def database_ok(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("database health check failed")
            return False
        return True

    def close(self) -> None:
        self.engine.dispose()


def pool_options(settings: Settings) -> dict[str, int]:
    """A PostgreSQL pool as large as the threads that may use it at once (SQLite: default)."""
    if settings.database_url.startswith("sqlite"):
        return {}
    threads = max(settings.http.bot_threads, settings.queue.worker_threads)
    return {"pool_size": threads, "max_overflow": threads // 2}


def start(settings: Settings | None = None, *, upgrade: bool = False) -> Runtime:
    """Configure logging and keys, open the database, and apply migrations when asked."""
    settings = settings or get_settings()
    wugong_logging.configure(settings.log.log_level)
    install_keyring(Keyring.from_secret(settings.secret_key()))
    engine = make_engine(settings.database_url, **pool_options(settings))
    if upgrade and migrate.needs_upgrade(engine):
        log.info("applying database migrations")
        migrate.upgrade(engine)
    return Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine))
