"""Tencent Cloud SMS (腾讯云短信): the `SendSms` action of API 3.0, version 2021-01-11, signed with
TC3-HMAC-SHA256 ("Signature v3").

The request is a POST of a JSON body to https://sms.tencentcloudapi.com/ (or
WUGONG_SMS_BASE_URL) with the headers X-TC-Action, X-TC-Timestamp (Unix seconds), X-TC-Version,
X-TC-Region and Authorization; the body is {"PhoneNumberSet": ["+8613800138000"],
"SmsSdkAppId", "SignName", "TemplateId", "TemplateParamSet": ["123456"]}.

The signature, as documented:

    CanonicalRequest = "POST\\n/\\n\\n" + "content-type:<type>\\nhost:<host>\\n" + "\\n"
        + "content-type;host" + "\\n" + hex(SHA256(body))
    StringToSign = "TC3-HMAC-SHA256\\n" + timestamp + "\\n" + date + "/sms/tc3_request\\n"
        + hex(SHA256(CanonicalRequest))            (date: the UTC date of the timestamp)
    key = HMAC-SHA256(HMAC-SHA256(HMAC-SHA256("TC3" + SecretKey, date), "sms"), "tc3_request")
    Authorization = "TC3-HMAC-SHA256 Credential=<SecretId>/<date>/sms/tc3_request, "
        "SignedHeaders=content-type;host, Signature=" + hex(HMAC-SHA256(key, StringToSign))

The answer is HTTP 200 with {"Response": {...}}: an "Error" object when the request was refused
as a whole, else "SendStatusSet" with one status per number, Code "Ok" when it was taken.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from common.settings import SmsSettings
from common.sms import SmsError
from common.sms.http import json_answer, mainland_mobile, one_line, post
from db.pii import mask_phone

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://sms.tencentcloudapi.com"
API_VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"
PROVIDER = "Tencent Cloud SMS"

# Codes after which another try (later) may succeed: the platform's own errors, request rate
# limits, and the per-number limits of 30 seconds and one hour. Every other code needs a
# person to act (a bad number, the day's limit for it, an unapproved sign name or template,
# keys, balance).
RETRYABLE_PREFIXES = ("InternalError", "RequestLimitExceeded")
RETRYABLE_CODES = frozenset(
    {
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "LimitExceeded.DeliveryFrequencyLimit",
        "FailedOperation.JsonParseFail",
    }
)


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def utc_date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def canonical_request(host: str, payload: bytes, content_type: str = CONTENT_TYPE) -> str:
    headers = f"content-type:{content_type.lower()}\nhost:{host.lower()}\n"
    return f"POST\n/\n\n{headers}\n{SIGNED_HEADERS}\n{_sha256_hex(payload)}"


def string_to_sign(timestamp: int, service: str, canonical: str) -> str:
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    return f"{ALGORITHM}\n{timestamp}\n{scope}\n{_sha256_hex(canonical.encode())}"


def signature(secret_key: str, timestamp: int, service: str, text: str) -> str:
    secret_date = _hmac_sha256(f"TC3{secret_key}".encode(), utc_date(timestamp))
    secret_service = _hmac_sha256(secret_date, service)
    secret_signing = _hmac_sha256(secret_service, "tc3_request")
    return hmac.new(secret_signing, text.encode(), hashlib.sha256).hexdigest()


def authorization(
    secret_id: str,
    secret_key: str,
    *,
    host: str,
    payload: bytes,
    timestamp: int,
    service: str = SERVICE,
    content_type: str = CONTENT_TYPE,
) -> str:
    text = string_to_sign(timestamp, service, canonical_request(host, payload, content_type))
    scope = f"{utc_date(timestamp)}/{service}/tc3_request"
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, "
        f"Signature={signature(secret_key, timestamp, service, text)}"
    )


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class TencentSms:
    """SendSms of one SDK app, approved sign name and code template (one parameter: the code)."""

    secret_id: str
    secret_key: str = field(repr=False)
    app_id: str
    sign_name: str
    template_id: str
    region: str = "ap-guangzhou"
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 5.0
    clock: Callable[[], datetime] = _now
    transport: httpx.BaseTransport | None = None
    name: str = "tencent"

    @classmethod
    def from_settings(cls, sms: SmsSettings) -> TencentSms:
        assert sms.sms_access_key_id and sms.sms_access_key_secret and sms.sms_app_id
        assert sms.sms_sign_name and sms.sms_template_code
        return cls(
            secret_id=sms.sms_access_key_id.strip(),
            secret_key=sms.sms_access_key_secret.get_secret_value().strip(),
            app_id=sms.sms_app_id.strip(),
            sign_name=sms.sms_sign_name.strip(),
            template_id=sms.sms_template_code.strip(),
            region=sms.sms_region.strip(),
            base_url=sms.sms_base_url or DEFAULT_BASE_URL,
            timeout=sms.sms_timeout,
        )

    def signed_request(self, phone: str, code: str) -> tuple[dict[str, str], bytes]:
        """The headers (Authorization included) and the body of the request."""
        payload = json.dumps(
            {
                "PhoneNumberSet": [f"+86{phone}"],
                "SmsSdkAppId": self.app_id,
                "SignName": self.sign_name,
                "TemplateId": self.template_id,
                "TemplateParamSet": [code],
            },
            separators=(",", ":"),
        ).encode()
        host = urlsplit(self.base_url).netloc
        timestamp = int(self.clock().timestamp())
        headers = {
            "Authorization": authorization(
                self.secret_id, self.secret_key, host=host, payload=payload, timestamp=timestamp
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Version": API_VERSION,
            "X-TC-Region": self.region,
        }
        return headers, payload

    def send_code(self, phone: str, code: str) -> None:
        number = mainland_mobile(phone)
        headers, payload = self.signed_request(number, code)
        url = self.base_url.rstrip("/") + "/"
        response = post(
            PROVIDER,
            url,
            content=payload,
            headers=headers,
            timeout=self.timeout,
            transport=self.transport,
        )
        result, message = _outcome(json_answer(PROVIDER, response))
        if result == "Ok":
            log.info("SMS code sent to %s (tencent)", mask_phone(number))
            return
        raise SmsError(
            f"{PROVIDER} refused the message: {result or 'no Code'} ({one_line(message)})",
            retryable=result in RETRYABLE_CODES or result.startswith(RETRYABLE_PREFIXES),
            code=result or None,
        )


def _outcome(answer: dict[str, Any]) -> tuple[str, str]:
    """(Code, Message) of the request's Error, else of the one number's SendStatus."""
    response = answer.get("Response")
    if not isinstance(response, dict):
        return "", "no Response in the answer"
    error = response.get("Error")
    if isinstance(error, dict):
        return str(error.get("Code", "")), str(error.get("Message", ""))
    statuses = response.get("SendStatusSet")
    if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], dict):
        return "", "no SendStatusSet in the answer"
    return str(statuses[0].get("Code", "")), str(statuses[0].get("Message", ""))
