"""The WeChat sender: one message to one openid, behind `common.sending.Sender`.

WeChat lets an account write to a user freely only for 48 hours after the user's own message
(customer-service messages, 客服消息, a few per user action). So `send` looks at the chat's
`last_inbound_at` (unless the message is the answer to the user's message just now,
`Message.in_reply`):

- inside the window: a customer-service message — plain text, or a `msgmenu` (菜单消息) when
  the message has buttons, its options numbered "1", "2", … in the order of the buttons, row
  by row (a tap comes back as `bizmsgmenuid` = that number; the callback maps it back). Where
  WeChat refuses the menu or it has too many options, the same numbers as text ("1. 查补贴");
  typing a number or a label then works as pressing it.
- outside it (or when WeChat answers 45015/45047): a template message (模板消息) or, if only
  that is configured, a subscription notice (订阅通知), whose link opens the web chat page
  inside WeChat where the whole message waits. Neither configured: `Unreachable`.

Capabilities: pushes (both ways above reach a user who is away); no phone request (WeChat
has no share-contact key: identity goes by SMS code or the cadre); buttons as msgmenu; no photos
or documents: a customer-service image needs a media id uploaded first (temporary media live 3
days and count against a quota) and nothing wugong sends needs one, so the text goes alone.

WeChat's refusals map to the outcomes (`outcome()`): 43004 not following and 40003 unknown
openid → Blocked; 43101 no consent, or no way outside the window → Unreachable; 45009 daily
quota → RetryLater until tomorrow (Asia/Shanghai); 45047 (this user's quota) → RetryLater with no
pause of everyone; -1, 5xx, a connection that never opened → RetryLater; a timeout after the
request left → MaybeSent, never resent blindly.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from common.sending import (
    Blocked,
    Capabilities,
    MaybeSent,
    Message,
    Rejected,
    RetryLater,
    SendError,
    Sent,
    Unreachable,
)
from common.settings import Settings
from common.wechat.api import MenuOption, Template, WechatApi
from common.wechat.errors import (
    CS_QUOTA,
    DAILY_QUOTA,
    INVALID_OPENID,
    NO_SUBSCRIPTION,
    NOT_FOLLOWING,
    OUTSIDE_WINDOW,
    SYSTEM_BUSY,
    TOKEN_ERRORS,
    WechatError,
    WechatTimeout,
    WechatUnreachable,
)
from db.models import ChatIdentity
from db.types import utcnow

log = logging.getLogger(__name__)

CHANNEL = "wechat"
CAPABILITIES = Capabilities(
    can_push=True, can_request_phone=False, buttons=True, photos=False, documents=False
)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_MENU_OPTIONS = 10  # more options than this go as numbered text
MAX_MENU_OPTION_CHARS = 30
# WeChat's answers that refuse the msgmenu itself (type, options, length), not the user.
MENU_REFUSED = frozenset({40008, 45002, 45027, 47001, 40058})


def menu_options(message: Message) -> list[MenuOption]:
    """The message's buttons as msgmenu options, ids "1", "2", … row by row."""
    buttons = [button for row in message.buttons for button in row]
    return [MenuOption(str(number), b.label) for number, b in enumerate(buttons, 1)]


def numbered_text(message: Message) -> str:
    """The message with its buttons as numbered lines (the fallback of msgmenu)."""
    options = menu_options(message)
    if not options:
        return message.text
    lines = "\n".join(f"{option.id}. {option.content}" for option in options)
    return f"{message.text}\n\n{lines}"


def menu_fits(options: list[MenuOption]) -> bool:
    return 0 < len(options) <= MAX_MENU_OPTIONS and all(
        len(option.content) <= MAX_MENU_OPTION_CHARS for option in options
    )


def seconds_until_tomorrow(now: datetime | None = None) -> float:
    """Seconds until the next midnight in Shanghai (when WeChat's daily quotas reset)."""
    local = (now or utcnow()).astimezone(SHANGHAI)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return max(60.0, (midnight - local).total_seconds())


