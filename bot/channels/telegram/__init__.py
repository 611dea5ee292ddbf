"""The Telegram channel (python-telegram-bot): updates in, replies out; its sender for the rest."""

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.sender import TelegramSender

__all__ = ["TelegramChannel", "TelegramSender"]
