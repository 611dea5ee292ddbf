"""The conversation engine: one message in, replies out, in one locked unit of work."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot import router
from bot.dialogs.base import Turn
from bot.messages import Incoming, Reply
from db.engine import lock_for_writing
from db.models import ChatIdentity
from wugong.i18n import normalize_language, translate

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side. Please try again, or send /start."


class Conversations:
    """Runs the dialogs for incoming messages; synchronous, called through a thread pool."""

    def __init__(
        self, sessions: sessionmaker[Session], *, today: Callable[[], date] = date.today
    ) -> None:
        self.sessions = sessions
        self.today = today

    def handle(self, incoming: Incoming) -> list[Reply]:
        """The replies to one message. Never raises: a failure becomes an apology."""
        try:
            return self._handle(incoming)
        except Exception:
            log.exception("conversation failed (%s user %s)", incoming.channel, incoming.user)
            return [Reply(translate(normalize_language(incoming.language_hint), SORRY))]

    def _handle(self, incoming: Incoming) -> list[Reply]:
        with self.sessions() as session:
            with session.begin():
                lock_for_writing(session)
                identity = _lock_identity(session, incoming)
                if _is_redelivery(identity, incoming):
                    log.info("dropped redelivered update %s", incoming.update_id)
                    return []
                if incoming.update_id is not None:
                    identity.last_update_id = incoming.update_id
                turn = Turn(
                    session=session,
                    identity=identity,
                    incoming=incoming,
                    today=self.today(),
                    state=copy.deepcopy(identity.state or {}),
                )
                savepoint = session.begin_nested()
                try:
                    router.route(turn)
                    savepoint.commit()
                except Exception:
                    # The user's data stays as it was before this message; the dialog goes on.
                    savepoint.rollback()
                    log.exception("dialog step failed (%s/%s)", identity.dialog, identity.step)
                    turn.replies = []
                    turn.after_commit = []
                    router.apologise(turn)
                identity.state = turn.state
            for callback in turn.after_commit:
                try:
                    callback()
                except Exception:
                    # The row is written; the periodic sweep picks up what was not enqueued.
                    log.exception("after-commit action failed")
            return turn.replies


def _lock_identity(session: Session, incoming: Incoming) -> ChatIdentity:
    """The sender's chat identity, created on first contact, locked until the commit.

    The lock serialises the messages of one user: two quick taps are handled one after the other.
    """
    values = {
        "channel": incoming.channel.value,
        "external_id": incoming.user,
        "language": normalize_language(incoming.language_hint),
        "phone_verified": False,
        "state": {},
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(ChatIdentity.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    )
    return session.scalars(
        sa.select(ChatIdentity)
        .where(
            ChatIdentity.channel == incoming.channel,
            ChatIdentity.external_id == incoming.user,
        )
        .with_for_update()
    ).one()


def _is_redelivery(identity: ChatIdentity, incoming: Incoming) -> bool:
    return (
        incoming.update_id is not None
        and identity.last_update_id is not None
        and incoming.update_id <= identity.last_update_id
    )
