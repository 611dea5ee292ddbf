"""`wugong wechat menu` and `wugong wechat check` against the fake WeChat API."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.wechat_api import APPID, SECRET
from tests.wechat_api.conftest import wechat_runtime_settings
from wugong import wechat_cli

GOOD_AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_menu_sets_the_three_entries_and_the_page(wechat):
    settings = wechat_runtime_settings(wechat)
    out, err = io.StringIO(), io.StringIO()
    assert wechat_cli.set_menu(settings, out, err) == 0, err.getvalue()
    (call,) = wechat.calls_of("/cgi-bin/menu/create")
    buttons = call.body["button"]
    assert len(buttons) <= 3  # WeChat's limit of top-level buttons
    flat = [b for top in buttons for b in (top.get("sub_button") or [top])]
    clicks = {b["name"]: b["key"] for b in flat if b.get("type") == "click"}
    assert clicks == {"查补贴": "menu:check", "申请补贴": "menu:apply", "我的申请": "menu:status"}
    (view,) = [b for b in flat if b.get("type") == "view"]
    assert view["url"] == "https://wugong.example.cn/"


def test_check_passes_with_good_settings(wechat):
    settings = wechat_runtime_settings(wechat, wechat_aes_key=GOOD_AES)
    out = io.StringIO()
    assert wechat_cli.check(settings, out) == 0, out.getvalue()
    assert "OK" in out.getvalue()
    assert len(wechat.calls_of("/cgi-bin/stable_token")) == 1


def test_check_prints_each_problem_and_exits_2(wechat):
    settings = wechat_runtime_settings(
        wechat,
        wechat_aes_key="too-short",
        wechat_token="x",
        wechat_appsecret="wrong-secret",
        wechat_template='{"template_id": 5}',
    )
    settings.http.public_url = "http://plain.example.cn"
    out = io.StringIO()
    assert wechat_cli.check(settings, out) == 2
    text = out.getvalue()
    assert "WUGONG_WECHAT_AES_KEY must be 43" in text
    assert "WUGONG_WECHAT_TOKEN must be 3-32" in text
    assert "not https" in text
    assert "WUGONG_WECHAT_TEMPLATE" in text
    assert "access_token cannot be fetched" in text and "40125" in text


def test_the_command_line_exits_2_on_bad_settings(tmp_path: Path, wechat):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    environment.update(
        WUGONG_WECHAT_APPID=APPID,
        WUGONG_WECHAT_APPSECRET=SECRET,
        WUGONG_WECHAT_TOKEN="wugongtoken",
        WUGONG_WECHAT_API_BASE=wechat.base_url,
        WUGONG_PUBLIC_URL="http://insecure.example.cn",
    )
    result = subprocess.run(
        [sys.executable, "-m", "wugong.cli", "wechat", "check"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "not https" in result.stdout
