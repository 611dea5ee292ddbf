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
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
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
        markup: Any = None
        if message.request_phone:
            keys = tuple(button for row in message.buttons for button in row)
            markup = contact_keyboard(message.language or "zh_CN", keys)
        elif message.buttons:
            markup = inline_keyboard_rows(message.buttons)
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
        except Forbidden as error:
            raise Blocked(str(error)) from error
        except BadRequest as error:
            if "not found" in str(error).lower():  # "chat not found": the chat is gone
                raise Blocked(str(error)) from error
            raise Rejected(str(error)) from error
        except RetryAfter as error:
            raise RetryLater(str(error), _retry_after(error)) from error
        except TimedOut as error:  # before NetworkError, its base class
            if isinstance(error.__cause__, NOT_SENT):
                raise RetryLater(str(error)) from error
            raise MaybeSent(str(error)) from error
        except NetworkError as error:
            if isinstance(error.__cause__, NOT_SENT):
                raise RetryLater(str(error)) from error
            # The request may have left before the connection broke: its outcome is unknown.
            raise MaybeSent(str(error)) from error
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
