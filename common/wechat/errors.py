"""WeChat API errors: one exception with the platform's code, and the codes that matter.

Every answer of the API is JSON with `errcode` (0 or absent: fine) and `errmsg`; a non-zero code
becomes `WechatError(code, message)`. Transport failures get their own classes, because they
decide whether a message may have arrived: `WechatUnreachable` (nothing left: safe to try
again) and `WechatTimeout` (the request left, no answer came: it may have arrived).
"""

from __future__ import annotations

# The codes wugong acts on (developers.weixin.qq.com, 全局返回码).
SYSTEM_BUSY = -1  # 系统繁忙: try again later
INVALID_TOKEN = 40001  # access_token invalid (or another process force-refreshed it)
INVALID_OPENID = 40003  # not an openid of this account
INVALID_MEDIA_ID = 40007  # the media id is wrong, or older than 3 days
TOKEN_EXPIRED = 42001
NOT_FOLLOWING = 43004  # 需要接收者关注: the user does not follow the account
NO_SUBSCRIPTION = 43101  # 用户拒绝接受消息: no consent for this subscription notice
DAILY_QUOTA = 45009  # 接口调用超过限制: the API's daily quota is spent
MSG_TOO_LONG = 45002
OUTSIDE_WINDOW = 45015  # 回复时间超过限制: more than 48 hours after the user's last message
TOO_MANY_BUTTONS = 45027  # also used for msgmenu options beyond what WeChat shows
CS_QUOTA = 45047  # 客服接口下行条数超过上限: customer-service messages to this user spent
TEMPLATE_INVALID = 40037  # template_id wrong
API_UNAUTHORIZED = 48001  # the account lacks this API (not a verified service account)

TOKEN_ERRORS = frozenset({INVALID_TOKEN, TOKEN_EXPIRED})

DESCRIPTIONS = {
    SYSTEM_BUSY: "system busy",
    INVALID_TOKEN: "access_token invalid",
    INVALID_OPENID: "invalid openid",
    INVALID_MEDIA_ID: "invalid media id (media ids live 3 days)",
    TOKEN_EXPIRED: "access_token expired",
    NOT_FOLLOWING: "the user does not follow the account",
    NO_SUBSCRIPTION: "the user has not consented to this subscription notice",
    DAILY_QUOTA: "the API's daily quota is spent",
    OUTSIDE_WINDOW: "outside the 48-hour customer-service window",
    CS_QUOTA: "customer-service messages to this user are over quota",
    API_UNAUTHORIZED: "the account is not authorised for this API",
}


class WechatError(Exception):
    """The API answered with a non-zero `errcode`."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        self.message = message or DESCRIPTIONS.get(code, "")
        super().__init__(f"WeChat error {code}: {self.message}")

    @property
    def token_error(self) -> bool:
        return self.code in TOKEN_ERRORS


class WechatMediaExpired(WechatError):
    """40007 on media/get: the id is wrong or older than WeChat's 3 days; the file is gone."""


class WechatUnreachable(Exception):
    """The request never reached WeChat (connection refused, DNS, connect timeout) or WeChat
    answered 5xx: nothing was done, so trying again cannot duplicate anything."""


class WechatTimeout(Exception):
    """The request left but no answer came (read timeout, connection broken mid-way): it may
    have taken effect. A send that ends so is never repeated blindly."""
