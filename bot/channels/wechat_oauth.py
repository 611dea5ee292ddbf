"""The web page inside WeChat: learning the user's openid silently (OAuth, scope snsapi_base).

`GET /wechat/oauth?next=/` sends the browser to WeChat's authorize page
(``{oauth_base}/connect/oauth2/authorize?appid=…&redirect_uri=<public_url>/wechat/oauth/callback
&response_type=code&scope=snsapi_base&state=…#wechat_redirect``); WeChat sends it back to
`GET /wechat/oauth/callback?code=…&state=…` without asking anything. The callback checks that
``state`` was made for the session of the cookie, exchanges ``code`` at
``{api_base}/sns/oauth2/access_token`` for the openid and binds it to the web session
(`web_session.wechat_openid`): from then on the page speaks as the WeChat chat identity.

``state`` may only hold a-zA-Z0-9 (at most 128 bytes): a nonce, an expiry and an HMAC over the
session's token hash, so it is good for this session only and for ten minutes. Any failure (a
bad state, no code — the user left —, WeChat answering an error or not at all) sends the
browser back to the page with ``wechat=failed``: the page says so in one line and works unbound,
and does not try again by itself. Only when the WeChat app id and secret are configured.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import secrets
import time
from urllib.parse import urlencode

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.web_sessions import COOKIE, WebSessions
from common.settings import WechatSettings
from db.crypto import keyring

log = logging.getLogger(__name__)

CALLBACK = "/wechat/oauth/callback"
NEXT_COOKIE = "wugong_oauth_next"
STATE_TTL_SECONDS = 600
# WeChat's code lives 5 minutes; an exchange that takes longer than this is given up.
EXCHANGE_TIMEOUT = 5.0
STATE = re.compile(r"([0-9a-f]{16})([0-9]{10})([0-9a-f]{32})")
OPENID = re.compile(r"[A-Za-z0-9_-]{1,128}")
# Where the page may be: its own path, never another site ("//host", "/\\host").
SAFE_NEXT = re.compile(r"/(?![/\\])[A-Za-z0-9/?=&._%-]{0,200}")


def configured(settings: WechatSettings) -> bool:
    """OAuth needs the account's app id and secret."""
    return bool(settings.wechat_appid and settings.wechat_appsecret)


def _mac(token_hash: str, nonce: str, expiry: str) -> str:
    return keyring().code_mac("wechat-oauth-state", f"{token_hash}:{nonce}:{expiry}")[:32]


def make_state(token_hash: str, now: float | None = None) -> str:
    """A state good for the session of `token_hash` for STATE_TTL_SECONDS (58 characters)."""
    nonce = secrets.token_hex(8)
    expiry = f"{int((now if now is not None else time.time()) + STATE_TTL_SECONDS):010d}"
    return nonce + expiry + _mac(token_hash, nonce, expiry)


def check_state(state: str, token_hash: str, now: float | None = None) -> bool:
    """Whether `state` was made for the session of `token_hash` and is still good."""
    match = STATE.fullmatch(state)
    if match is None:
        return False
    nonce, expiry, mac = match.groups()
    if int(expiry) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(mac, _mac(token_hash, nonce, expiry))


def safe_next(value: str | None) -> str:
    """The page to return to: a path of this site, else /."""
    return value if value and SAFE_NEXT.fullmatch(value) else "/"


def with_failure(next_path: str) -> str:
    return next_path + ("&" if "?" in next_path else "?") + "wechat=failed"


class OAuthError(Exception):
    """The code could not be exchanged for an openid."""


