"""The Telegram channel: python-telegram-bot in polling or webhook mode, around the engine."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import hmac
import json
import logging
import warnings
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.channels.edge import EdgeLimits, too_many
from bot.channels.telegram.convert import convert
from bot.channels.telegram.render import ReplyKeyboards, render
from bot.channels.telegram.transport import AiohttpRequest
from bot.messages import Incoming, Reply
from common.attachments import FileStore, worth_keeping
from common.errors import ConfigurationError
from common.i18n import N_, normalize_language, translate
from common.settings import TelegramSettings

if TYPE_CHECKING:  # workers send notifications without loading the dialogs
    from bot.engine import Conversations

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Only what the dialogs read: edited messages, channel posts, member changes are never sent.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

PRIVATE_ONLY = N_("Please talk to me in a private chat: personal details do not belong in a group.")
OPEN_PRIVATE_CHAT = N_("Open a private chat")
TOO_FAST = N_("You are sending messages too fast. Please wait {seconds} seconds and try again.")
APOLOGY = N_("Sorry, something went wrong on our side. Please try again, or send /start.")


# The webhook answer being built for the update in hand (None outside a webhook request).
_WEBHOOK_ANSWER: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "telegram_webhook_answer", default=None
)

# _send makes its sendMessage as a raw request on purpose; python-telegram-bot warns about that.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)

CONNECTION_POOL_SIZE = 16  # connections to the Bot API (python-telegram-bot's default: 256)


def file_base_url(base_url: str) -> str:
    """The file download URL beside an API URL: `…/bot` → `…/file/bot` (as Telegram and the
    local Bot API server lay them out); a URL of another shape gets `/file` appended."""
    head, found, tail = base_url.rpartition("/bot")
    if found:
        return f"{head}/file/bot{tail}"
    return base_url.rstrip("/") + "/file"


def build_application(settings: TelegramSettings, *, webhook: bool) -> Application:
    """A python-telegram-bot Application for the token and Bot API server of `settings`."""
    if settings.telegram_token is None:
        raise ConfigurationError("WUGONG_TELEGRAM_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(file_base_url(settings.telegram_base_url))
        # Updates of different users run side by side; the engine's row lock serialises the
        # messages of one user, and the per-chat lock below keeps them in arrival order.
        .concurrent_updates(True)
        # The replies go over aiohttp (see transport.py); a few keep-alive connections kept
        # busy serve the rate, and a request waits for one rather than failing.
        .request(AiohttpRequest(connection_pool_size=CONNECTION_POOL_SIZE, pool_timeout=30))
    )
    if webhook:
        builder = builder.updater(None)
    return builder.build()


class TelegramChannel:
    """The Telegram channel: converts updates, runs the engine in a thread, renders the replies.

    With a `files` store, a photo or proof document is fetched as it arrives and kept by the
    project (encrypted), so the dialogs record where it is besides Telegram's file id. With
    `limits`, webhook requests are counted per client address and per chat (429 when over).
    """

    def __init__(
        self,
        settings: TelegramSettings,
        conversations: Conversations,
        files: FileStore | None = None,
        limits: EdgeLimits | None = None,
    ) -> None:
        self.settings = settings
        self.limits = limits
        self.conversations = conversations
        self.files = files
        self.webhook = settings.telegram_mode == "webhook"
        self.application = build_application(settings, webhook=self.webhook)
        self.application.add_handler(TypeHandler(Update, self.on_update))
        self.application.add_error_handler(self.on_error)
        self.keyboards = ReplyKeyboards()
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    # -- Channel protocol -------------------------------------------------------------------

    def routes(self) -> Sequence[BaseRoute]:
        if not self.webhook:
            return []
        return [Route(WEBHOOK_PATH, self.receive, methods=["POST"])]

    async def start(self) -> None:
        """Connect to the Bot API (getMe), then poll, or register the webhook when a URL is set."""
        if self.webhook and self.settings.telegram_webhook_secret is None:
            raise ConfigurationError(
                "WUGONG_TELEGRAM_WEBHOOK_SECRET must be set in webhook mode: without it anyone "
                "could post updates to /telegram"
            )
        await self.application.initialize()
        await self.application.start()
        if self.webhook:
            if self.settings.telegram_webhook_url:
                await self.application.bot.set_webhook(
                    url=self.settings.telegram_webhook_url,
                    secret_token=self._secret(),
                    allowed_updates=ALLOWED_UPDATES,
                )
            log.info("telegram: webhook mode on %s", WEBHOOK_PATH)
            return
        updater = self.application.updater
        assert updater is not None  # built with an updater in polling mode
        await updater.start_polling(drop_pending_updates=False, allowed_updates=ALLOWED_UPDATES)
        log.info("telegram: polling")

    async def stop(self) -> None:
        """Stop polling, finish the updates in hand, and close the connections."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    # -- Webhook ----------------------------------------------------------------------------

    async def receive(self, request: Request) -> Response:
        """POST /telegram: check the secret, then handle the update before answering.

        Handling inline gives back-pressure: Telegram does not send more than its connection
        limit at once, and each request's latency is the whole turn. The answer's body may
        carry one Bot API method for Telegram to perform (the Bot API's "reply to a webhook"):
        wugong puts a pressed button's answerCallbackQuery there, whose result nobody needs.
        """
        limits = self.limits
        if limits is not None:
            address = limits.address(request)
            count = limits.settings.limit_telegram_per_address
            refused = await limits.check([(f"telegram:addr:{address}", count)])
            if refused is not None:
                return too_many(None, refused)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret().encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict):
                raise ValueError("an update is a JSON object")
            update = Update.de_json(data, self.application.bot)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("telegram: malformed update: %s", error)
            return JSONResponse({"error": "malformed update"}, status_code=400)
        refusal = await self._chat_limit(update)
        if refusal is not None:
            return refusal
        answer: dict[str, str] = {}
        token = _WEBHOOK_ANSWER.set(answer)
        try:
            await self.application.process_update(update)
        finally:
            _WEBHOOK_ANSWER.reset(token)
        return JSONResponse(answer)

    async def _chat_limit(self, update: Update) -> Response | None:
        """The answer to an update of a chat over its limit a minute, else None.

        Not a 429: Telegram would deliver the refused update again and again, so a flood
        would only grow. The update is dropped with 200; the first refused update of the
        window carries one translated line back to the chat (the webhook answer's method),
        later ones nothing.
        """
        chat = update.effective_chat or update.effective_user
        if self.limits is None or chat is None:
            return None
        count = self.limits.settings.limit_telegram_per_chat
        refused = await self.limits.check([(f"telegram:chat:{chat.id}", count)])
        if refused is None:
            return None
        if await self.limits.check([(f"telegram:told:{chat.id}", 1)]) is not None:
            return JSONResponse({})
        user = update.effective_user
        language = normalize_language(user.language_code if user else None)
        return JSONResponse(
            {
                "method": "sendMessage",
                "chat_id": chat.id,
                "text": translate(language, TOO_FAST).format(seconds=refused.retry_after),
            }
        )

    def _secret(self) -> str:
        secret = self.settings.telegram_webhook_secret
        return secret.get_secret_value() if secret is not None else ""

    # -- Handlers ---------------------------------------------------------------------------

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Turn one update into a message for the engine and send its replies."""
        bot = context.bot
        converted = convert(update, bot.username)
        if converted.group_chat_id is not None:
            await self._answer_query(update, converted.callback_query_id)
            await self._send_private_hint(update, converted.group_chat_id)
            return
        incoming = converted.incoming
        if incoming is None:
            await self._answer_query(update, converted.callback_query_id)
            return
        chat_id = int(incoming.user)
        if incoming.file is not None:
            incoming = await self._keep_file(bot, incoming)
        async with self._chat_lock(chat_id):
            # A press is acknowledged in the webhook's answer, or (polling) by a request sent
            # while the engine works, so the button's spinner stops.
            answered = None
            if converted.callback_query_id is not None:
                answered = asyncio.create_task(
                    self._answer_query(update, converted.callback_query_id)
                )
            try:
                replies = await asyncio.to_thread(self.conversations.handle, incoming)
            finally:
                if answered is not None:
                    await answered
            # A shared contact came from the "share my phone" keyboard: the reply removes it.
            shown = incoming.contact_phone is not None or self.keyboards.shown(chat_id)
            # The dialogs' language (a /lang choice) wins over the Telegram client's.
            language = next(
                (reply.language for reply in replies if reply.language),
                normalize_language(incoming.language_hint),
            )
            await self._send(chat_id, replies, language, keyboard_shown=shown)

    async def _keep_file(self, bot: Bot, incoming: Incoming) -> Incoming:
        """The message with its file kept by the project, when worth keeping; as it was if the
        file cannot be fetched (the dialogs still have Telegram's file id)."""
        ref = incoming.file
        if (
            self.files is None
            or ref is None
            or not worth_keeping(ref.kind, ref.mime_type, ref.size)
        ):
            return incoming
        try:
            found = await bot.get_file(ref.file_id)
            content = bytes(await found.download_as_bytearray())
            stored = await asyncio.to_thread(self.files.keep, content)
        except (TelegramError, OSError) as error:
            log.warning("telegram: a %s could not be kept: %s", ref.kind, error)
            return incoming
        kept = dataclasses.replace(
            ref, storage_path=stored.storage_path, sha256=stored.sha256, size=stored.size
        )
        return dataclasses.replace(incoming, file=kept)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure with its traceback, then tell the user, if there is one, we failed."""
        log.error("telegram: update failed", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        language = normalize_language(user.language_code if user is not None else None)
        try:
            await context.bot.send_message(update.effective_chat.id, translate(language, APOLOGY))
        except TelegramError:
            log.exception("telegram: the apology could not be sent either")

    # -- Sending ----------------------------------------------------------------------------

    async def _send(
        self, chat_id: int, replies: Sequence[Reply], language: str, *, keyboard_shown: bool
    ) -> None:
        bot = self.application.bot
        messages, shown = render(replies, language, keyboard_shown=keyboard_shown)
        for message in messages:
            # The raw request: python-telegram-bot would build a whole Message object from
            # each answer (a noticeable share of a turn's CPU) of which only the id is read.
            sent = await bot.do_api_request(
                "sendMessage",
                api_kwargs={
                    "chat_id": chat_id,
                    "text": message.text,
                    "reply_markup": message.markup_json,
                },
            )
            if message.then_inline is not None:
                await bot.edit_message_reply_markup(
                    chat_id, sent["message_id"], reply_markup=message.then_inline
                )
        if shown:
            self.keyboards.show(chat_id)
        else:
            self.keyboards.hide(chat_id)

    async def _answer_query(self, update: Update, query_id: str | None) -> None:
        """Stop the pressed button's spinner: in the webhook's answer when the update came by
        webhook (one Bot API request saved per press), else by a request of its own."""
        if query_id is None or update.callback_query is None:
            return
        webhook_answer = _WEBHOOK_ANSWER.get()
        if webhook_answer is not None and not webhook_answer:
            webhook_answer.update(method="answerCallbackQuery", callback_query_id=query_id)
            return
        try:
            await update.callback_query.answer()
        except BadRequest as error:  # "query is too old": the press is still handled
            log.info("telegram: callback query not answered: %s", error)

    async def _send_private_hint(self, update: Update, chat_id: int) -> None:
        user = update.effective_user
        language = normalize_language(user.language_code if user is not None else None)
        username = self.application.bot.username
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        translate(language, OPEN_PRIVATE_CHAT), url=f"https://t.me/{username}"
                    )
                ]
            ]
        )
        await self.application.bot.send_message(
            chat_id, translate(language, PRIVATE_ONLY), reply_markup=markup
        )

    def _chat_lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._chat_locks[chat_id] = lock
        return lock
