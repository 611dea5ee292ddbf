"""The conversation engine: one message in, replies out, in one locked unit of work."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot import router
from bot.dialogs import REGISTRY
from bot.dialogs import staff as staff_roles
from bot.dialogs.base import Turn
from bot.messages import Incoming, Reply
from common.i18n import N_, normalize_language, translate
from db.engine import lock_for_writing
from db.models import ChatIdentity
from db.queries.staff import StaffLimits
from db.types import utcnow

log = logging.getLogger(__name__)

SORRY = N_("Sorry, something went wrong on our side. Please try again, or send /start.")
# Update ids remembered per user to drop a redelivery; webhooks may deliver out of order.
RECENT_UPDATES = 32


class Conversations:
    """Runs the dialogs for incoming messages; synchronous, called through a thread pool.

    ``now`` is the clock of staff roles (a web chat's lapses) and of one-time codes,
    ``staff_limits`` how long staff roles last there (WUGONG_STAFF_IDLE_HOURS and
    WUGONG_STAFF_MAX_DAYS when not given)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = utcnow,
        staff_limits: StaffLimits | None = None,
    ) -> None:
        self.sessions = sessions
        self.today = today
        self.now = now
        self.staff_limits = staff_limits or staff_roles.limits_from_settings()

    def handle(
        self, incoming: Incoming, with_turn: Callable[[Session], None] | None = None
    ) -> list[Reply]:
        """The replies to one message. Never raises: a failure becomes an apology.

        `with_turn` is the channel's own bookkeeping of the message (WeChat's inbox row done),
        run in the turn's transaction so both commit or neither does; it runs for a dropped
        redelivery and an apology too. When no transaction committed, it did not run."""
        for attempt in (1, 2):
            try:
                return self._run(incoming, router.route, with_turn)
            except DBAPIError as error:
                if error.connection_invalidated and attempt == 1:
                    # The database restarted since this connection was made: once more.
                    log.warning("database connection lost; retrying the message once")
                    continue
                log.exception("conversation failed (%s user %s)", incoming.channel, incoming.user)
                break
            except Exception:
                # The whole turn was rolled back, so the user's data stays as it was; a second,
                # small transaction apologises and asks the same question again.
                log.exception("dialog step failed (%s user %s)", incoming.channel, incoming.user)
                try:
                    return self._run(incoming, router.apologise, with_turn)
                except Exception:
                    log.exception("apologising failed too")
                break
        return [Reply(translate(normalize_language(incoming.language_hint), SORRY))]

    def _run(
        self,
        incoming: Incoming,
        route: Callable[[Turn], None],
        with_turn: Callable[[Session], None] | None,
    ) -> list[Reply]:
        """One turn in one transaction, the sender's identity row locked until the commit."""
        with self.sessions() as session:
            with session.begin():
                lock_for_writing(session)
                identity = _lock_identity(session, incoming, self.now())
                if with_turn is not None:
                    with_turn(session)
                if _is_redelivery(identity, incoming):
                    log.info("dropped redelivered update %s", incoming.update_id)
                    return []
                turn = Turn(
                    registry=REGISTRY,
                    session=session,
                    identity=identity,
                    incoming=incoming,
                    today=self.today(),
                    state=_copy_state(identity.state),
                    now=self.now(),
                )
                staff_roles.keep_or_end(turn, self.staff_limits)  # before any role check
                route(turn)
                _remember_update(identity, incoming, turn.state)
                identity.state = turn.state
            for callback in turn.after_commit:
                try:
                    callback()
                except Exception:
                    # The row is written; the periodic sweep picks up what was not enqueued.
                    log.exception("after-commit action failed")
            language = identity.language
            return [dataclasses.replace(reply, language=language) for reply in turn.replies]


def _lock_identity(session: Session, incoming: Incoming, now: datetime) -> ChatIdentity:
    """The sender's chat identity, created on first contact, locked until the commit; `now`
    is the user's last message (``last_inbound_at``: WeChat's 48-hour window opens from it),
    and a user who writes is reachable again (``blocked_at`` cleared: they unblocked the bot
    or followed the account again).

    One statement: the upsert takes the row lock (PostgreSQL; SQLite holds its write lock from
    BEGIN IMMEDIATE), which serialises the messages of one user: two quick taps are handled one
    after the other.
    """
    return session.scalars(
        _UPSERT,
        {
            "channel": str(incoming.channel),
            "external_id": incoming.user,
            "language": normalize_language(incoming.language_hint),
            "now": utcnow(),
            "inbound": now,
        },
        execution_options={"populate_existing": True},
    ).one()


_TABLE = ChatIdentity.__table__
# Plain SQL that PostgreSQL and SQLite share: SQLAlchemy's ORM upsert with ON CONFLICT DO UPDATE
# is compiled anew for every message, which cost more than the rest of a turn.
_UPSERT = sa.select(ChatIdentity).from_statement(
    sa.text(
        "INSERT INTO chat_identity"
        " (channel, external_id, language, phone_verified, state, created_at, updated_at,"
        " last_inbound_at)"
        " VALUES (:channel, :external_id, :language, false, :state, :now, :now, :inbound)"
        " ON CONFLICT (channel, external_id) DO UPDATE SET updated_at = excluded.updated_at,"
        " last_inbound_at = excluded.last_inbound_at, blocked_at = NULL"
        " RETURNING " + ", ".join(column.name for column in _TABLE.columns)
    )
    .bindparams(
        sa.bindparam("state", value={}, type_=_TABLE.c.state.type),
        sa.bindparam("now", type_=_TABLE.c.updated_at.type),
        sa.bindparam("inbound", type_=_TABLE.c.last_inbound_at.type),
    )
    .columns(*_TABLE.columns)
)


def _copy_state(state: dict | None) -> dict:
    """A deep copy of the stored dialog state, which is JSON (it lives in a JSON column):
    a JSON round trip in C is several times faster than copy.deepcopy."""
    return json.loads(json.dumps(state)) if state else {}


def _is_redelivery(identity: ChatIdentity, incoming: Incoming) -> bool:
    """True for an update id this user's recent messages already had."""
    if incoming.update_id is None:
        return False
    return incoming.update_id in (identity.state or {}).get("_updates", [])


def _remember_update(identity: ChatIdentity, incoming: Incoming, state: dict) -> None:
    if incoming.update_id is None:
        return
    # Taken from the state before this turn: a dialog may have cleared the turn's state.
    recent = [*(identity.state or {}).get("_updates", []), incoming.update_id][-RECENT_UPDATES:]
    state["_updates"] = recent
    identity.last_update_id = max(identity.last_update_id or 0, incoming.update_id)
