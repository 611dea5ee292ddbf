"""Sending fixtures: the dialog fixtures (a registry, chat users) for these tests too."""

from tests.bot.conftest import chat, conversations, registry  # noqa: F401  (fixtures)
