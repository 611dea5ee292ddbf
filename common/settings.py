"""Settings: environment variables prefixed WUGONG_ (also read from .env), one class per concern."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.errors import ConfigurationError

_CONFIG = SettingsConfigDict(env_prefix="WUGONG_", env_file=".env", extra="ignore")
MIN_WEBHOOK_SECRET = 16


class PathSettings(BaseSettings):
    """Where the embedded mode keeps its files (database, secret key, uploads), and a folder
    of county parameter files (<code>.yaml) kept outside the package, if any."""

    model_config = _CONFIG
    var_dir: Path = Path("var")
    parameters_dir: Path | None = None

    @field_validator("parameters_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # the line .env.example ships


class DatabaseSettings(BaseSettings):
    """WUGONG_DATABASE_URL; empty means the embedded SQLite file under the var directory."""

    model_config = _CONFIG
    database_url: str = ""


class QueueSettings(BaseSettings):
    """WUGONG_REDIS_URL; unset means dramatiq's in-process broker with worker threads."""

    model_config = _CONFIG
    redis_url: str | None = None
    worker_threads: int = Field(default=4, ge=1)


class TelegramSettings(BaseSettings):
    """The Telegram channel; it only starts when a token is set."""

    model_config = _CONFIG
    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: str = Field(default="polling", pattern="^(polling|webhook)$")
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    @field_validator("telegram_webhook_url", "telegram_webhook_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    def check_webhook(self) -> None:
        """Refuse webhook mode without a secret Telegram must send back (checked at start):
        without it anyone could post forged updates to /telegram, a shared contact included."""
        if self.telegram_token is None or self.telegram_mode != "webhook":
            return
        secret = self.telegram_webhook_secret
        if secret is None or len(secret.get_secret_value().strip()) < MIN_WEBHOOK_SECRET:
            raise ConfigurationError(
                f"WUGONG_TELEGRAM_WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET} "
                "characters in webhook mode: without it anyone can post forged updates"
            )


class HttpSettings(BaseSettings):
    """The one ASGI app: web chat, health check, Telegram webhook."""

    model_config = _CONFIG
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    # Threads that run dialog turns (database work) for the channels; the database pool of the
    # serving process is sized to match, so a turn never waits for a connection. A turn is
    # mostly Python under the GIL: beyond a few threads more only contend for it (16 threads
    # served 10% fewer messages/s than 8 in bench/conversation.py; on a 2-core machine with
    # PostgreSQL on loopback, 4 served 18% more than 8 in bench/wechat.py). 8 stays the default:
    # a turn that sends an SMS code waits for the provider on its thread (after its commit),
    # and fewer threads would let a few slow providers' answers hold up everyone. (WeChat's
    # replies go out on threads of their own.) Raise it for a slow database.
    bot_threads: int = Field(default=8, ge=1, le=256)
    # Where people reach this server (links in chat: notices, roster downloads); empty = the
    # Telegram webhook's origin, else http://HOST:PORT.
    public_url: str = ""


class WebSettings(BaseSettings):
    """The web chat's sessions and the request limits at the edge (the web chat, /telegram).

    Limits are requests a minute, counted per client address and per session (per chat for
    Telegram); 0 turns one off (benchmarks). An address may be a whole office or village behind
    one NAT, hence the generous per-address counts. The client address is the peer's, or the
    first X-Forwarded-For hop that is not a trusted proxy when the peer is one of
    WUGONG_TRUSTED_PROXIES (addresses or networks, comma-separated; empty: trust no header).
    """

    model_config = _CONFIG
    web_session_idle_days: int = Field(default=30, ge=1)
    trusted_proxies: str = ""
    limit_sessions_per_address: int = Field(default=30, ge=0)
    limit_chat_per_session: int = Field(default=30, ge=0)
    limit_chat_per_address: int = Field(default=300, ge=0)
    limit_telegram_per_chat: int = Field(default=60, ge=0)
    # Telegram's own servers post every chat's updates from a few addresses.
    limit_telegram_per_address: int = Field(default=12_000, ge=0)


class SecuritySettings(BaseSettings):
    """WUGONG_SECRET_KEY: the encryption and blind-index keys are derived from it."""

    model_config = _CONFIG
    secret_key: SecretStr | None = None


class WechatSettings(BaseSettings):
    """The WeChat Official Account (公众号) channel; it starts when the app id, secret and token
    are set. The AES key (43 characters) turns on 安全模式 (encrypted callbacks)."""

    model_config = _CONFIG
    wechat_appid: str | None = None
    wechat_appsecret: SecretStr | None = None
    wechat_token: SecretStr | None = None  # the callback's signature token (3–32 characters)
    wechat_aes_key: SecretStr | None = None  # EncodingAESKey, 43 characters; unset: plaintext
    wechat_api_base: str = "https://api.weixin.qq.com"
    # Where the web page sends a user inside WeChat to learn their openid (OAuth snsapi_base).
    wechat_oauth_base: str = "https://open.weixin.qq.com"
    # Outside the 48-hour customer-service window: a template message (模板消息) or a
    # subscription notice (订阅通知). The template's id and how wugong's fields fill it, as
    # JSON {"template_id": "...", "fields": {"thing1": "title", "thing2": "text", ...}}.
    wechat_template: str | None = None
    wechat_subscribe_template: str | None = None
    wechat_window_hours: int = Field(default=48, ge=1, le=48)
    # Where a template message or subscription notice links to: this path of the public URL
    # (the web chat page, opened inside WeChat).
    wechat_page_path: str = "/"


class SmsSettings(BaseSettings):
    """Text messages (common/sms): the provider and its keys. Unset provider: the server log,
    allowed with SQLite only."""

    model_config = _CONFIG
    sms_provider: str | None = Field(default=None, pattern="^(log|aliyun|tencent)$")
    sms_base_url: str | None = None  # the provider's API endpoint; a local fake in tests
    sms_access_key_id: str | None = None  # Alibaba Cloud AccessKey ID / Tencent SecretId
    sms_access_key_secret: SecretStr | None = None  # … AccessKey Secret / Tencent SecretKey
    sms_sign_name: str | None = None  # the approved signature (签名), e.g. 务工补贴助手
    sms_template_code: str | None = None  # the approved code template (模板), one ${code}
    sms_app_id: str | None = None  # Tencent's SmsSdkAppId
    sms_region: str = "ap-guangzhou"  # Tencent's region
    # Seconds each phase of a request to the provider may take (connect, send, answer): codes
    # are sent inside a dialog turn, which must not hang on a slow provider.
    sms_timeout: float = Field(default=5.0, gt=0, le=60)

    @field_validator(
        "sms_provider",
        "sms_base_url",
        "sms_access_key_id",
        "sms_access_key_secret",
        "sms_sign_name",
        "sms_template_code",
        "sms_app_id",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value  # the lines .env.example ships


class VerifySettings(BaseSettings):
    """Guessing limits of the chats (bot/dialogs/verify.py): ID numbers typed an hour, per
    chat and per client address."""

    model_config = _CONFIG
    id_tries_per_chat: int = Field(default=5, ge=1)
    id_tries_per_address: int = Field(default=30, ge=1)


class MessagingSettings(BaseSettings):
    """How fast and when wugong may message people: one global rate limit shared by every
    process (docs/stack-notes.md §2), quiet hours for reminders, and the reminders' timing."""

    model_config = _CONFIG
    # Messages per second over all chats, for broadcasts, reminders and notifications; replies
    # to users are not counted, so keep this below the platform's ~30/s to leave them room.
    send_rate: float = Field(default=25.0, gt=0)
    send_chat_rate: float = Field(default=1.0, gt=0)  # messages per second to one chat
    # Dramatiq messages that send one broadcast at the same time (each takes a worker thread).
    # Each sends one message at a time, so together they send at most this many per the
    # platform's answer time: 4 reach 40 messages/s when WeChat's API answers in 100 ms.
    # Raise it with WUGONG_SEND_RATE (and the workers' threads) when the API is slower.
    broadcast_senders: int = Field(default=4, ge=1, le=64)
    timezone: str = "Asia/Shanghai"
    quiet_hours: str = Field(default="22:00-07:00", pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$|^$")
    # Days before each program's deadline on which people who have not applied are reminded.
    reminder_days_before: str = Field(default="7,1", pattern=r"^\d+(,\d+)*$|^$")
    returned_remind_days: int = Field(default=3, ge=1)  # a returned claim left unfixed
    review_backlog_days: int = Field(default=3, ge=1)  # a claim waiting in a reviewer's queue
    notice_ending_days: int = Field(default=1, ge=0)  # before a public notice ends


class StaffSettings(BaseSettings):
    """How long a staff role held on a web chat lasts (db/queries/staff.py): it lapses after
    WUGONG_STAFF_IDLE_HOURS without use, and WUGONG_STAFF_MAX_DAYS after it was taken."""

    model_config = _CONFIG
    staff_idle_hours: float = Field(default=8.0, gt=0)
    staff_max_days: float = Field(default=7.0, gt=0)


class ObjectionSettings(BaseSettings):
    """Objections to public notices: how many one verified chat may raise a day (on different
    notices: one per notice), and how long later objections to a notice are gathered into one
    digest for its reviewers after they were told of the first."""

    model_config = _CONFIG
    objections_per_day: int = Field(default=3, ge=1)
    objection_digest_minutes: int = Field(default=60, ge=1)


class LogSettings(BaseSettings):
    model_config = _CONFIG
    # Unset: INFO for the long-running processes, WARNING for one-shot commands, which print
    # their result and nothing else unless something went wrong.
    log_level: str | None = None


class ClockSettings(BaseSettings):
    """WUGONG_TODAY fixes the date the conversations see (claim years, windows, months "to
    now"): for training sessions and end-to-end tests. Leave it unset in production."""

    model_config = _CONFIG
    today: date | None = None

    def today_function(self) -> Callable[[], date]:
        fixed = self.today
        return date.today if fixed is None else lambda: fixed


class Settings:
    """All settings, composed from the per-concern classes above."""

    def __init__(self) -> None:
        self.paths = PathSettings()
        self.database = DatabaseSettings()
        self.queue = QueueSettings()
        self.telegram = TelegramSettings()
        self.http = HttpSettings()
        self.web = WebSettings()
        self.security = SecuritySettings()
        self.messaging = MessagingSettings()
        self.sms = SmsSettings()
        self.wechat = WechatSettings()
        self.verify = VerifySettings()
        self.staff = StaffSettings()
        self.objections = ObjectionSettings()
        self.log = LogSettings()
        self.clock = ClockSettings()

    @property
    def database_url(self) -> str:
        if self.database.database_url:
            return self.database.database_url
        return f"sqlite:///{self.paths.var_dir / 'wugong.sqlite3'}"

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: queue, workers and scheduler run in-process."""
        return not self.queue.redis_url

    def public_url(self) -> str:
        """Where people reach this server: WUGONG_PUBLIC_URL, else the Telegram webhook's
        origin, else http://HOST:PORT."""
        if self.http.public_url:
            return self.http.public_url.rstrip("/")
        webhook = self.telegram.telegram_webhook_url
        if webhook:
            parts = urlsplit(webhook)
            return f"{parts.scheme}://{parts.netloc}"
        return f"http://{self.http.http_host}:{self.http.http_port}"

    def secret_key(self) -> bytes:
        """The master secret; in embedded mode it is created once under var/ with mode 0600."""
        if self.security.secret_key is not None:
            value = self.security.secret_key.get_secret_value().strip()
            if len(value) < 32:
                raise ConfigurationError("WUGONG_SECRET_KEY must be at least 32 characters long")
            return value.encode()
        if not self.embedded or not self.database_url.startswith("sqlite"):
            # Every process must derive the same keys; a key file per container would not.
            raise ConfigurationError(
                "WUGONG_SECRET_KEY must be set when Redis or PostgreSQL is used"
            )
        return _embedded_secret(self.paths.var_dir / "secret.key")


def _embedded_secret(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path.read_bytes().strip()


@cache
def get_settings() -> Settings:
    return Settings()
