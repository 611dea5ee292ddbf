"""Sending broadcasts: senders that drain a broadcast's delivery rows under the global rate.

A broadcast is served by a few `send_broadcast` messages at once (WUGONG_BROADCAST_SENDERS).
Each works for a slice of time, taking pending rows one by one (claimed before the send, the
outcome recorded after), then hands over to a fresh message of itself, so no actor nears
dramatiq's time limit (docs/stack-notes.md §5) and a lost message costs one slice at most. The
senders share the rows, not a partition of them: when a worker is killed, the others go on with
its share. `resume_broadcasts`, run by the scheduler, finishes broadcasts whose last rows were
claimed by a dead sender and starts senders again for a broadcast whose messages were lost
(a killed worker's wait out dramatiq's heartbeat timeout; a Redis restart loses them all).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from functools import partial

import dramatiq
import redis
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common import jobs
from common.i18n import N_, translate
from common.sending import (
    Attachment,
    AttachmentKind,
    Blocked,
    MaybeSent,
    Message,
    NoSender,
    Rejected,
    RetryLater,
    send_sync,
)
from db.engine import writing
from db.enums import BroadcastStatus, DeliveryStatus
from db.models import Broadcast, ChatIdentity, Notification
from db.queries import broadcasts as rows
from db.types import utcnow
from workers.context import runtime
from workers.notifications import deliver_notification
from workers.ratelimit import Limiter, acquire, limiter

log = logging.getLogger(__name__)

SLICE_SECONDS = 20.0
WATCH_EVERY = 1.0  # how often a sender re-reads the status (cancelled?) and beats its heart
STALL_AFTER = timedelta(seconds=10)  # no sender beat for this long: start new ones
MAX_ATTEMPTS = 5  # tries of one row the platform deferred (unreachable, a user's quota)

REPORT = N_(
    "📣 Broadcast {number} is finished: {sent} of {total} delivered; {blocked} had blocked the "
    "bot; {failed} failed; {ambiguous} with an unknown outcome (not sent again)."
)


class Senders:
    """The live senders of one broadcast, kept in Redis so they can replace each other.

    Each sender beats every WATCH_EVERY seconds (a field of a Redis hash whose value is when
    the beat expires). A worker killed with SIGKILL takes its senders' messages with it until
    dramatiq's heartbeat timeout gives them back (a minute or more); meanwhile the senders left
    see fewer live ones than configured and the oldest of them enqueues replacements, so the
    broadcast keeps its pace. Without Redis (the embedded mode, one process) nothing is kept.
    """

    TTL = 3.0  # a sender not heard of for this long is gone
    PLACEHOLDER_TTL = 10.0  # a sender enqueued but not started yet

    def __init__(self, broadcast_id: int, wanted: int, redis_url: str | None) -> None:
        self.key = f"wugong:broadcast:{broadcast_id}:senders"
        self.me = uuid.uuid4().hex
        self.wanted = wanted
        self.client = redis.Redis.from_url(redis_url) if redis_url else None

    def beat(self) -> int:
        """Record this sender alive; the number of replacements it should enqueue (0 unless
        it is the oldest live sender and some are missing)."""
        if self.client is None:
            return 0
        now = time.time()
        try:
            self.client.hset(self.key, self.me, now + self.TTL)
            self.client.expire(self.key, 3600)
            beats = {
                k.decode() if isinstance(k, bytes) else k: float(v)
                for k, v in self.client.hgetall(self.key).items()
            }
            expired = [k for k, until in beats.items() if until <= now]
            if expired:
                self.client.hdel(self.key, *expired)
        except redis.RedisError:
            return 0  # Redis restarting: the sweep restarts the broadcast if it stalls
        alive = sorted(k for k, until in beats.items() if until > now)
        if not alive or alive[0] != self.me or len(alive) >= self.wanted:
            return 0
        return self.wanted - len(alive)

    def expect(self, count: int) -> None:
        """Count `count` enqueued senders as alive until they start."""
        if self.client is None or count <= 0:
            return
        until = time.time() + self.PLACEHOLDER_TTL
        self.client.hset(self.key, mapping={f"~{uuid.uuid4().hex}": until for _ in range(count)})

    def leave(self) -> None:
        if self.client is not None:
            try:
                self.client.hdel(self.key, self.me)
            except redis.RedisError:
                pass
            finally:
                self.client.close()


class Watch:
    """A sender's view of its broadcast's status, refreshed at most every WATCH_EVERY seconds;
    each refresh also records that a sender is alive (the heartbeat)."""

    def __init__(
        self, sessions: sessionmaker[Session], broadcast_id: int, until: float, senders: Senders
    ) -> None:
        self.sessions = sessions
        self.broadcast_id = broadcast_id
        self.until = until
        self.senders = senders
        self.checked = 0.0
        self.sending = True

    def stop(self) -> bool:
        now = time.monotonic()
        if now >= self.until:
            return True
        if now - self.checked >= WATCH_EVERY:
            self.checked = now
            with writing(self.sessions) as session:
                status = session.scalar(
                    sa.update(Broadcast)
                    .where(Broadcast.id == self.broadcast_id)
                    .values(heartbeat_at=utcnow())
                    .returning(Broadcast.status)
                )
            self.sending = status == BroadcastStatus.SENDING
            missing = self.senders.beat() if self.sending else 0
            if missing:
                log.warning(
                    "broadcast %d: %d sender(s) gone; enqueuing replacements",
                    self.broadcast_id,
                    missing,
                )
                self.senders.expect(missing)
                for _ in range(missing):
                    send_broadcast.send(self.broadcast_id)
        return not self.sending


def start(broadcast_id: int, senders: int | None = None) -> None:
    """Enqueue the senders of a broadcast whose rows are written (call after the commit)."""
    settings = runtime().settings
    count = senders or settings.messaging.broadcast_senders
    expected = Senders(broadcast_id, count, settings.queue.redis_url)
    try:
        expected.expect(count)
    except redis.RedisError:
        log.warning("broadcast %d: Redis cannot be reached; the sweep will start it", broadcast_id)
        return
    finally:
        expected.leave()
    for _ in range(count):
        send_broadcast.send(broadcast_id)


@dramatiq.actor(
    actor_name=jobs.START_BROADCAST.actor,
    queue_name=jobs.START_BROADCAST.queue,
    max_retries=3,
    time_limit=60_000,
)
def start_broadcast(broadcast_id: int) -> None:
    """Start the senders of a broadcast confirmed in chat or on the command line."""
    start(broadcast_id)


@dramatiq.actor(queue_name="broadcasts", max_retries=3, time_limit=(SLICE_SECONDS + 60) * 1000)
def send_broadcast(broadcast_id: int) -> None:
    """Send pending deliveries of one broadcast for one slice of time; safe to run many times."""
    sessions = runtime().sessions
    with sessions() as session:
        broadcast = session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.status != BroadcastStatus.SENDING:
            return
        content = _message(session, broadcast)
    settings = runtime().settings
    senders = Senders(broadcast_id, settings.messaging.broadcast_senders, settings.queue.redis_url)
    watch = Watch(sessions, broadcast_id, time.monotonic() + SLICE_SECONDS, senders)
    try:
        _send_slice(broadcast_id, content, watch)
        with sessions() as session:
            still = session.scalar(sa.select(Broadcast.status).where(Broadcast.id == broadcast_id))
        if still == BroadcastStatus.SENDING and not _nothing_pending(sessions, broadcast_id):
            senders.expect(1)
            send_broadcast.send(broadcast_id)  # the next slice
    finally:
        senders.leave()


def _message(session: Session, broadcast: Broadcast) -> Message:
    """The broadcast as a channel-neutral message: its text, and the photo or document (an
    http(s) URL, or a file id of the channel it came from) as the attachment."""
    if not broadcast.attachment or broadcast.attachment_kind not in ("photo", "document"):
        return Message(broadcast.text)
    kind: AttachmentKind = "photo" if broadcast.attachment_kind == "photo" else "document"
    reference = broadcast.attachment
    if reference.startswith(("http://", "https://")):
        return Message(broadcast.text, attachment=Attachment(kind, url=reference))
    channel = rows.attachment_channel(session, broadcast)
    return Message(broadcast.text, attachment=Attachment(kind, refs={channel: reference}))


def _send_slice(broadcast_id: int, content: Message, watch: Watch) -> None:
    sessions = runtime().sessions
    shared = limiter(runtime().settings)
    wait_turn = partial(_wait_turn, shared, watch)
    while not watch.stop():
        with sessions.begin() as session:
            claim = rows.claim_next(session, broadcast_id, wait_turn)
        if claim is None:
            if watch.stop():
                break
            if _nothing_pending(sessions, broadcast_id):
                _finish(broadcast_id)
                return
            continue  # a row another sender took first
        _deliver(claim, content, shared)


def _wait_turn(shared: Limiter, watch: Watch, chat: str | None) -> bool:
    return acquire(shared, chat, stop=watch.stop)


def _nothing_pending(sessions: sessionmaker[Session], broadcast_id: int) -> bool:
    with sessions() as session:
        return not rows.has_pending(session, broadcast_id)


def _deliver(claim: rows.Claim, content: Message, shared: Limiter) -> None:
    """Send one claimed delivery through its chat's channel and record what became of it."""
    blocked = refund = False
    note: str | None
    try:
        send_sync(claim.channel, claim.external_id, replace(content, language=claim.language))
    except Blocked as error:
        blocked = True
        status, note = DeliveryStatus.BLOCKED, str(error)
    except (Rejected, NoSender) as error:
        # Not sent, and sending again will not help: never counted as delivered.
        status, note = DeliveryStatus.FAILED, f"undeliverable: {error}"
    except MaybeSent as error:
        status, note = DeliveryStatus.AMBIGUOUS, f"outcome unknown, not resent: {error}"
    except RetryLater as error:
        # Nothing arrived: the row goes back to pending. On flood control (the platform's own
        # limit, with a wait) every sender pauses, and the try is given back: waiting out the
        # platform's limit is not this recipient's failure, however often it happens. Other
        # deferrals (unreachable, this user's quota) use up the row's tries.
        status, note = DeliveryStatus.PENDING, str(error)
        if error.after_seconds is not None:
            shared.pause(error.after_seconds)
            refund = True
        else:
            time.sleep(1)
            if claim.attempts >= MAX_ATTEMPTS:
                status = DeliveryStatus.FAILED
    except Exception as error:  # a bug or a bad token: recorded, not retried blindly
        log.exception("broadcast delivery %d failed", claim.delivery_id)
        status, note = DeliveryStatus.FAILED, f"error: {type(error).__name__}"
    else:
        status, note = DeliveryStatus.SENT, None
    with writing(runtime().sessions) as session:
        rows.record_outcome(session, claim.delivery_id, status, note, refund_try=refund)
        if blocked:
            session.execute(
                sa.update(ChatIdentity)
                .where(ChatIdentity.id == claim.chat_identity_id)
                .values(blocked_at=utcnow())
            )


