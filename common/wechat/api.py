"""A thin synchronous client of the WeChat Official Account API (short timeouts, kept connections).

Only what wugong uses: customer-service messages (text and `msgmenu`), template messages,
subscription notices (订阅通知 `bizsend`), downloading a user's media, the account's menu, and
the access_token (`token.py`). Every call carries the shared token; a 40001/42001 replaces the
token once and retries the call once (never a loop). Errors are `common.wechat.errors`:
`WechatError(code)` for WeChat's refusals, `WechatUnreachable` when nothing left (or 5xx),
`WechatTimeout` when the request left and no answer came.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from common.settings import WechatSettings
from common.wechat.errors import (
    INVALID_MEDIA_ID,
    WechatError,
    WechatMediaExpired,
    WechatTimeout,
    WechatUnreachable,
)
from common.wechat.token import TokenSource, TokenStore, token_store
from common.wechat.transport import HttpClient, NoAnswer, NotSent, Response, Timeout

log = logging.getLogger(__name__)

TIMEOUT = Timeout(read=10.0, connect=3.0)
MEDIA_TIMEOUT = Timeout(read=30.0, connect=3.0)


@dataclass(frozen=True)
class MenuOption:
    """One tappable option of a `msgmenu`: its id comes back as `bizmsgmenuid` when tapped."""

    id: str
    content: str


@dataclass(frozen=True)
class Template:
    """A template message's or subscription notice's id, and which of wugong's fields
    (`title`, `text`, `time`, `name`) fills each of the template's keys."""

    template_id: str
    fields: dict[str, str]

    @classmethod
    def parse(cls, raw: str | None) -> Template | None:
        """The setting's JSON as a Template; None when unset. ValueError when malformed."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON: {error}") from error
        if not isinstance(data, dict) or not isinstance(data.get("template_id"), str):
            raise ValueError('expected {"template_id": "...", "fields": {...}}')
        fields = data.get("fields") or {}
        if not isinstance(fields, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in fields.items()
        ):
            raise ValueError('"fields" must map template keys to wugong field names')
        unknown = sorted(set(fields.values()) - set(TEMPLATE_FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; known: {sorted(TEMPLATE_FIELDS)}")
        return cls(data["template_id"], dict(fields))

    def data(self, values: dict[str, str]) -> dict[str, dict[str, str]]:
        """The `data` of a send: each template key with the value of its wugong field, cut to
        the length WeChat accepts for a `thing` key (20 characters)."""
        out: dict[str, dict[str, str]] = {}
        for key, name in self.fields.items():
            value = values.get(name, "")
            limit = 20 if key.startswith("thing") else 200
            out[key] = {"value": value if len(value) <= limit else value[: limit - 1] + "…"}
        return out


# What a template key may be filled with: the message's first line, the rest, the time sent,
# the account's name (see bot/channels/wechat/sender.py).
TEMPLATE_FIELDS = ("title", "text", "time", "name")


class WechatApi:
    """The API of one account (`settings`); one token store for the deployment."""

    def __init__(
        self,
        settings: WechatSettings,
        redis_url: str | None = None,
        *,
        store: TokenStore | None = None,
        client: HttpClient | None = None,
        timeout: Timeout = TIMEOUT,
    ) -> None:
        if not settings.wechat_appid or settings.wechat_appsecret is None:
            raise ValueError("WUGONG_WECHAT_APPID and WUGONG_WECHAT_APPSECRET must be set")
        self.settings = settings
        self.appid = settings.wechat_appid
        self.base = settings.wechat_api_base.rstrip("/")
        self.timeout = timeout
        self.client = client or HttpClient(timeout)
        self.tokens = TokenSource(store or token_store(redis_url, self.appid), self._stable_token)

    def close(self) -> None:
        self.client.close()

    # -- the token ------------------------------------------------------------------------

    def _stable_token(self, force_refresh: bool) -> tuple[str, int]:
        """POST /cgi-bin/stable_token: (access_token, expires_in). Never /cgi-bin/token."""
        assert self.settings.wechat_appsecret is not None
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.settings.wechat_appsecret.get_secret_value(),
            "force_refresh": force_refresh,
        }
        data = _json(self._request("POST", "/cgi-bin/stable_token", json_body=body))
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            code = int(data.get("errcode", -1) or -1)
            raise WechatError(code, str(data.get("errmsg") or "stable_token returned no token"))
        return token, int(data.get("expires_in", 7200))

    def access_token(self) -> str:
        return self.tokens.get()

    def verify_credentials(self) -> int:
        """Ask stable_token (normal mode: it changes nothing) whether the app id and secret
        work, whatever the cache holds; the token's remaining seconds."""
        return self._stable_token(False)[1]

    # -- calls ----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        timeout: Timeout | None = None,
    ) -> Response:
        """One authenticated call; its response once WeChat accepted it. A refused token is
        replaced once and the call retried once."""
        token = self.tokens.get()
        for attempt in (1, 2):
            query = {**(params or {}), "access_token": token}
            response = self._request(
                method, path, json_body=json_body, params=query, timeout=timeout
            )
            try:
                _check(response)
            except WechatError as error:
                if error.token_error and attempt == 1:
                    log.warning("WeChat refused the access_token (%d): replacing it", error.code)
                    token = self.tokens.replace(token)
                    continue
                raise
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        timeout: Timeout | None = None,
    ) -> Response:
        content = (
            json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else None
        )
        headers = {"Content-Type": "application/json; charset=utf-8"} if content else None
        try:
            response = self.client.request(
                method,
                self.base + path,
                params=params,
                content=content,
                headers=headers,
                timeout=timeout or self.timeout,
            )
        except NotSent as error:
            raise WechatUnreachable(f"{path}: {error}") from error
        except NoAnswer as error:
            raise WechatTimeout(f"{path}: {error}") from error
        if response.status_code >= 500:
            raise WechatUnreachable(f"{path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise WechatError(-response.status_code, f"{path}: HTTP {response.status_code}")
        return response

    # -- what wugong sends ----------------------------------------------------------------

    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (inside the 48-hour window)."""
        self.call(
            "POST",
            "/cgi-bin/message/custom/send",
            json_body={"touser": openid, "msgtype": "text", "text": {"content": text}},
        )

    def send_menu(
        self, openid: str, head: str, options: Sequence[MenuOption], tail: str = ""
    ) -> None:
        """A customer-service `msgmenu`: tappable options; a tap comes back as a text
        message with `bizmsgmenuid` = the option's id."""
        menu = {
            "head_content": head,
            "list": [{"id": option.id, "content": option.content} for option in options],
            "tail_content": tail,
        }
        self.call(
            "POST",
            "/cgi-bin/message/custom/send",
            json_body={"touser": openid, "msgtype": "msgmenu", "msgmenu": menu},
        )

    def send_template(
        self, openid: str, template: Template, values: dict[str, str], url: str | None
    ) -> str | None:
        """A template message (模板消息) linking to `url`; WeChat's msgid."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template.template_id,
            "data": template.data(values),
        }
        if url:
            body["url"] = url
        response = self.call("POST", "/cgi-bin/message/template/send", json_body=body)
        msgid = _json(response).get("msgid")
        return str(msgid) if msgid is not None else None

    def send_subscribe(
        self, openid: str, template: Template, values: dict[str, str], url: str | None
    ) -> None:
        """A subscription notice (订阅通知, `bizsend`) linking to `url` (its `page`)."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template.template_id,
            "data": template.data(values),
        }
        if url:
            body["page"] = url
        self.call("POST", "/cgi-bin/message/subscribe/bizsend", json_body=body)

    def get_media(self, media_id: str) -> bytes:
        """A user's media (a photo they sent) by its id; ids live 3 days: a 40007 raises
        `WechatMediaExpired`."""
        try:
            response = self.call(
                "GET", "/cgi-bin/media/get", params={"media_id": media_id}, timeout=MEDIA_TIMEOUT
            )
        except WechatError as error:
            if error.code == INVALID_MEDIA_ID:
                raise WechatMediaExpired(error.code, f"media {media_id!r} is gone") from error
            raise
        return response.content

    def create_menu(self, buttons: list[dict[str, Any]]) -> None:
        """Set the account's custom menu (自定义菜单)."""
        self.call("POST", "/cgi-bin/menu/create", json_body={"button": buttons})


def _json(response: Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as error:
        raise WechatError(-1, f"not JSON: {response.text[:100]!r}") from error
    if not isinstance(data, dict):
        raise WechatError(-1, "unexpected answer")
    return data


def _check(response: Response) -> None:
    """Raise WechatError when the answer is a JSON error (media downloads answer bytes)."""
    kind = response.headers.get("content-type", "")
    if "json" not in kind and "text/plain" not in kind:
        return  # a file
    try:
        data = response.json()
    except ValueError:
        return
    if isinstance(data, dict):
        code = int(data.get("errcode", 0) or 0)
        if code:
            raise WechatError(code, str(data.get("errmsg", "")))
