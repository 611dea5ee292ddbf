"""A dialog turn that meets a connection the database dropped runs again on a fresh one.

`wugong serve` gives the dialog turns a PostgreSQL pool that does not ping connections before
handing them out (`Runtime.dialog_sessions`); these tests hold it to that promise with a real
server dropping the connection under it.
"""

from __future__ import annotations

import logging

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.engine import SORRY, Conversations
from bot.messages import Channel, Incoming
from common.i18n import translate
from common.runtime import Runtime
from common.settings import Settings
from db.engine import make_engine
from db.migrate import upgrade

pytestmark = pytest.mark.postgres


def terminate_pooled_connections(url: str, application_name: str) -> int:
    """Drop, from the server's side, every connection the pool under test holds."""
    libpq = make_url(url).set(drivername="postgresql", query={}).render_as_string(False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            (application_name,),
        ).fetchone()[0]


def start(user: str, text: str, update_id: int) -> Incoming:
    return Incoming(
        channel=Channel.TELEGRAM, user=user, text=text, update_id=update_id, language_hint="zh"
    )


def test_a_turn_on_a_dropped_connection_is_answered_normally(
    postgres_url, keyring, monkeypatch, caplog
):
    """Given the dialog pool holding a connection, when the server drops it (a restart, an
    idle timeout) and the user writes again, the user gets the real answer, not an apology,
    and the loss is logged once."""
    name = "wugong-reconnect-test"
    url = make_url(postgres_url).update_query_dict({"application_name": name})
    monkeypatch.setenv("WUGONG_DATABASE_URL", url.render_as_string(False))
    monkeypatch.setenv("WUGONG_BOT_THREADS", "1")
    monkeypatch.setenv("WUGONG_SECRET_KEY", "x" * 40)
    settings = Settings()
    engine = make_engine(url)
    upgrade(engine)
    runtime = Runtime(settings=settings, engine=engine, sessions=None)  # type: ignore[arg-type]
    try:
        conversations = Conversations(runtime.dialog_sessions())
        first = conversations.handle(start("8800", "/start", 1))
        assert first and translate("zh_CN", SORRY) not in first[0].text
        assert terminate_pooled_connections(postgres_url, name) >= 1
        with caplog.at_level(logging.WARNING, logger="bot.engine"):
            again = conversations.handle(start("8800", "/start", 2))
        assert [reply.text for reply in again] == [reply.text for reply in first]
        assert "retrying the message once" in caplog.text
    finally:
        runtime.close()
