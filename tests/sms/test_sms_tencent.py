"""Tencent Cloud SMS against the fake API 3.0 over HTTP: the request it accepts (TC3 signature
recomputed by the fake from the received headers and body), and what each documented answer
becomes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from common.sms import SmsError
from common.sms.tencent import TencentSms
from tests.fakes import sms_api
from tests.fakes.sms_api import FakeSmsAPI, SentSms
from tests.sms.conftest import NOW


def provider(fake: FakeSmsAPI, **changes: object) -> TencentSms:
    built = TencentSms(
        secret_id=sms_api.ACCESS_KEY_ID,
        secret_key=sms_api.ACCESS_KEY_SECRET,
        app_id=sms_api.TENCENT_APP_ID,
        sign_name=sms_api.SIGN_NAME,
        template_id=sms_api.TENCENT_TEMPLATE,
        region=sms_api.TENCENT_REGION,
        base_url=fake.base_url,
        timeout=2.0,
        clock=lambda: NOW,
    )
    return replace(built, **changes)  # type: ignore[arg-type]


def test_a_code_is_sent_as_the_api_documents_it(fake_sms):
    provider(fake_sms).send_code("138 0013 8000", "123456")
    assert fake_sms.messages == [
        SentSms("tencent", "+8613800138000", "123456", "务工补贴助手", "1110")
    ]


def test_the_request_carries_the_documented_headers_and_body(fake_sms):
    headers, body = provider(fake_sms).signed_request("13800138000", "123456")
    assert headers["X-TC-Action"] == "SendSms"
    assert headers["X-TC-Version"] == "2021-01-11"
    assert headers["X-TC-Region"] == "ap-guangzhou"
    assert headers["X-TC-Timestamp"] == str(int(NOW.timestamp()))
    assert headers["Authorization"].startswith(
        f"TC3-HMAC-SHA256 Credential={sms_api.ACCESS_KEY_ID}/2026-03-02/sms/tc3_request, "
        "SignedHeaders=content-type;host, Signature="
    )
    assert body == (
        b'{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666",'
        b'"SignName":"\\u52a1\\u5de5\\u8865\\u8d34\\u52a9\\u624b","TemplateId":"1110",'
        b'"TemplateParamSet":["123456"]}'
    )


def test_a_foreign_number_is_refused_before_any_request(fake_sms):
    with pytest.raises(SmsError) as refused:
        provider(fake_sms).send_code("+44 7700 900123", "123456")
    assert not refused.value.retryable and fake_sms.requests == 0


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"secret_key": "another-key"}, "AuthFailure.SignatureFailure"),
        ({"secret_id": "AKID-unknown"}, "AuthFailure.SecretIdNotFound"),
        ({"app_id": "1400000000"}, "InvalidParameterValue.SdkAppIdNotExist"),
        ({"sign_name": "别的签名"}, "FailedOperation.SignatureIncorrectOrUnapproved"),
        ({"template_id": "9"}, "FailedOperation.TemplateIncorrectOrUnapproved"),
        ({"region": "ap-beijing"}, "InvalidParameterValue"),
        ({"clock": lambda: NOW.replace(hour=2)}, "AuthFailure.SignatureExpire"),
    ],
)
def test_wrong_settings_are_refused_and_not_retryable(fake_sms, changes, code):
    with pytest.raises(SmsError) as refused:
        provider(fake_sms, **changes).send_code("13800138000", "123456")
    assert (refused.value.code, refused.value.retryable) == (code, False)
    assert fake_sms.messages == []


@pytest.mark.parametrize(
    ("code", "as_error", "retryable"),
    [
        ("InvalidParameterValue.IncorrectPhoneNumber", False, False),
        ("LimitExceeded.PhoneNumberDailyLimit", False, False),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", False, True),
        ("LimitExceeded.PhoneNumberOneHourLimit", False, True),
        ("LimitExceeded.PhoneNumberSameContentDailyLimit", False, False),
        ("FailedOperation.PhoneNumberInBlacklist", False, False),
        ("FailedOperation.InsufficientBalanceInSmsPackage", True, False),
        ("LimitExceeded.PhoneNumberDailyLimit", True, False),
        ("RequestLimitExceeded", True, True),
        ("InternalError.Timeout", True, True),
        ("InternalError", True, True),
    ],
)
def test_documented_errors_map_to_sms_errors(fake_sms, code, as_error, retryable):
    """As Response.Error (the request refused) or as the number's SendStatus."""
    fake_sms.fail_next(code, "faked refusal", as_error=as_error)
    with pytest.raises(SmsError) as refused:
        provider(fake_sms).send_code("13800138000", "123456")
    assert (refused.value.code, refused.value.retryable) == (code, retryable)
    assert "123456" not in str(refused.value) and "13800138000" not in str(refused.value)


def test_an_http_5xx_is_worth_another_try(fake_sms):
    fake_sms.fail_next("InternalError", status=502)
    with pytest.raises(SmsError) as refused:
        provider(fake_sms).send_code("13800138000", "123456")
    assert refused.value.retryable and refused.value.code == "502"


def test_a_provider_that_does_not_answer_in_time_is_worth_another_try(fake_sms):
    fake_sms.hang = True
    with pytest.raises(SmsError) as refused:
        provider(fake_sms, timeout=0.2).send_code("13800138000", "123456")
    assert refused.value.retryable and refused.value.code == "timeout"


def test_the_secret_is_not_in_the_providers_repr(fake_sms):
    assert sms_api.ACCESS_KEY_SECRET not in repr(provider(fake_sms))
