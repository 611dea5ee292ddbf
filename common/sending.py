"""Sending is channel-neutral: one outgoing message, one sender per channel, one set of outcomes.

Whatever is said outside a reply to the user's own message (status news, reminders, broadcasts,
later the staff console) goes out through here. A channel provides one `Sender` (its name, what
it can do, an async `send`); the application shell registers each at process start
(`wugong.senders`), tests register their own; workers look one up by a chat's channel name and
never import a channel.

A send either returns `Sent`, or raises one of:

- `Blocked` — the user blocked us or the chat is gone: never retry, mark the chat unreachable;
- `Rejected` — the platform refused this message (a bad file, a malformed request): not sent,
  sending it again will not help, the chat stays reachable;
  `Unreachable` is a `Rejected` for the person rather than the message (no way to them now);
- `RetryLater` — rate limited or the platform is unreachable; nothing arrived, try again
  (after `after_seconds` when the platform said so);
- `MaybeSent` — the request left but no answer came (a timeout, a connection broken mid-way):
  it may have arrived, so it is recorded as such and never sent again blindly;
- `NoSender` (from `sender_for`) — no sender of that channel in this process: undeliverable,
  never counted as sent.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

# Telegram caps callback_data at 64 bytes; every button value stays within it on every channel.
MAX_BUTTON_VALUE_BYTES = 64
# Labels longer than this get a row each; shorter ones go two to a row.
SHORT_LABEL = 8


@dataclass(frozen=True)
class Button:
    """A tap target: `label` is shown, `value` (the payload) comes back when it is pressed."""

    label: str
    value: str

    def __post_init__(self) -> None:
        if len(self.value.encode()) > MAX_BUTTON_VALUE_BYTES:
            raise ValueError(f"button value over {MAX_BUTTON_VALUE_BYTES} bytes: {self.value!r}")


ButtonRows = tuple[tuple[Button, ...], ...]


def button_rows(buttons: Iterable[Button]) -> ButtonRows:
    """Buttons laid out in rows: one per row when any label is long, two per row otherwise."""
    keys = tuple(buttons)
    per_row = 1 if any(len(button.label) > SHORT_LABEL for button in keys) else 2
    return tuple(keys[i : i + per_row] for i in range(0, len(keys), per_row))


def stored_buttons(items: Sequence[dict[str, Any]] | None) -> ButtonRows:
    """The rows of buttons as a notification row stores them (a list of {"label", "value"})."""
    return button_rows(Button(str(item["label"]), str(item["value"])) for item in items or ())


AttachmentKind = Literal["photo", "document"]


@dataclass(frozen=True)
class Attachment:
    """A photo or document sent with a message, its text as the caption.

    Given as bytes (`content`), a local file (`path`), a public http(s) `url`, or the file's
    id on a channel that has it already (`refs`: channel name -> that channel's file id, as a
    Telegram file_id). A channel uses what it can; one that can use none of them gets the
    message without the attachment (`fit`).
    """

    kind: AttachmentKind
    content: bytes | None = field(default=None, repr=False)
    path: Path | None = None
    filename: str | None = None
    mime_type: str | None = None
    url: str | None = None
    refs: dict[str, str] = field(default_factory=dict)

    def read(self) -> bytes | None:
        """The file's bytes when they were given (inline or as a path), else None."""
        if self.content is not None:
            return self.content
        if self.path is not None:
            return self.path.read_bytes()
        return None

    def usable_by(self, channel: str) -> bool:
        return (
            self.content is not None
            or self.path is not None
            or self.url is not None
            or channel in self.refs
        )


@dataclass(frozen=True)
class Message:
    """One outgoing message: text, rows of buttons, an optional attachment, and whether to
    offer "share my phone number" (only where the channel can ask for it).

    `language` is the recipient's, for what a channel adds itself (the label of Telegram's
    share-phone key). `in_reply`: the answer to a message the user has just sent, so a channel
    that may write freely only for a while after the user's message (WeChat's 48 hours) need
    not look that up.
    """

    text: str
    buttons: ButtonRows = ()
    attachment: Attachment | None = None
    request_phone: bool = False
    language: str = ""
    in_reply: bool = False


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do.

    `can_push`: it reaches the user while they are away. A channel that cannot keeps messages
    in the project's outbox (`notification` rows) until the user's client fetches them: the
    web chat's page asks on its next poll. Workers leave notification rows of such a channel
    to it; its sender's `send` puts a message into that outbox.
    """

    can_push: bool = True
    can_request_phone: bool = False
    buttons: bool = True
    photos: bool = False
    documents: bool = False


@dataclass(frozen=True)
class Sent:
    """A message that left: the channel's id of it, when the channel gives one."""

    message_id: str | None = None


