"""Fixtures of the security tests: the dialog tests' chats and registry (tests/bot/conftest.py),
guessing limits on a clock the test moves, and the chat import's fake Bot API and worker."""

from __future__ import annotations

from tests.bot.conftest import chat, conversations, registry  # noqa: F401 - fixtures
from tests.imports.test_import_chat import broker, chats, fake, installed  # noqa: F401 - fixtures
from tests.security.helpers import limits_clock  # noqa: F401 - a fixture