def outcome(error: Exception) -> SendError:
    """An API error as the outcome of common.sending."""
    text = str(error)
    if isinstance(error, WechatTimeout):
        return MaybeSent(text)
    if isinstance(error, WechatUnreachable):
        return RetryLater(text)
    if not isinstance(error, WechatError):
        return MaybeSent(text)
    code = error.code
    if code in (NOT_FOLLOWING, INVALID_OPENID):
        return Blocked(text)
    if code in (NO_SUBSCRIPTION, OUTSIDE_WINDOW):
        return Unreachable(text)
    if code == DAILY_QUOTA:
        return RetryLater(text, seconds_until_tomorrow())
    # This user's customer-service quota: no after_seconds, so a broadcast does not pause
    # every sender for one user (after_seconds pauses the shared rate); it retries later.
    if code in (CS_QUOTA, SYSTEM_BUSY) or code in TOKEN_ERRORS:
        return RetryLater(text)
    return Rejected(text)


class WechatSender:
    """Sends through the WeChat API of `settings`; reads the chat's window from the database."""

    channel = CHANNEL
    capabilities = CAPABILITIES

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session] | None,
        api: WechatApi | None = None,
    ) -> None:
        self.settings = settings
        self.wechat = settings.wechat
        self.sessions = sessions
        self.api = api or WechatApi(self.wechat, settings.queue.redis_url)
        # Malformed template JSON is a configuration error found at start (and by `check`).
        self.template = Template.parse(self.wechat.wechat_template)
        self.subscribe_template = Template.parse(self.wechat.wechat_subscribe_template)

    async def send(self, chat_id: str, message: Message) -> Sent:
        """Send `message` to the openid `chat_id` (a thread does the blocking HTTP)."""
        return await asyncio.to_thread(self.send_now, chat_id, message)

    def send_now(self, openid: str, message: Message) -> Sent:
        if message.in_reply or self.in_window(openid):
            try:
                self._customer_service(openid, message)
                return Sent()
            except WechatError as error:
                if error.code not in (OUTSIDE_WINDOW, CS_QUOTA) or not self._has_template():
                    raise outcome(error) from error
                log.info("wechat %s: %s; sending a notice instead", _mask(openid), error)
            except (WechatTimeout, WechatUnreachable) as error:
                raise outcome(error) from error
        return self._away(openid, message)

    def in_window(self, openid: str) -> bool:
        """Whether the user wrote within the last wechat_window_hours."""
        if self.sessions is None:
            return True
        with self.sessions() as session:
            last = session.scalar(
                sa.select(ChatIdentity.last_inbound_at).where(
                    ChatIdentity.channel == CHANNEL, ChatIdentity.external_id == openid
                )
            )
        if last is None:
            return False
        return utcnow() - last < timedelta(hours=self.wechat.wechat_window_hours)

    def _customer_service(self, openid: str, message: Message) -> None:
        options = menu_options(message)
        if options and menu_fits(options):
            try:
                self.api.send_menu(openid, message.text, options)
                return
            except WechatError as error:
                if error.code not in MENU_REFUSED:
                    raise
                log.info("wechat: msgmenu refused (%d); numbered text instead", error.code)
        self.api.send_text(openid, numbered_text(message))

    def _has_template(self) -> bool:
        return self.template is not None or self.subscribe_template is not None

    def _away(self, openid: str, message: Message) -> Sent:
        """Outside the window: a template message, else a subscription notice, linking to the
        web chat page; neither configured: the user cannot be reached on WeChat now."""
        values = self._values(message)
        url = self.page_url()
        try:
            if self.template is not None:
                msgid = self.api.send_template(openid, self.template, values, url)
                return Sent(msgid)
            if self.subscribe_template is not None:
                self.api.send_subscribe(openid, self.subscribe_template, values, url)
                return Sent()
        except (WechatError, WechatTimeout, WechatUnreachable) as error:
            raise outcome(error) from error
        raise Unreachable(
            "outside WeChat's 48-hour window and no template or subscription notice configured"
        )

    def page_url(self) -> str | None:
        base = self.settings.public_url()
        if not base:
            return None
        path = self.wechat.wechat_page_path or "/"
        return base.rstrip("/") + "/" + path.lstrip("/")

    def _values(self, message: Message) -> dict[str, str]:
        title, _, rest = message.text.strip().partition("\n")
        return {
            "title": title.strip(),
            "text": rest.strip() or title.strip(),
            "time": utcnow().astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            "name": "务工补贴助手",
        }


def _mask(openid: str) -> str:
    return openid[:6] + "…" if len(openid) > 6 else openid
