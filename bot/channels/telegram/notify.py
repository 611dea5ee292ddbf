"""Sending from worker threads: one message to one chat, outside the bot's event loop."""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Sequence
from datetime import timedelta

import httpx
from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.channel import file_base_url
from bot.channels.telegram.render import inline_keyboard
from bot.messages import Button
from common.errors import ConfigurationError
from common.settings import TelegramSettings


class DeliveryError(Exception):
    """Base class of the reasons a notification did not certainly arrive."""


class Undeliverable(DeliveryError):
    """Raised when the chat cannot get messages (the user blocked the bot, the chat is gone):
    sending again will not help."""

    def __init__(self, message: str, *, blocked: bool) -> None:
        super().__init__(message)
        self.blocked = blocked


class DeliveryUncertain(DeliveryError):
    """Raised when the send timed out: the message may have arrived, so it is not sent again."""


class DeliveryDeferred(DeliveryError):
    """Raised when Telegram asks to wait (flood control) or cannot be reached: try later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# httpx errors raised before any byte of the request left: sending again cannot duplicate.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# PTB 22 warns on every flood-control answer that retry_after will become a timedelta; both
# types are handled below, so the warning would only fill the worker log.
warnings.filterwarnings(
    "ignore", message=".*`retry_after` will be of type", category=PTBDeprecationWarning
)

# Each worker thread keeps one event loop and one Bot per token, so a notification costs one
# request (getMe runs once per thread) and the HTTP connection is reused.
_local = threading.local()


def send_notification_sync(
    settings: TelegramSettings,
    chat_id: int | str,
    text: str,
    buttons: Sequence[Button] = (),
    *,
    attachment_kind: str | None = None,
    attachment: str | None = None,
) -> int:
    """Send `text` with inline `buttons` to `chat_id`; the sent message's id.

    With an attachment (a Telegram file_id or an http(s) URL) the text is its caption, so one
    delivery is always one message. Raises Undeliverable, DeliveryUncertain or
    DeliveryDeferred; workers need not know python-telegram-bot's errors.
    """
    loop, bot = _thread_bot(settings)
    markup = inline_keyboard(tuple(buttons)) if buttons else None
    if attachment_kind == "photo" and attachment:
        call = bot.send_photo(chat_id, attachment, caption=text, reply_markup=markup)
    elif attachment_kind == "document" and attachment:
        call = bot.send_document(chat_id, attachment, caption=text, reply_markup=markup)
    else:
        call = bot.send_message(chat_id, text, reply_markup=markup)
    try:
        message: Message = loop.run_until_complete(call)
    except Forbidden as error:
        raise Undeliverable(str(error), blocked=True) from error
    except BadRequest as error:
        raise Undeliverable(str(error), blocked="not found" in str(error).lower()) from error
    except RetryAfter as error:
        raise DeliveryDeferred(str(error), _retry_after(error)) from error
    except TimedOut as error:  # before NetworkError, its base class
        if isinstance(error.__cause__, NOT_SENT):
            raise DeliveryDeferred(str(error)) from error
        raise DeliveryUncertain(str(error)) from error
    except NetworkError as error:
        if isinstance(error.__cause__, NOT_SENT):
            raise DeliveryDeferred(str(error)) from error
        # The request may have left before the connection broke: its outcome is unknown.
        raise DeliveryUncertain(str(error)) from error
    return message.message_id


def _retry_after(error: RetryAfter) -> float:
    """The wait in seconds; PTB 22 gives an int or, opted in (PTB_TIMEDELTA), a timedelta."""
    value: float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _thread_bot(settings: TelegramSettings) -> tuple[asyncio.AbstractEventLoop, Bot]:
    if settings.telegram_token is None:
        raise ConfigurationError("WUGONG_TELEGRAM_TOKEN is not set")
    token = settings.telegram_token.get_secret_value()
    key = (token, settings.telegram_base_url)
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
        _local.bots = {}
    bots: dict[tuple[str, str], Bot] = _local.bots
    bot = bots.get(key)
    if bot is None:
        bot = Bot(
            token,
            base_url=settings.telegram_base_url,
            base_file_url=file_base_url(settings.telegram_base_url),
        )
        try:
            loop.run_until_complete(bot.initialize())
        except NetworkError as error:  # nothing was sent yet: safe to try again
            raise DeliveryDeferred(f"the Bot API cannot be reached: {error}") from error
        bots[key] = bot
    return loop, bot
