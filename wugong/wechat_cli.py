"""`wugong wechat menu` sets the Official Account's menu; `wugong wechat check` verifies the
WeChat settings against the API and prints what is wrong (exit 2 when anything is).

The menu: WeChat shows at most 3 top-level buttons, so 查补贴 and 申请补贴 are buttons of their
own and the third, 我的, opens 我的申请 and the web page (办理网页, a VIEW button to the public
URL). A CLICK comes back to the callback as a menu event with its key (menu:check, menu:apply,
menu:status).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, TextIO

MENU_KEYS = {"查补贴": "menu:check", "申请补贴": "menu:apply", "我的申请": "menu:status"}
TOKEN_RE = re.compile(r"^[A-Za-z0-9]{3,32}$")
AES_KEY_RE = re.compile(r"^[A-Za-z0-9]{43}$")


def add_commands(commands: Any) -> None:
    parser = commands.add_parser("wechat", help="the WeChat Official Account: menu and checks")
    actions = parser.add_subparsers(dest="wechat_command", required=True, metavar="ACTION")
    actions.add_parser("menu", help="set the account's menu (查补贴 / 申请补贴 / 我的申请 / page)")
    actions.add_parser("check", help="verify the WeChat settings against the API")


def run(args: argparse.Namespace) -> int:
    from common.settings import get_settings

    settings = get_settings()
    if args.wechat_command == "menu":
        return set_menu(settings, sys.stdout, sys.stderr)
    return check(settings, sys.stdout)


def menu_buttons(page_url: str) -> list[dict[str, Any]]:
    """The menu as menu/create takes it."""
    return [
        {"type": "click", "name": "查补贴", "key": MENU_KEYS["查补贴"]},
        {"type": "click", "name": "申请补贴", "key": MENU_KEYS["申请补贴"]},
        {
            "name": "我的",
            "sub_button": [
                {"type": "click", "name": "我的申请", "key": MENU_KEYS["我的申请"]},
                {"type": "view", "name": "办理网页", "url": page_url},
            ],
        },
    ]


def page_url(settings: Any) -> str:
    path = settings.wechat.wechat_page_path or "/"
    return settings.public_url().rstrip("/") + "/" + path.lstrip("/")


def set_menu(settings: Any, out: TextIO, err: TextIO) -> int:
    from common.wechat.api import WechatApi
    from common.wechat.errors import WechatError, WechatTimeout, WechatUnreachable

    wechat = settings.wechat
    if not wechat.wechat_appid or wechat.wechat_appsecret is None:
        print(
            "wugong wechat: WUGONG_WECHAT_APPID and WUGONG_WECHAT_APPSECRET must be set", file=err
        )
        return 2
    url = page_url(settings)
    if not url.startswith("https://"):
        print(f"wugong wechat: the page URL {url} is not https (set WUGONG_PUBLIC_URL)", file=err)
        return 2
    api = WechatApi(wechat, settings.queue.redis_url)
    try:
        api.create_menu(menu_buttons(url))
    except (WechatError, WechatTimeout, WechatUnreachable) as error:
        print(f"wugong wechat: the menu was not set: {error}", file=err)
        return 2
    finally:
        api.close()
    print(f"menu set: 查补贴 / 申请补贴 / 我的 (我的申请, 办理网页 → {url})", file=out)
    return 0


def problems(settings: Any) -> list[str]:
    """What is wrong with the WeChat settings, the API's answer to a token fetch included."""
    from common.wechat.api import Template

    wechat = settings.wechat
    found: list[str] = []
    if not wechat.wechat_appid:
        found.append("WUGONG_WECHAT_APPID is not set")
    if wechat.wechat_appsecret is None:
        found.append("WUGONG_WECHAT_APPSECRET is not set")
    if wechat.wechat_token is None:
        found.append("WUGONG_WECHAT_TOKEN is not set (the callback cannot be verified)")
    elif not TOKEN_RE.match(wechat.wechat_token.get_secret_value()):
        found.append("WUGONG_WECHAT_TOKEN must be 3-32 letters or digits")
    if wechat.wechat_aes_key is not None and not AES_KEY_RE.match(
        wechat.wechat_aes_key.get_secret_value()
    ):
        found.append("WUGONG_WECHAT_AES_KEY must be 43 letters or digits (EncodingAESKey)")
    if not settings.public_url().startswith("https://"):
        found.append(
            f"the public URL {settings.public_url()} is not https: set WUGONG_PUBLIC_URL "
            "(WeChat's menu and notice links need https)"
        )
    for name, raw in (
        ("WUGONG_WECHAT_TEMPLATE", wechat.wechat_template),
        ("WUGONG_WECHAT_SUBSCRIBE_TEMPLATE", wechat.wechat_subscribe_template),
    ):
        try:
            Template.parse(raw)
        except ValueError as error:
            found.append(f"{name}: {error}")
    if wechat.wechat_appid and wechat.wechat_appsecret is not None:
        found.extend(_token_problems(settings))
    return found


def _token_problems(settings: Any) -> list[str]:
    """Whether stable_token answers with the app id and secret (an empty list when it does)."""
    from common.wechat.api import WechatApi
    from common.wechat.errors import WechatError, WechatTimeout, WechatUnreachable

    wechat = settings.wechat
    api = WechatApi(wechat, settings.queue.redis_url)
    try:
        api.verify_credentials()
    except (WechatError, WechatTimeout, WechatUnreachable) as error:
        return [f"the access_token cannot be fetched from {wechat.wechat_api_base}: {error}"]
    finally:
        api.close()
    return []


NO_TEMPLATE = (
    "note: no template or subscription notice configured: people away for 48 hours are "
    "reached only through the cadre's tell-in-person list"
)


def check(settings: Any, out: TextIO) -> int:
    found = problems(settings)
    if not settings.wechat.wechat_template and not settings.wechat.wechat_subscribe_template:
        print(NO_TEMPLATE, file=out)
    for problem in found:
        print(f"✗ {problem}", file=out)
    if found:
        return 2
    print("WeChat settings OK: the access_token was fetched", file=out)
    return 0