def _finish(broadcast_id: int) -> None:
    """Finish the broadcast if nothing is left to send, and report to its author once."""
    notification_id = None
    with writing(runtime().sessions) as session:
        now = utcnow()
        rows.expire_stale_claims(session, broadcast_id, now)
        broadcast = rows.finish_if_done(session, broadcast_id, now)
        if broadcast is None:
            return
        log.info("broadcast %d finished", broadcast_id)
        notification_id = _report(session, broadcast)
    if notification_id is not None:
        deliver_notification.send(notification_id)


def _report(session: Session, broadcast: Broadcast) -> int | None:
    """The final report for the broadcast's author in chat; the notification's id."""
    if broadcast.created_by_chat_identity_id is None:
        return None
    author = session.get(ChatIdentity, broadcast.created_by_chat_identity_id)
    if author is None or author.blocked_at is not None:
        return None
    notification = Notification(
        chat_identity_id=author.id,
        text=translate(
            author.language,
            REPORT,
            number=broadcast.id,
            sent=broadcast.sent,
            total=broadcast.total,
            blocked=broadcast.blocked,
            failed=broadcast.failed,
            ambiguous=broadcast.ambiguous,
        ),
    )
    session.add(notification)
    session.flush()
    return notification.id


@dramatiq.actor(queue_name="broadcasts", max_retries=3, time_limit=120_000)
def resume_broadcasts() -> None:
    """Finish broadcasts left with only dead senders' claims; restart stalled ones."""
    sessions = runtime().sessions
    now = utcnow()
    with sessions() as session:
        sending = session.execute(
            sa.select(Broadcast.id, Broadcast.heartbeat_at).where(
                Broadcast.status == BroadcastStatus.SENDING
            )
        ).all()
    for broadcast_id, heartbeat_at in sending:
        _finish(broadcast_id)
        if heartbeat_at is not None and heartbeat_at > now - STALL_AFTER:
            continue
        with writing(sessions) as session:
            restarted = session.execute(
                sa.update(Broadcast)
                .where(
                    Broadcast.id == broadcast_id,
                    Broadcast.status == BroadcastStatus.SENDING,
                    sa.or_(
                        Broadcast.heartbeat_at.is_(None),
                        Broadcast.heartbeat_at <= now - STALL_AFTER,
                    ),
                )
                .values(heartbeat_at=now)
            ).rowcount  # type: ignore[attr-defined]
        if restarted and not _nothing_pending(sessions, broadcast_id):
            log.warning("broadcast %d stalled: starting its senders again", broadcast_id)
            start(broadcast_id)
