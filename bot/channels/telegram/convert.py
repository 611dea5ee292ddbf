"""Telegram updates as channel-agnostic messages: what a user sent, or why it is not for us."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Chat, Message, Update

from bot.messages import FileRef, Incoming
from db.enums import Channel

# Message content the dialogs cannot read, checked in this order (an animation also carries a
# `document`, a venue a `location`, so they come before the kinds they contain).
UNSUPPORTED_KINDS = (
    "sticker",
    "animation",
    "voice",
    "audio",
    "video",
    "video_note",
    "venue",
    "location",
    "poll",
    "dice",
)


@dataclass(frozen=True)
class Converted:
    """One update, sorted: a message for the dialogs, a message from a group, or nothing."""

    incoming: Incoming | None = None
    group_chat_id: int | None = None  # a group or supergroup: only the private-chat hint
    callback_query_id: str | None = None  # to be answered whatever happens next


def convert(update: Update, bot_username: str | None = None) -> Converted:
    """Sort one update; edited messages, channel posts and other kinds come back empty."""
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != Chat.PRIVATE:
            return Converted(group_chat_id=chat.id, callback_query_id=query.id)
        if query.data is None:  # a game button: nothing for the dialogs
            return Converted(callback_query_id=query.id)
        return Converted(
            incoming=Incoming(
                channel=Channel.TELEGRAM,
                user=str(query.from_user.id),
                button=query.data,
                language_hint=query.from_user.language_code,
                update_id=update.update_id,
                display_name=query.from_user.full_name,
            ),
            callback_query_id=query.id,
        )
    message = update.message
    if message is None:
        return Converted()
    if message.chat.type != Chat.PRIVATE:
        if message.chat.type in (Chat.GROUP, Chat.SUPERGROUP) and _has_content(message):
            return Converted(group_chat_id=message.chat.id)
        return Converted()
    content = _content(message, bot_username)
    if content is None:
        return Converted()  # a service message (pinned, timer changed, …): nothing to answer
    sender = message.from_user
    return Converted(
        incoming=Incoming(
            channel=Channel.TELEGRAM,
            user=str(message.chat.id),
            language_hint=sender.language_code if sender is not None else None,
            update_id=update.update_id,
            display_name=sender.full_name if sender is not None else None,
            **content,
        )
    )


def _has_content(message: Message) -> bool:
    return bool(message.text) or message.effective_attachment is not None


def _content(message: Message, bot_username: str | None) -> dict[str, Any] | None:
    """The one field of Incoming that this message fills, as keyword arguments."""
    if message.text is not None:
        return {"text": _strip_bot_mention(message.text, bot_username)}
    if message.contact is not None:
        sender = message.from_user
        own = (
            sender is not None
            and message.contact.user_id is not None
            and message.contact.user_id == sender.id
        )
        return {"contact_phone": message.contact.phone_number, "contact_is_own": own}
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size))
        return {
            "file": FileRef(
                kind="photo",
                file_id=largest.file_id,
                mime_type="image/jpeg",  # Telegram re-encodes every photo as JPEG
                size=largest.file_size,
            )
        }
    for kind in UNSUPPORTED_KINDS:
        if getattr(message, kind) is not None:
            return {"unsupported": kind}
    if message.document is not None:
        document = message.document
        return {
            "file": FileRef(
                kind="document",
                file_id=document.file_id,
                name=document.file_name,
                mime_type=document.mime_type,
                size=document.file_size,
            )
        }
    if message.effective_attachment is not None:
        return {"unsupported": "other"}  # a game, story, invoice, …
    return None


def _strip_bot_mention(text: str, bot_username: str | None) -> str:
    """`/start@WugongBot CODE` as `/start CODE`: a command addressed to this bot by name."""
    if not bot_username or not text.startswith("/"):
        return text
    command, separator, rest = text.partition(" ")
    name, at, target = command.partition("@")
    if at and target.lower() == bot_username.lower():
        return name + separator + rest
    return text
