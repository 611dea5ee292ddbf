"""The Telegram channel (python-telegram-bot): updates in, replies and notifications out."""

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.notify import (
    DeliveryDeferred,
    DeliveryError,
    DeliveryUncertain,
    Undeliverable,
    send_notification_sync,
)

__all__ = [
    "DeliveryDeferred",
    "DeliveryError",
    "DeliveryUncertain",
    "TelegramChannel",
    "Undeliverable",
    "send_notification_sync",
]
