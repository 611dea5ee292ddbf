"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi): the `SendSms` operation of API version 2017-05-25,
RPC style, signed with signature version 1.0 (HMAC-SHA1).

The request is a POST of url-encoded form parameters to https://dysmsapi.aliyuncs.com/ (or
WUGONG_SMS_BASE_URL): the common parameters (AccessKeyId, Action, Format=JSON, RegionId,
SignatureMethod, SignatureNonce, SignatureVersion, Timestamp in UTC ISO 8601, Version) and
SendSms's own (PhoneNumbers: 11 digits, SignName, TemplateCode, TemplateParam {"code": "…"}).

The signature, as documented ("Signature mechanism" of the RPC APIs):

    CanonicalizedQueryString = the parameters sorted by name, name=value joined with "&",
        each name and value percent-encoded (UTF-8; A-Z a-z 0-9 - _ . ~ kept, space → %20)
    StringToSign = HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(Canonicalized…)
    Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))

The answer is JSON with Code "OK" when the message was taken; any other Code is an SmsError.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import httpx

from common.settings import SmsSettings
from common.sms import SmsError
from common.sms.http import json_answer, mainland_mobile, one_line, post
from db.pii import mask_phone

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://dysmsapi.aliyuncs.com"
API_VERSION = "2017-05-25"
REGION_ID = "cn-hangzhou"  # Dysmsapi's region for mainland China messages
PROVIDER = "Alibaba Cloud SMS"

# Codes after which another try (later, with a fresh nonce) may succeed: flow control per
# phone (minute/hour), the platform's own errors. Every other code needs a person to act (a
# bad number, an unapproved sign name or template, a day's or month's quota spent, keys).
RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isp.SYSTEM_ERROR",
        "isp.GATEWAY_ERROR",
        "SignatureNonceUsed",
        "ServiceUnavailable",
        "InternalError",
    }
)


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of the UTF-8 bytes, as the signature needs it: unreserved
    characters kept, everything else %XX in upper case (space is %20, * is %2A, ~ stays)."""
    return quote(value, safe="~")


def canonicalized_query(params: Mapping[str, str]) -> str:
    return "&".join(
        f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params)
    )


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"


def signature(access_key_secret: str, text: str) -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _now() -> datetime:
    return datetime.now(UTC)


def _nonce() -> str:
    return str(uuid.uuid4())


@dataclass
class AliyunSms:
    """SendSms of one approved sign name and code template (its one variable is ${code})."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    sign_name: str
    template_code: str
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 5.0
    clock: Callable[[], datetime] = _now
    nonce: Callable[[], str] = _nonce
    transport: httpx.BaseTransport | None = None
    name: str = "aliyun"

    @classmethod
    def from_settings(cls, sms: SmsSettings) -> AliyunSms:
        assert sms.sms_access_key_id and sms.sms_access_key_secret
        assert sms.sms_sign_name and sms.sms_template_code
        return cls(
            access_key_id=sms.sms_access_key_id.strip(),
            access_key_secret=sms.sms_access_key_secret.get_secret_value().strip(),
            sign_name=sms.sms_sign_name.strip(),
            template_code=sms.sms_template_code.strip(),
            base_url=sms.sms_base_url or DEFAULT_BASE_URL,
            timeout=sms.sms_timeout,
        )

    def signed_params(self, phone: str, code: str) -> dict[str, str]:
        """Every form parameter of the request, Signature included."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": REGION_ID,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": phone,
            "SignName": self.sign_name,
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"code": code}, separators=(",", ":")),
        }
        params["Signature"] = signature(self.access_key_secret, string_to_sign("POST", params))
        return params

    def send_code(self, phone: str, code: str) -> None:
        number = mainland_mobile(phone)
        body = urlencode(self.signed_params(number, code), quote_via=quote).encode()
        response = post(
            PROVIDER,
            self.base_url.rstrip("/") + "/",
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            timeout=self.timeout,
            transport=self.transport,
        )
        answer = json_answer(PROVIDER, response)
        result = str(answer.get("Code", ""))
        if result == "OK":
            log.info("SMS code sent to %s (aliyun %s)", mask_phone(number), answer.get("BizId"))
            return
        raise SmsError(
            f"{PROVIDER} refused the message: {result or 'no Code'} "
            f"({one_line(answer.get('Message', ''))})",
            retryable=result in RETRYABLE_CODES or result.startswith("Throttling"),
            code=result or None,
        )
