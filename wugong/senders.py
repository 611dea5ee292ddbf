"""The senders of this process: each channel's way out, registered at start (common.sending).

Workers send through `common.sending.sender_for(chat.channel)` and know no channel; this is
where the channels become known. A channel without its settings (Telegram without a token,
WeChat without an app id and secret) is not registered: its chats are then undeliverable from
this process, recorded as such.
"""

from __future__ import annotations

import logging

from common.runtime import Runtime
from common.sending import register_sender

log = logging.getLogger(__name__)


def register_senders(runtime: Runtime) -> list[str]:
    """Register the sender of every channel configured for `runtime`; their names."""
    from bot.channels.webchat import WebChatSender

    register_sender(WebChatSender(runtime.sessions))
    names = [WebChatSender.channel]
    telegram = runtime.settings.telegram
    if telegram.telegram_token is not None:
        from bot.channels.telegram.sender import TelegramSender

        register_sender(TelegramSender(telegram))
        names.append(TelegramSender.channel)
    else:
        log.info("no WUGONG_TELEGRAM_TOKEN: Telegram chats cannot be sent to from this process")
    wechat = runtime.settings.wechat
    if wechat.wechat_appid and wechat.wechat_appsecret is not None:
        from bot.channels.wechat.sender import WechatSender
        from common.wechat.media import register_api_fetcher

        sender = WechatSender(runtime.settings, runtime.sessions)
        register_sender(sender)
        # The photos users send are downloaded with the sender's client and token.
        register_api_fetcher(sender.api)
        names.append(WechatSender.channel)
    else:
        log.info("no WUGONG_WECHAT_APPID/APPSECRET: WeChat users cannot be sent to from here")
    return names
