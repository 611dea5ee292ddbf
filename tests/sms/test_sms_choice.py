"""Which provider the settings give: the server log on SQLite, refused on PostgreSQL unless
chosen; the cloud providers only with every setting they need; and `wugong serve` stopping
with one line on bad SMS settings."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from common.errors import ConfigurationError
from common.settings import Settings, get_settings
from common.sms import LogProvider, installed_sms_provider, sms_provider
from common.sms.aliyun import AliyunSms
from common.sms.tencent import TencentSms
from tests.fakes import sms_api

POSTGRES = "postgresql+psycopg://wugong@127.0.0.1:5432/wugong"
ALIYUN_KEYS = {
    "WUGONG_SMS_ACCESS_KEY_ID": sms_api.ACCESS_KEY_ID,
    "WUGONG_SMS_ACCESS_KEY_SECRET": sms_api.ACCESS_KEY_SECRET,
    "WUGONG_SMS_SIGN_NAME": sms_api.SIGN_NAME,
    "WUGONG_SMS_TEMPLATE_CODE": sms_api.ALIYUN_TEMPLATE,
}


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("WUGONG_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    get_settings.cache_clear()  # installed_sms_provider() reads the process's settings
    yield monkeypatch
    get_settings.cache_clear()


def settings_with(env, **variables: str) -> Settings:
    for name, value in variables.items():
        env.setenv(name, value)
    return Settings()


def test_the_embedded_default_is_the_server_log(env, caplog):
    provider = sms_provider(settings_with(env))
    assert isinstance(provider, LogProvider)
    with caplog.at_level(logging.WARNING, logger="common.sms"):
        provider.send_code("13800138000", "123456")
    [record] = caplog.records
    assert "LOCAL USE ONLY" in record.getMessage() and "123456" in record.getMessage()
    assert "138****8000" in record.getMessage() and "13800138000" not in record.getMessage()


def test_postgresql_without_a_provider_is_refused(env):
    with pytest.raises(ConfigurationError, match="WUGONG_SMS_PROVIDER must be set"):
        sms_provider(settings_with(env, WUGONG_DATABASE_URL=POSTGRES))


def test_postgresql_with_the_log_chosen_explicitly_is_allowed(env):
    settings = settings_with(env, WUGONG_DATABASE_URL=POSTGRES, WUGONG_SMS_PROVIDER="log")
    assert isinstance(sms_provider(settings), LogProvider)


def test_the_empty_lines_of_env_example_mean_unset(env):
    empty = {name: "" for name in [*ALIYUN_KEYS, "WUGONG_SMS_PROVIDER", "WUGONG_SMS_BASE_URL"]}
    assert isinstance(sms_provider(settings_with(env, **empty)), LogProvider)


def test_aliyun_without_its_settings_names_every_one_missing(env):
    with pytest.raises(ConfigurationError) as refused:
        sms_provider(settings_with(env, WUGONG_SMS_PROVIDER="aliyun"))
    assert str(refused.value) == (
        "WUGONG_SMS_PROVIDER=aliyun needs WUGONG_SMS_ACCESS_KEY_ID, "
        "WUGONG_SMS_ACCESS_KEY_SECRET, WUGONG_SMS_SIGN_NAME, WUGONG_SMS_TEMPLATE_CODE"
    )


def test_tencent_also_needs_the_app_id(env):
    settings = settings_with(env, WUGONG_SMS_PROVIDER="tencent", **ALIYUN_KEYS)
    with pytest.raises(ConfigurationError) as refused:
        sms_provider(settings)
    assert str(refused.value) == "WUGONG_SMS_PROVIDER=tencent needs WUGONG_SMS_APP_ID"


def test_a_blank_secret_counts_as_missing(env):
    keys = {**ALIYUN_KEYS, "WUGONG_SMS_ACCESS_KEY_SECRET": "   "}
    with pytest.raises(ConfigurationError, match=r"needs WUGONG_SMS_ACCESS_KEY_SECRET$"):
        sms_provider(settings_with(env, WUGONG_SMS_PROVIDER="aliyun", **keys))


def test_an_unknown_provider_or_a_bad_base_url_is_refused(env):
    with pytest.raises(ValueError):
        settings_with(env, WUGONG_SMS_PROVIDER="twilio")
    settings = settings_with(
        env,
        WUGONG_SMS_PROVIDER="aliyun",
        WUGONG_SMS_BASE_URL="dysmsapi.aliyuncs.com",
        **ALIYUN_KEYS,
    )
    with pytest.raises(ConfigurationError, match="WUGONG_SMS_BASE_URL"):
        sms_provider(settings)


def test_aliyun_from_the_settings(env):
    provider = sms_provider(settings_with(env, WUGONG_SMS_PROVIDER="aliyun", **ALIYUN_KEYS))
    assert isinstance(provider, AliyunSms)
    assert provider.base_url == "https://dysmsapi.aliyuncs.com" and provider.timeout == 5.0
    assert (provider.sign_name, provider.template_code) == ("务工补贴助手", "SMS_123456789")


def test_tencent_from_the_settings(env):
    provider = sms_provider(
        settings_with(
            env,
            WUGONG_SMS_PROVIDER="tencent",
            WUGONG_SMS_APP_ID=sms_api.TENCENT_APP_ID,
            WUGONG_SMS_TIMEOUT="1.5",
            **{**ALIYUN_KEYS, "WUGONG_SMS_TEMPLATE_CODE": sms_api.TENCENT_TEMPLATE},
        )
    )
    assert isinstance(provider, TencentSms)
    assert provider.base_url == "https://sms.tencentcloudapi.com" and provider.timeout == 1.5
    assert (provider.app_id, provider.template_id, provider.region) == (
        "1400006666",
        "1110",
        "ap-guangzhou",
    )


@pytest.mark.parametrize("chosen", ["aliyun", "tencent"])
def test_settings_reach_the_provider_at_the_base_url(env, fake_sms, chosen):
    """Built from the settings alone (real clock and nonces), each provider's request passes
    the fake's checks."""
    fake_sms.now = None  # the real clock: the fake checks no freshness
    env.setenv("WUGONG_SMS_BASE_URL", fake_sms.base_url)
    template = sms_api.ALIYUN_TEMPLATE if chosen == "aliyun" else sms_api.TENCENT_TEMPLATE
    settings = settings_with(
        env,
        WUGONG_SMS_PROVIDER=chosen,
        WUGONG_SMS_APP_ID=sms_api.TENCENT_APP_ID,
        **{**ALIYUN_KEYS, "WUGONG_SMS_TEMPLATE_CODE": template},
    )
    sms_provider(settings).send_code("13912345678", "246810")
    [sent] = fake_sms.messages
    assert (sent.provider, sent.code, sent.template) == (chosen, "246810", template)


