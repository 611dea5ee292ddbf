"""Alibaba Cloud SMS against the fake Dysmsapi over HTTP: the request it accepts (signature
recomputed by the fake), and what each documented answer becomes."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from common.sms import SmsError
from common.sms.aliyun import AliyunSms
from tests.fakes import sms_api
from tests.fakes.serving import free_port
from tests.fakes.sms_api import FakeSmsAPI, SentSms
from tests.sms.conftest import NOW

NONCES = (f"nonce-{n}" for n in itertools.count())  # one sequence: the fake refuses reuse


def provider(fake: FakeSmsAPI, **changes: object) -> AliyunSms:
    built = AliyunSms(
        access_key_id=sms_api.ACCESS_KEY_ID,
        access_key_secret=sms_api.ACCESS_KEY_SECRET,
        sign_name=sms_api.SIGN_NAME,
        template_code=sms_api.ALIYUN_TEMPLATE,
        base_url=fake.base_url,
        timeout=2.0,
        clock=lambda: NOW,
        nonce=lambda: next(NONCES),
    )
    return replace(built, **changes)  # type: ignore[arg-type]


def test_a_code_is_sent_as_the_api_documents_it(fake_sms):
    provider(fake_sms).send_code("13800138000", "123456")
    assert fake_sms.messages == [
        SentSms("aliyun", "13800138000", "123456", "务工补贴助手", "SMS_123456789")
    ]


def test_spaces_dashes_and_the_country_prefix_are_dropped(fake_sms):
    provider(fake_sms).send_code("+86 138-0013-8000", "654321")
    assert fake_sms.codes_to("13800138000") == ["654321"]


@pytest.mark.parametrize("phone", ["0351-1234567", "12345", "", "+1 415 555 0100"])
def test_a_number_neither_provider_takes_is_refused_before_any_request(fake_sms, phone):
    with pytest.raises(SmsError) as refused:
        provider(fake_sms).send_code(phone, "123456")
    assert not refused.value.retryable and refused.value.code == "phone"
    assert fake_sms.requests == 0


def test_a_wrong_secret_is_a_signature_the_provider_does_not_match(fake_sms):
    with pytest.raises(SmsError) as refused:
        provider(fake_sms, access_key_secret="another-secret").send_code("13800138000", "123456")
    assert refused.value.code == "SignatureDoesNotMatch" and not refused.value.retryable
    assert fake_sms.messages == []


def test_an_unknown_key_an_unapproved_sign_name_or_template_are_not_retryable(fake_sms):
    for changes, code in [
        ({"access_key_id": "LTAI-unknown"}, "InvalidAccessKeyId.NotFound"),
        ({"sign_name": "别的签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
        ({"template_code": "SMS_1"}, "isv.SMS_TEMPLATE_ILLEGAL"),
    ]:
        with pytest.raises(SmsError) as refused:
            provider(fake_sms, **changes).send_code("13800138000", "123456")
        assert (refused.value.code, refused.value.retryable) == (code, False)
    assert fake_sms.messages == []


def test_a_clock_far_off_is_an_expired_timestamp(fake_sms):
    late = NOW.replace(hour=3)
    with pytest.raises(SmsError) as refused:
        provider(fake_sms, clock=lambda: late).send_code("13800138000", "123456")
    assert refused.value.code == "InvalidTimeStamp.Expired" and not refused.value.retryable


def test_a_nonce_used_twice_is_refused_and_worth_another_try(fake_sms):
    sender = provider(fake_sms, nonce=lambda: "always-the-same")
    sender.send_code("13800138000", "111111")
    with pytest.raises(SmsError) as refused:
        sender.send_code("13800138000", "222222")
    assert refused.value.code == "SignatureNonceUsed" and refused.value.retryable


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        ("isv.MOBILE_NUMBER_ILLEGAL", 200, False),
        ("isv.SMS_TEMPLATE_ILLEGAL", 200, False),
        ("isv.SMS_SIGNATURE_ILLEGAL", 200, False),
        ("isv.TEMPLATE_MISSING_PARAMETERS", 200, False),
        ("isv.DAY_LIMIT_CONTROL", 200, False),
        ("isv.MONTH_LIMIT_CONTROL", 200, False),
        ("isv.AMOUNT_NOT_ENOUGH", 200, False),
        ("isv.BUSINESS_LIMIT_CONTROL", 200, True),
        ("isp.SYSTEM_ERROR", 200, True),
        ("Throttling.User", 400, True),
        ("ServiceUnavailable", 503, True),
        ("InternalError", 500, True),
    ],
)
def test_documented_errors_map_to_sms_errors(fake_sms, code, status, retryable):
    fake_sms.fail_next(code, "触发业务流控", status=status)
    with pytest.raises(SmsError) as refused:
        provider(fake_sms).send_code("13800138000", "123456")
    assert refused.value.retryable is retryable
    expected = code if status < 500 else str(status)
    assert refused.value.code == expected
    assert "123456" not in str(refused.value) and "13800138000" not in str(refused.value)


def test_a_provider_that_does_not_answer_in_time_is_worth_another_try(fake_sms):
    fake_sms.hang = True
    with pytest.raises(SmsError) as refused:
        provider(fake_sms, timeout=0.2).send_code("13800138000", "123456")
    assert refused.value.retryable and refused.value.code == "timeout"
    assert fake_sms.messages == []


def test_no_server_at_the_address_is_worth_another_try():
    closed = f"http://127.0.0.1:{free_port()}"
    sender = AliyunSms("id", "secret", "签名", "SMS_1", base_url=closed, timeout=1.0)
    with pytest.raises(SmsError) as refused:
        sender.send_code("13800138000", "123456")
    assert refused.value.retryable


def test_an_answer_that_is_not_the_api_points_at_the_base_url(fake_sms):
    with pytest.raises(SmsError) as refused:
        provider(fake_sms, base_url=fake_sms.base_url + "/not-here").send_code(
            "13800138000", "123456"
        )
    assert not refused.value.retryable
    assert "WUGONG_SMS_BASE_URL" in str(refused.value)


def test_the_secret_is_not_in_the_providers_repr(fake_sms):
    assert sms_api.ACCESS_KEY_SECRET not in repr(provider(fake_sms))