async def exchange_code(settings: WechatSettings, code: str) -> str:
    """The openid that WeChat gives for `code`; OAuthError on any failure."""
    assert settings.wechat_appsecret is not None
    params = {
        "appid": settings.wechat_appid or "",
        "secret": settings.wechat_appsecret.get_secret_value(),
        "code": code,
        "grant_type": "authorization_code",
    }
    url = settings.wechat_api_base.rstrip("/") + "/sns/oauth2/access_token"
    try:
        async with httpx.AsyncClient(timeout=EXCHANGE_TIMEOUT) as client:
            response = await client.get(url, params=params)
        data = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise OAuthError(f"no answer: {type(error).__name__}") from None
    if not isinstance(data, dict) or data.get("errcode"):
        errcode = data.get("errcode") if isinstance(data, dict) else None
        raise OAuthError(f"refused: errcode {errcode}")
    openid = data.get("openid")
    if not isinstance(openid, str) or not OPENID.fullmatch(openid):
        raise OAuthError("no usable openid in the answer")
    return openid


class WechatOAuth:
    """The two routes over the session store and the settings."""

    def __init__(self, store: WebSessions, settings: WechatSettings, public_url: str) -> None:
        self.store = store
        self.settings = settings
        self.public_url = public_url.rstrip("/")

    async def start(self, request: Request) -> Response:
        """302 to WeChat's authorize page, with a state bound to this page's session."""
        next_path = safe_next(request.query_params.get("next"))
        token = request.cookies.get(COOKIE)
        user = None if token is None else await asyncio.to_thread(self.store.user, token)
        if user is not None and user.openid:
            return RedirectResponse(next_path, status_code=303)  # bound already
        if token is None or user is None:
            token = await asyncio.to_thread(self.store.issue)
        query = urlencode(
            {
                "appid": self.settings.wechat_appid,
                "redirect_uri": self.public_url + CALLBACK,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": make_state(self.store.hash(token)),
            }
        )
        base = self.settings.wechat_oauth_base.rstrip("/")
        response = RedirectResponse(
            f"{base}/connect/oauth2/authorize?{query}#wechat_redirect", status_code=302
        )
        response.headers["Cache-Control"] = "no-store"
        self.store.set_cookie(response, token)
        response.set_cookie(
            NEXT_COOKIE,
            next_path,
            max_age=STATE_TTL_SECONDS,
            path=CALLBACK,
            secure=self.store.secure_cookie,
            httponly=True,
            samesite="lax",
        )
        return response

    async def callback(self, request: Request) -> Response:
        """Check the state, exchange the code, bind the openid; back to the page either way."""
        next_path = safe_next(request.cookies.get(NEXT_COOKIE))
        token = request.cookies.get(COOKIE)
        user = None if token is None else await asyncio.to_thread(self.store.user, token)
        state = request.query_params.get("state", "")
        code = request.query_params.get("code", "")
        target = next_path
        if user is None or not check_state(state, user.token_hash):
            log.warning("WeChat OAuth callback refused: no session or a state not made for it")
            target = with_failure(next_path)
        elif not code or len(code) > 512:
            log.info("WeChat OAuth callback without a code (the user did not go on)")
            target = with_failure(next_path)
        else:
            try:
                openid = await exchange_code(self.settings, code)
            except OAuthError as error:
                log.warning("WeChat OAuth code exchange failed: %s", error)
                target = with_failure(next_path)
            else:
                await asyncio.to_thread(self.store.bind, user.token_hash, openid)
        response = RedirectResponse(target, status_code=303)
        response.headers["Cache-Control"] = "no-store"
        response.delete_cookie(NEXT_COOKIE, path=CALLBACK)
        return response


def routes(store: WebSessions, settings: WechatSettings, public_url: str) -> list[BaseRoute]:
    """GET /wechat/oauth and its callback; 404 when WeChat's app id and secret are not set."""
    if not configured(settings):

        async def absent(request: Request) -> Response:
            return PlainTextResponse("Not Found", status_code=404)

        return [Route("/wechat/oauth", absent), Route(CALLBACK, absent)]
    oauth = WechatOAuth(store, settings, public_url)
    return [
        Route("/wechat/oauth", oauth.start, methods=["GET"]),
        Route(CALLBACK, oauth.callback, methods=["GET"]),
    ]