def test_the_installed_provider_is_built_from_the_settings_on_first_use(env):
    env.setenv("WUGONG_SMS_PROVIDER", "aliyun")
    for name, value in ALIYUN_KEYS.items():
        env.setenv(name, value)
    first = installed_sms_provider()
    assert isinstance(first, AliyunSms)
    assert installed_sms_provider() is first


def test_the_installed_provider_refuses_bad_settings_on_first_use(env):
    env.setenv("WUGONG_DATABASE_URL", POSTGRES)
    with pytest.raises(ConfigurationError, match="WUGONG_SMS_PROVIDER must be set"):
        installed_sms_provider()


def test_serve_stops_with_one_line_on_bad_sms_settings(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    environment.update(WUGONG_SMS_PROVIDER="tencent", WUGONG_SMS_ACCESS_KEY_ID="AKID")
    result = subprocess.run(
        [sys.executable, "-m", "wugong.cli", "serve"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "wugong: WUGONG_SMS_PROVIDER=tencent needs WUGONG_SMS_ACCESS_KEY_SECRET, "
        "WUGONG_SMS_SIGN_NAME, WUGONG_SMS_TEMPLATE_CODE, WUGONG_SMS_APP_ID"
    )
    assert not (tmp_path / "var").exists(), "nothing was started"
