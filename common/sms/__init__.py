"""Text messages to phones: the one-time codes that verify a person (and, later, news for people
no chat reaches). One interface, `SmsProvider`; the provider is chosen by WUGONG_SMS_PROVIDER.

- ``log`` (the embedded default): writes the code to the server log, marked for local use only.
  Refused when PostgreSQL is configured, unless WUGONG_SMS_PROVIDER=log is chosen explicitly.
- ``aliyun``, ``tencent``: Alibaba Cloud SMS and Tencent Cloud SMS over their documented HTTP
  APIs (common/sms/aliyun.py, common/sms/tencent.py), at WUGONG_SMS_BASE_URL when set.

    provider = sms_provider(settings)
    provider.send_code(phone, code)   # raises SmsError when the provider did not take it
"""

from __future__ import annotations

import logging
from typing import Protocol

from common.errors import ConfigurationError, WugongError
from common.settings import Settings
from db.pii import mask_phone

log = logging.getLogger(__name__)


class SmsError(WugongError):
    """The provider did not take the message. `retryable` is False for errors that another try
    cannot fix (a bad number, a refused template, a spent quota for the day)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class SmsProvider(Protocol):
    name: str

    def send_code(self, phone: str, code: str) -> None:
        """Send the one-time `code` to `phone` (11 digits, mainland China); SmsError if the
        provider refuses it."""
        ...


class LogProvider:
    """For a developer's machine: the code goes to the server log, never to a phone."""

    name = "log"

    def send_code(self, phone: str, code: str) -> None:
        log.warning("LOCAL USE ONLY — SMS code for %s: %s", mask_phone(phone), code)


def sms_provider(settings: Settings) -> SmsProvider:
    """The configured provider; ConfigurationError when it cannot be used."""
    chosen = settings.sms.sms_provider
    if chosen is None:
        if not settings.database_url.startswith("sqlite"):
            raise ConfigurationError(
                "WUGONG_SMS_PROVIDER must be set when PostgreSQL is used "
                "(aliyun or tencent; 'log' only for a test installation)"
            )
        return LogProvider()
    if chosen == "log":
        return LogProvider()
    raise ConfigurationError(f"WUGONG_SMS_PROVIDER: unknown provider {chosen!r}")


_installed: SmsProvider | None = None


def install_sms_provider(provider: SmsProvider | None) -> None:
    """Make `provider` the process's provider (the serving process does it at start; tests
    install one that records what it is asked to send)."""
    global _installed
    _installed = provider


def installed_sms_provider() -> SmsProvider:
    """The provider installed at start-up; ConfigurationError when none is."""
    if _installed is None:
        raise ConfigurationError("no SMS provider is installed in this process")
    return _installed
