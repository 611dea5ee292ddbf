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
import threading
from typing import Protocol

from pydantic import SecretStr

from common.errors import ConfigurationError, WugongError
from common.settings import Settings, SmsSettings, get_settings
from db.pii import mask_phone

log = logging.getLogger(__name__)


class SmsError(WugongError):
    """The provider did not take the message. `retryable` is False for errors that another try
    cannot fix (a bad number, a refused template, a spent quota for the day); `code` is the
    provider's error code ("isv.DAY_LIMIT_CONTROL", "LimitExceeded.PhoneNumberDailyLimit"…),
    "timeout", an HTTP status, or None."""

    def __init__(self, message: str, *, retryable: bool = True, code: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


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


# The settings each provider needs, by the name of their environment variable.
REQUIRED_SETTINGS = {
    "aliyun": ("sms_access_key_id", "sms_access_key_secret", "sms_sign_name", "sms_template_code"),
    "tencent": (
        "sms_access_key_id",
        "sms_access_key_secret",
        "sms_sign_name",
        "sms_template_code",
        "sms_app_id",
        "sms_region",
    ),
}


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
    if chosen not in REQUIRED_SETTINGS:
        raise ConfigurationError(f"WUGONG_SMS_PROVIDER: unknown provider {chosen!r}")
    _check_settings(chosen, settings.sms)
    if chosen == "aliyun":
        from common.sms.aliyun import AliyunSms

        return AliyunSms.from_settings(settings.sms)
    from common.sms.tencent import TencentSms

    return TencentSms.from_settings(settings.sms)


def _check_settings(chosen: str, sms: SmsSettings) -> None:
    missing = [
        f"WUGONG_{name.upper()}"
        for name in REQUIRED_SETTINGS[chosen]
        if not _is_set(getattr(sms, name))
    ]
    if missing:
        raise ConfigurationError(f"WUGONG_SMS_PROVIDER={chosen} needs {', '.join(missing)}")
    base_url = sms.sms_base_url
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise ConfigurationError(f"WUGONG_SMS_BASE_URL must be an http(s) URL, not {base_url!r}")


def _is_set(value: object) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return isinstance(value, str) and bool(value.strip())


_installed: SmsProvider | None = None
_installing = threading.Lock()


def install_sms_provider(provider: SmsProvider | None) -> None:
    """Make `provider` the process's provider (the serving process does it at start; tests
    install one that records what it is asked to send; None forgets it)."""
    global _installed
    with _installing:
        _installed = provider


def installed_sms_provider() -> SmsProvider:
    """The provider installed at start-up; when none is, the one the settings choose, built
    and installed on first use (ConfigurationError when the settings cannot give one)."""
    global _installed
    with _installing:
        if _installed is None:
            _installed = sms_provider(get_settings())
        return _installed
