"""The Telegram sender: one message to one chat outside a turn, behind `common.sending.Sender`.

The workers' sends (status news, reminders, broadcasts) come here through the registry; the
replies to a user's own message go out with the channel (channel.py). This side keeps
python-telegram-bot's default transport (httpx), whose exception classes tell a request that
never left from one that may have arrived.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
import weakref
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, InputFile, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.channel import file_base_url
from bot.channels.telegram.render import contact_keyboard, inline_keyboard_rows
from common.errors import ConfigurationError
from common.sending import (
    Attachment,
    Blocked,
    Capabilities,
    MaybeSent,
    Rejected,
    RetryLater,
    Sent,
)
from common.sending import (
    Message as Outgoing,
)
from common.settings import TelegramSettings
from db.enums import Channel

# httpx errors raised before any byte of the request left: sending again cannot duplicate.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# PTB 22 warns on every flood-control answer that retry_after will become a timedelta; both
# types are handled below, so the warning would only fill the worker log.
warnings.filterwarnings(
    "ignore", message=".*`retry_after` will be of type", category=PTBDeprecationWarning
)

CAPABILITIES = Capabilities(
    can_push=True, can_request_phone=True, buttons=True, photos=True, documents=True
)


class TelegramSender:
    """Sends through the Bot API of `settings`; one `Bot` per event loop that calls it (a
    worker thread keeps one loop), so its connections are reused and never cross loops."""

    channel = Channel.TELEGRAM.value
    capabilities = CAPABILITIES

    def __init__(self, settings: TelegramSettings) -> None:
        if settings.telegram_token is None:
            raise ConfigurationError("WUGONG_TELEGRAM_TOKEN is not set")
        self.settings = settings
        self._bots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Bot] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    async def send(self, chat_id: str, message: Outgoing) -> Sent:
        """Send `message`; with an attachment the text is its caption (one message, one
        delivery). Raises the outcomes of `common.sending`, never python-telegram-bot's."""
        bot = await self._bot()
        chat: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        markup = _markup(message)
        attachment = message.attachment
        try:
            if attachment is not None and attachment.kind == "photo":
                sent: Message = await bot.send_photo(
                    chat, _file(attachment), caption=message.text, reply_markup=markup
                )
            elif attachment is not None:
                sent = await bot.send_document(
                    chat, _file(attachment), caption=message.text, reply_markup=markup
                )
            else:
                sent = await bot.send_message(chat, message.text, reply_markup=markup)
        except (Forbidden, BadRequest, RetryAfter, NetworkError) as error:
            raise _outcome(error) from error
        return Sent(str(sent.message_id))

    async def _bot(self) -> Bot:
        loop = asyncio.get_running_loop()
        with self._lock:
            bot = self._bots.get(loop)
        if bot is not None:
            return bot
        assert self.settings.telegram_token is not None
        bot = Bot(
            self.settings.telegram_token.get_secret_value(),
            base_url=self.settings.telegram_base_url,
            base_file_url=file_base_url(self.settings.telegram_base_url),
        )
        try:
            await bot.initialize()  # getMe, once per loop
        except NetworkError as error:  # nothing was sent yet: safe to try again
            raise RetryLater(f"the Bot API cannot be reached: {error}") from error
        with self._lock:
            self._bots[loop] = bot
        return bot


def _markup(message: Outgoing) -> Any:
    if message.request_phone:
        keys = tuple(button for row in message.buttons for button in row)
        return contact_keyboard(message.language or "zh_CN", keys)
    return inline_keyboard_rows(message.buttons) if message.buttons else None


def _outcome(error: Exception) -> Exception:
    """python-telegram-bot's error as the outcome of common.sending."""
    text = str(error)
    if isinstance(error, Forbidden):
        return Blocked(text)
    if isinstance(error, BadRequest):
        # "chat not found": the chat is gone; any other refusal is this message's
        return Blocked(text) if "not found" in text.lower() else Rejected(text)
    if isinstance(error, RetryAfter):
        return RetryLater(text, _retry_after(error))
    if isinstance(error.__cause__, NOT_SENT):  # TimedOut and NetworkError: nothing left
        return RetryLater(text)
    # The request may have left before the connection broke: its outcome is unknown.
    return MaybeSent(text)


def _file(attachment: Attachment) -> str | InputFile:
    """What the Bot API takes for the file: Telegram's own id, a URL, or an upload."""
    ref = attachment.refs.get(Channel.TELEGRAM.value) or attachment.url
    if ref:
        return ref
    content = attachment.read()
    if content is None:
        raise Rejected("the attachment has neither bytes, a URL nor a Telegram file id")
    return InputFile(content, filename=attachment.filename or "file")


def _retry_after(error: RetryAfter) -> float:
    """The wait in seconds; PTB 22 gives an int or, opted in (PTB_TIMEDELTA), a timedelta."""
    value: float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
