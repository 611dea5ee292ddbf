"""Migration 0010 from 0009: channels become names (no CHECK), attachments get a file name."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from db.engine import make_engine
from db.migrate import current_revision, upgrade


def test_upgrading_from_0009_keeps_the_chats_and_frees_the_channel_names(database_url):
    """Given a database at 0009 with a Telegram chat that has notifications, upgrading keeps
    every row and its references, and a chat of a channel 0009 did not know can be written."""
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as connection:
            # 0009 knows three channels only
            with pytest.raises(IntegrityError), connection.begin_nested():
                connection.execute(
                    sa.text(
                        "INSERT INTO chat_identity (channel, external_id, language,"
                        " phone_verified, state) VALUES ('sms', '1', 'zh_CN', false, '{}')"
                    )
                )
            connection.execute(
                sa.text(
                    "INSERT INTO chat_identity (channel, external_id, language, phone_verified,"
                    " state, reminders_enabled) VALUES ('telegram', '42', 'zh_CN', false, '{}',"
                    " true)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO notification (chat_identity_id, text, buttons, status, attempts)"
                    " SELECT id, 'hello', '[]', 'pending', 0 FROM chat_identity"
                )
            )
        upgrade(engine)
        assert current_revision(engine) != "0009"
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO chat_identity (channel, external_id, language, phone_verified,"
                    " state, reminders_enabled) VALUES ('carrier-pigeon', '7', 'zh_CN', false,"
                    " '{}', true)"
                )
            )
            rows = connection.execute(
                sa.text(
                    "SELECT c.channel, c.external_id, n.text FROM chat_identity c"
                    " LEFT JOIN notification n ON n.chat_identity_id = c.id ORDER BY c.id"
                )
            ).all()
            assert [tuple(row) for row in rows] == [
                ("telegram", "42", "hello"),
                ("carrier-pigeon", "7", None),
            ]
            columns = {
                column["name"] for column in sa.inspect(connection).get_columns("attachment")
            }
            assert {"storage_path", "file_id", "file_name"} <= columns
    finally:
        engine.dispose()
