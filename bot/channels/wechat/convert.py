"""WeChat messages and events (the callback's fields) as channel-agnostic messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.messages import MAX_BUTTON_VALUE_BYTES, FileRef, Incoming
from db.enums import Channel

# Message kinds the dialogs cannot read: they get the `unsupported` line.
UNSUPPORTED_KINDS = frozenset({"location", "link", "video", "shortvideo", "file", "music"})
# A voice message WeChat could not transcribe (no Recognition): a line of its own.
UNRECOGNISED_VOICE = "unrecognised_voice"


@dataclass(frozen=True)
class Converted:
    """One callback, sorted: a message for the dialogs, an unsubscribe, or nothing to do."""

    incoming: Incoming | None = None
    unsubscribe: bool = False


def dedup_key(fields: dict[str, str]) -> str | None:
    """The key that makes WeChat's retries of one callback one row (None: not a user's).

    A message by its sender and MsgId (MsgId alone once repeated across users, WxJava#333);
    an event, which has no MsgId, by its sender, CreateTime and event (and its key, so two
    menu clicks in one second stay two)."""
    user = fields.get("FromUserName", "")
    if not user:
        return None
    if fields.get("MsgType") == "event":
        event = fields.get("Event", "")
        created = fields.get("CreateTime", "")
        return f"event:{user}:{created}:{event}:{fields.get('EventKey', '')}"[:200]
    msg_id = fields.get("MsgId") or fields.get("MsgID")
    if not msg_id:
        return f"nomsgid:{user}:{fields.get('CreateTime', '')}:{fields.get('MsgType', '')}"
    return f"msg:{user}:{msg_id}"[:200]


def kind_of(fields: dict[str, str]) -> str:
    kind = fields.get("MsgType", "")
    if kind == "event":
        return f"event:{fields.get('Event', '')}"[:64]
    return kind[:64]


def convert(fields: dict[str, str], update_id: int | None = None) -> Converted:
    """Sort one callback; `update_id` (the inbox row) lets the engine drop a turn run twice."""
    user = fields.get("FromUserName", "")
    kind = fields.get("MsgType", "")

    def incoming(**content: object) -> Converted:
        return Converted(
            incoming=Incoming(
                channel=Channel.WECHAT,
                user=user,
                update_id=update_id,
                numbered_options=True,
                **content,  # type: ignore[arg-type]
            )
        )

    if kind == "text":
        text = fields.get("Content", "")
        option = fields.get("bizmsgmenuid", "")
        if option.isdigit():
            return incoming(text=text, option=int(option))
        return incoming(text=text)
    if kind == "voice":
        recognised = fields.get("Recognition", "").strip()
        if recognised:
            return incoming(text=recognised)
        return incoming(unsupported=UNRECOGNISED_VOICE)
    if kind == "image":
        media_id = fields.get("MediaId", "")
        if not media_id:
            return incoming(unsupported="image")
        return incoming(file=FileRef(kind="photo", file_id=media_id, mime_type="image/jpeg"))
    if kind == "event":
        return _event(fields, incoming)
    return incoming(unsupported=kind if kind in UNSUPPORTED_KINDS else "other")


def _event(fields: dict[str, str], incoming: Callable[..., Converted]) -> Converted:
    event = fields.get("Event", "")
    if event == "subscribe":
        return incoming(text="/start")  # a greeting and the menu, as a first /start
    if event == "unsubscribe":
        return Converted(unsubscribe=True)
    if event == "CLICK":
        key = fields.get("EventKey", "")
        if key and len(key.encode()) <= MAX_BUTTON_VALUE_BYTES:
            return incoming(button=key)  # the account menu's keys are button values (menu:…)
        return Converted()
    return Converted()  # a menu link opened (VIEW), a location report, a send job's end, …