class SendError(Exception):
    """Base class of every outcome but "sent"."""


class NotSent(SendError):
    """Nothing arrived: the message certainly did not reach the user."""


class Blocked(NotSent):
    """The user blocked us, or the chat is gone: never retry, mark the chat unreachable."""


class Rejected(NotSent):
    """The platform refused this message as it is: do not retry it; the chat stays reachable."""


class Unreachable(Rejected):
    """The channel cannot reach this user now, though the chat is not gone (WeChat: no consent
    to notices, outside the 48-hour window with no template configured): not sent, do not
    retry; news that matters should reach them another way (the cadre's tell-in-person list)."""


class RetryLater(NotSent):
    """Rate limited, or the platform cannot be reached now: nothing arrived; try again later,
    after `after_seconds` when the platform said how long."""

    def __init__(self, message: str, after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.after_seconds = after_seconds


class MaybeSent(SendError):
    """The request left, no answer came: it may have arrived. Record it; never resend blindly
    (the platforms have no idempotency key)."""


class NoSender(SendError, LookupError):
    """No sender is registered for the channel in this process: the chat cannot be reached."""

    def __init__(self, channel: str) -> None:
        super().__init__(f"no sender for channel {channel!r} is registered in this process")
        self.channel = channel


@runtime_checkable
class Sender(Protocol):
    """One channel's way out: `send` delivers one message to one chat or raises an outcome.

    A sender may also offer ``send_now(chat_id, message) -> Sent``, the same send blocking the
    calling thread; `send_sync` then uses it."""

    @property
    def channel(self) -> str: ...

    @property
    def capabilities(self) -> Capabilities: ...

    async def send(self, chat_id: str, message: Message) -> Sent: ...


# --- the registry -----------------------------------------------------------------------------

_senders: dict[str, Sender] = {}
_lock = threading.Lock()


def register_sender(sender: Sender) -> None:
    """Make `sender` the one of its channel in this process (replacing an earlier one)."""
    with _lock:
        _senders[sender.channel] = sender


def unregister_sender(channel: str) -> None:
    with _lock:
        _senders.pop(channel, None)


def clear_senders() -> None:
    """Forget every sender (tests, a process shutting down)."""
    with _lock:
        _senders.clear()


def sender_for(channel: str) -> Sender:
    """The sender of `channel`; `NoSender` when this process has none."""
    sender = _senders.get(str(channel))
    if sender is None:
        raise NoSender(str(channel))
    return sender


def registered_channels() -> dict[str, Capabilities]:
    """Every channel this process can send to, with what it can do."""
    with _lock:
        return {name: sender.capabilities for name, sender in _senders.items()}


def outbox_channels() -> list[str]:
    """The registered channels that cannot push: their messages wait in the outbox."""
    return sorted(name for name, caps in registered_channels().items() if not caps.can_push)


# --- sending ----------------------------------------------------------------------------------


def fit(message: Message, channel: str, capabilities: Capabilities) -> Message:
    """`message` without what the channel cannot carry: buttons where it has none, the phone
    request where it cannot ask, an attachment it cannot show or reach (the text stays)."""
    changes: dict[str, Any] = {}
    if message.buttons and not capabilities.buttons:
        changes["buttons"] = ()
    if message.request_phone and not capabilities.can_request_phone:
        changes["request_phone"] = False
    attachment = message.attachment
    if attachment is not None:
        kind_ok = capabilities.photos if attachment.kind == "photo" else capabilities.documents
        if not kind_ok or not attachment.usable_by(channel):
            changes["attachment"] = None
    return replace(message, **changes) if changes else message


async def send(channel: str, chat_id: str, message: Message) -> Sent:
    """Send `message` to `chat_id` of `channel` through its registered sender, fitted to it."""
    sender = sender_for(channel)
    return await sender.send(chat_id, fit(message, channel, sender.capabilities))


# Worker threads are synchronous: each keeps one event loop for its sends, so a sender's
# connections (bound to the loop they were made in) are reused from one send to the next.
_local = threading.local()


def send_sync(channel: str, chat_id: str, message: Message) -> Sent:
    """`send` from synchronous code (a worker thread, a dialog turn's thread): the sender's own
    blocking `send_now` where it has one (WeChat's client is synchronous: no event loop and no
    second thread per message), else its `send` on this thread's own event loop."""
    sender = sender_for(channel)
    blocking: Callable[[str, Message], Sent] | None = getattr(sender, "send_now", None)
    if blocking is not None:
        return blocking(chat_id, fit(message, channel, sender.capabilities))
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop.run_until_complete(send(channel, chat_id, message))
