"""`wugong sms test --phone`: one code through the configured provider, or one line why not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fakes import sms_api


def run_sms_test(cwd: Path, phone: str, **settings: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WUGONG_")}
    environment.update(settings)
    return subprocess.run(
        [sys.executable, "-m", "wugong.cli", "sms", "test", "--phone", phone],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_test_code_goes_through_the_configured_provider(tmp_path, fake_sms):
    fake_sms.now = None  # the command signs with the real clock
    result = run_sms_test(
        tmp_path,
        "13912345678",
        WUGONG_SMS_PROVIDER="tencent",
        WUGONG_SMS_BASE_URL=fake_sms.base_url,
        WUGONG_SMS_ACCESS_KEY_ID=sms_api.ACCESS_KEY_ID,
        WUGONG_SMS_ACCESS_KEY_SECRET=sms_api.ACCESS_KEY_SECRET,
        WUGONG_SMS_SIGN_NAME=sms_api.SIGN_NAME,
        WUGONG_SMS_TEMPLATE_CODE=sms_api.TENCENT_TEMPLATE,
        WUGONG_SMS_APP_ID=sms_api.TENCENT_APP_ID,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "a test code went to 139****5678 through tencent"
    [sent] = fake_sms.messages
    assert sent.phone == "+8613912345678" and len(sent.code) == 6 and sent.code.isdigit()
    assert sent.code not in result.stdout + result.stderr


def test_a_refusal_is_one_line(tmp_path, fake_sms):
    result = run_sms_test(
        tmp_path,
        "13912345678",
        WUGONG_SMS_PROVIDER="aliyun",
        WUGONG_SMS_BASE_URL=fake_sms.base_url,
        WUGONG_SMS_ACCESS_KEY_ID=sms_api.ACCESS_KEY_ID,
        WUGONG_SMS_ACCESS_KEY_SECRET="not-the-secret",
        WUGONG_SMS_SIGN_NAME=sms_api.SIGN_NAME,
        WUGONG_SMS_TEMPLATE_CODE=sms_api.ALIYUN_TEMPLATE,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "wugong sms: Alibaba Cloud SMS refused the message: SignatureDoesNotMatch"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert fake_sms.messages == []
