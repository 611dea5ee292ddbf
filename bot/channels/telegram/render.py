"""Replies as Telegram messages: the text and its keyboard, inline or "share my phone"."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.messages import Button, Reply
from common.i18n import N_, translate
from common.sending import ButtonRows, button_rows

SHARE_PHONE = N_("Share my phone number")
PARAGRAPH = "\n\n"
MAX_TEXT = 4096  # Telegram's limit for one message

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass(frozen=True)
class Outgoing:
    """One sendMessage: its text and markup (also as the JSON the Bot API takes), and whether
    inline buttons follow by an edit."""

    text: str
    markup: Markup
    markup_json: str | None
    then_inline: InlineKeyboardMarkup | None = None


# Keyboards are built once per set of buttons: the dialogs offer the same few again and again,
# and python-telegram-bot's objects cost more to build and serialise than the rest of a reply.
KEYBOARDS_CACHED = 4096
REMOVE_KEYBOARD = ReplyKeyboardRemove()
REMOVE_KEYBOARD_JSON = REMOVE_KEYBOARD.to_json()


@lru_cache(maxsize=KEYBOARDS_CACHED)
def inline_keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup:
    """One button per row when any label is long, two per row otherwise."""
    return inline_keyboard_rows(button_rows(buttons))


@lru_cache(maxsize=KEYBOARDS_CACHED)
def inline_keyboard_rows(rows: ButtonRows) -> InlineKeyboardMarkup:
    """Inline buttons in the rows given."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.value) for b in row] for row in rows]
    )


@lru_cache(maxsize=KEYBOARDS_CACHED)
def inline_keyboard_json(buttons: tuple[Button, ...]) -> str:
    return inline_keyboard(buttons).to_json()


@lru_cache(maxsize=KEYBOARDS_CACHED)
def contact_keyboard(language: str, buttons: tuple[Button, ...]) -> ReplyKeyboardMarkup:
    """The "share my phone" key, then the reply's buttons as keys that send their label.

    Typing a button's label counts as pressing it, so plain keys next to the contact key work.
    """
    rows = [[KeyboardButton(translate(language, SHARE_PHONE), request_contact=True)]]
    rows += [[KeyboardButton(button.label)] for button in buttons]
    return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)


@lru_cache(maxsize=KEYBOARDS_CACHED)
def contact_keyboard_json(language: str, buttons: tuple[Button, ...]) -> str:
    return contact_keyboard(language, buttons).to_json()


class ReplyKeyboards:
    """The chats of this process that may still show a "share my phone" keyboard.

    Best effort and per process: a reply without buttons always removes the keyboard, so a chat
    that another process (or a restart) served only keeps it until such a reply.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._chats: OrderedDict[int, None] = OrderedDict()

    def shown(self, chat_id: int) -> bool:
        return chat_id in self._chats

    def show(self, chat_id: int) -> None:
        self._chats[chat_id] = None
        self._chats.move_to_end(chat_id)
        while len(self._chats) > self.capacity:
            self._chats.popitem(last=False)

    def hide(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)


def render(
    replies: Sequence[Reply], language: str, *, keyboard_shown: bool
) -> tuple[list[Outgoing], bool]:
    """The messages for `replies`, and whether a "share my phone" keyboard is shown after them.

    Replies without buttons are joined to the reply after them: one turn then costs one or two
    messages, which keeps a chat under Telegram's ~1 message/s per chat and the user's phone from
    buzzing for each line. A text over Telegram's 4096 characters is split.

    A shown reply keyboard is removed by the first later message: a reply without buttons carries
    the removal itself; a reply with inline buttons (one markup per message) is sent with the
    removal and gets its buttons by an edit.
    """
    groups: list[tuple[str, Reply | None]] = []
    pending: list[str] = []
    for each in replies:
        pending.append(each.text)
        if each.buttons or each.request_contact:
            groups.append((PARAGRAPH.join(pending), each))
            pending = []
    if pending:
        groups.append((PARAGRAPH.join(pending), None))
    outgoing = []
    for text, reply in groups:
        *leading, last = split_text(text)
        outgoing += [_removing(part) for part in leading]
        if leading:
            keyboard_shown = False
        if reply is not None and reply.request_contact:
            markup = contact_keyboard(language, reply.buttons)
            outgoing.append(Outgoing(last, markup, contact_keyboard_json(language, reply.buttons)))
            keyboard_shown = True
        elif reply is None:
            outgoing.append(_removing(last))
            keyboard_shown = False
        elif keyboard_shown:
            outgoing.append(
                Outgoing(
                    last, REMOVE_KEYBOARD, REMOVE_KEYBOARD_JSON, inline_keyboard(reply.buttons)
                )
            )
            keyboard_shown = False
        else:
            outgoing.append(
                Outgoing(last, inline_keyboard(reply.buttons), inline_keyboard_json(reply.buttons))
            )
    return outgoing, keyboard_shown


def _removing(text: str) -> Outgoing:
    return Outgoing(text, REMOVE_KEYBOARD, REMOVE_KEYBOARD_JSON)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at line ends where possible."""
    parts = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    parts.append(text)
    return parts
