"""Fake Alibaba Cloud SMS and Tencent Cloud SMS APIs over real HTTP, checking each request as the
provider would.

One server answers both at "/": a request with an X-TC-Action header is Tencent's API 3.0, any
other Alibaba Cloud's RPC API. The fake recomputes the signature from the documented algorithm
with its own code (not common/sms's), checks the fields, keys, sign name, template and phone
format, records the messages it accepted, and answers the providers' documented errors when it
is told to (`fail_next`) or when the request is wrong. `hang` makes it answer nothing until the
client gives up. `now`, when set, is the fake's clock: requests signed too far from it are
refused as the providers do (Alibaba Cloud: 15 minutes, Tencent: 5 minutes).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import free_port, serve_in_thread

ACCESS_KEY_ID = "LTAI5tTestAccessKeyId"
ACCESS_KEY_SECRET = "test-access-key-secret-0123456789"
SIGN_NAME = "务工补贴助手"
ALIYUN_TEMPLATE = "SMS_123456789"
TENCENT_APP_ID = "1400006666"
TENCENT_TEMPLATE = "1110"
TENCENT_REGION = "ap-guangzhou"
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
ALIYUN_COMMON = {
    "Action": "SendSms",
    "Version": "2017-05-25",
    "Format": "JSON",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureVersion": "1.0",
}
TENCENT_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d\d-\d\d)/(?P<service>\w+)/"
    r"tc3_request, SignedHeaders=(?P<signed>[a-z;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass
class SentSms:
    """A message the fake accepted: to whom, which code, under which sign name and template."""

    provider: str  # "aliyun" or "tencent"
    phone: str  # as the request gave it
    code: str
    sign_name: str
    template: str


@dataclass
class FakeSmsAPI:
    messages: list[SentSms] = field(default_factory=list)
    requests: int = 0
    # The next request is answered with this error (code, message, HTTP status, and for
    # Tencent whether it comes as Response.Error or as the number's SendStatus).
    failures: list[tuple[str, str, int, bool]] = field(default_factory=list)
    hang: bool = False
    now: datetime | None = None
    port: int = 0
    nonces: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(
        self, code: str, message: str = "faked", *, status: int = 200, as_error: bool = True
    ) -> None:
        with self._lock:
            self.failures.append((code, message, status, as_error))

    def reset(self, now: datetime | None = None) -> None:
        """Forget the messages and the faked failures (a server kept for several tests)."""
        with self._lock:
            self.messages.clear()
            self.failures.clear()
            self.requests = 0
            self.hang = False
            self.now = now

    def codes_to(self, phone: str) -> list[str]:
        with self._lock:
            return [sms.code for sms in self.messages if sms.phone == phone]

    # -- the one route -------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.requests += 1
            failure = self.failures.pop(0) if self.failures else None
        while self.hang:  # until the test ends: the client's timeout is what is tested
            await asyncio.sleep(0.01)
        if "x-tc-action" in request.headers:
            return self._tencent(request, body, failure)
        return self._aliyun(request, body, failure)

    # -- Alibaba Cloud -------------------------------------------------------------------

    def _aliyun(
        self, request: Request, body: bytes, failure: tuple[str, str, int, bool] | None
    ) -> Response:
        if failure is not None:
            code, message, status, _ = failure
            return _aliyun_answer(code, message, status)
        content_type = request.headers.get("content-type", "")
        if request.method != "POST" or not content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            return _aliyun_answer("UnsupportedHTTPMethod", "form POST expected", 400)
        params = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
        refusal = self._aliyun_refusal(params)
        if refusal is not None:
            return _aliyun_answer(*refusal)
        phone, template_param = params["PhoneNumbers"], params["TemplateParam"]
        if not re.fullmatch(r"1\d{10}", phone):
            return _aliyun_answer("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", 200)
        try:
            variables = json.loads(template_param)
        except ValueError:
            return _aliyun_answer("isv.INVALID_JSON_PARAM", "JSON参数不合法", 200)
        if not isinstance(variables, dict) or set(variables) != {"code"}:
            return _aliyun_answer("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量", 200)
        self._record("aliyun", phone, str(variables["code"]), params)
        return JSONResponse(
            {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655"}
        )

    def _aliyun_refusal(self, params: dict[str, str]) -> tuple[str, str, int] | None:
        for name, value in ALIYUN_COMMON.items():
            if params.get(name) != value:
                return "MissingParameter" if name not in params else "InvalidParameter", name, 400
        for name in ("SignatureNonce", "Timestamp", "Signature", "PhoneNumbers", "TemplateParam"):
            if not params.get(name):
                return "MissingParameter", name, 400
        if params.get("AccessKeyId") != ACCESS_KEY_ID:
            return "InvalidAccessKeyId.NotFound", "Specified access key is not found.", 404
        unsigned = {k: v for k, v in params.items() if k != "Signature"}
        if params["Signature"] != _aliyun_signature("POST", unsigned, ACCESS_KEY_SECRET):
            return "SignatureDoesNotMatch", "Specified signature is not matched.", 400
        if not self._fresh(params["Timestamp"], 15 * 60):
            return "InvalidTimeStamp.Expired", "Specified time stamp is expired.", 400
        with self._lock:
            if params["SignatureNonce"] in self.nonces:
                return "SignatureNonceUsed", "Specified signature nonce was used already.", 400
            self.nonces.add(params["SignatureNonce"])
        return _aliyun_content_refusal(params)

    def _fresh(self, timestamp: str, window: int) -> bool:
        try:
            when = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return False
        return self.now is None or abs((when - self.now).total_seconds()) <= window

    # -- Tencent Cloud -------------------------------------------------------------------

    def _tencent(
        self, request: Request, body: bytes, failure: tuple[str, str, int, bool] | None
    ) -> Response:
        if failure is not None:
            code, message, status, as_error = failure
            if as_error:
                return _tencent_error(code, message, status)
            return _tencent_status(code, message, "+8613800000000")
        refusal = self._tencent_refusal(request, body)
        if refusal is not None:
            return _tencent_error(*refusal)
        try:
            params = json.loads(body)
        except ValueError:
            return _tencent_error("FailedOperation.JsonParseFail", "bad JSON")
        refusal = _tencent_params_refusal(params)
        if refusal is not None:
            return _tencent_error(*refusal)
        phone = params["PhoneNumberSet"][0]
        if not re.fullmatch(r"\+861\d{10}", phone):
            return _tencent_status("InvalidParameterValue.IncorrectPhoneNumber", "bad", phone)
        self._record("tencent", phone, params["TemplateParamSet"][0], params)
        return _tencent_status("Ok", "send success", phone)

    def _tencent_refusal(self, request: Request, body: bytes) -> tuple[str, str] | None:
        headers = request.headers
        expected = {"x-tc-action": "SendSms", "x-tc-version": "2021-01-11"}
        for name, value in expected.items():
            if headers.get(name) != value:
                return "InvalidAction" if name == "x-tc-action" else "NoSuchVersion", name
        if headers.get("x-tc-region") != TENCENT_REGION:
            return "InvalidParameterValue", "X-TC-Region"
        if request.method != "POST" or headers.get("content-type") != (
            "application/json; charset=utf-8"
        ):
            return "InvalidParameter", "Content-Type"
        match = TENCENT_AUTHORIZATION.fullmatch(headers.get("authorization", ""))
        timestamp = headers.get("x-tc-timestamp", "")
        if match is None or not timestamp.isdigit():
            return "AuthFailure.InvalidAuthorization", "Authorization"
        if match["id"] != ACCESS_KEY_ID:
            return "AuthFailure.SecretIdNotFound", "The SecretId is not found."
        when = datetime.fromtimestamp(int(timestamp), UTC)
        if match["date"] != when.strftime("%Y-%m-%d") or match["service"] != "sms":
            return "AuthFailure.InvalidAuthorization", "Credential scope"
        expected_signature = _tc3_signature(
            ACCESS_KEY_SECRET, headers, match["signed"], body, int(timestamp), match["date"]
        )
        if match["signature"] != expected_signature:
            return (
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated.",
            )
        if self.now is not None and abs((when - self.now).total_seconds()) > 300:
            return "AuthFailure.SignatureExpire", "Signature expired."
        return None

    def _record(self, provider: str, phone: str, code: str, params: dict[str, Any]) -> None:
        template = params.get("TemplateCode") or params.get("TemplateId") or ""
        with self._lock:
            self.messages.append(SentSms(provider, phone, code, params["SignName"], template))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/", self.handle, methods=["GET", "POST"])])


def _aliyun_content_refusal(params: dict[str, str]) -> tuple[str, str, int] | None:
    if params.get("SignName") != SIGN_NAME:
        return "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名", 200
    if params.get("TemplateCode") != ALIYUN_TEMPLATE:
        return "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板", 200
    return None


def _tencent_params_refusal(params: Any) -> tuple[str, str] | None:
    if not isinstance(params, dict):
        return "InvalidParameter", "body"
    for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId", "TemplateParamSet", "SignName"):
        if name not in params:
            return "MissingParameter", name
    phones, values = params["PhoneNumberSet"], params["TemplateParamSet"]
    if not isinstance(phones, list) or len(phones) != 1 or not isinstance(phones[0], str):
        return "InvalidParameterValue", "PhoneNumberSet"
    if not isinstance(values, list) or len(values) != 1 or not isinstance(values[0], str):
        return "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "TemplateParamSet"
    if params["SmsSdkAppId"] != TENCENT_APP_ID:
        return "InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId"
    if params["SignName"] != SIGN_NAME:
        return "FailedOperation.SignatureIncorrectOrUnapproved", "SignName"
    if params["TemplateId"] != TENCENT_TEMPLATE:
        return "FailedOperation.TemplateIncorrectOrUnapproved", "TemplateId"
    return None


def _percent(value: str) -> str:
    """The documented encoding, written out: unreserved bytes as they are, others as %XX."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in value.encode("utf-8"))


def _aliyun_signature(method: str, params: dict[str, str], secret: str) -> str:
    pairs = sorted((_percent(k), _percent(v)) for k, v in params.items())
    canonical = "&".join(f"{k}={v}" for k, v in pairs)
    text = method + "&" + _percent("/") + "&" + _percent(canonical)
    mac = hmac.new((secret + "&").encode("utf-8"), text.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def _tc3_signature(
    secret: str, headers: Any, signed: str, body: bytes, timestamp: int, date: str
) -> str:
    names = signed.split(";")
    lines = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in names)
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical = "\n".join(["POST", "/", "", lines, signed, payload_hash])
    scope = f"{date}/sms/tc3_request"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    text = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, digest])
    key = ("TC3" + secret).encode("utf-8")
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _aliyun_answer(code: str, message: str, status: int) -> JSONResponse:
    body = {"Code": code, "Message": message, "RequestId": "A1B2C3D4"}
    return JSONResponse(body, status_code=status)


def _tencent_error(code: str, message: str, status: int = 200) -> JSONResponse:
    body = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r-1"}}
    return JSONResponse(body, status_code=status)


def _tencent_status(code: str, message: str, phone: str) -> JSONResponse:
    status = {
        "SerialNo": "5000:1045710669157053657849499619",
        "PhoneNumber": phone,
        "Fee": 1 if code == "Ok" else 0,
        "SessionContext": "",
        "Code": code,
        "Message": message,
        "IsoCode": "CN",
    }
    return JSONResponse({"Response": {"SendStatusSet": [status], "RequestId": "r-2"}})


@contextmanager
def serve_fake_sms(fake: FakeSmsAPI | None = None) -> Iterator[FakeSmsAPI]:
    """Run `fake` (or a new one) with uvicorn on a free loopback port until the block ends."""
    fake = fake or FakeSmsAPI()
    fake.port = free_port()
    with serve_in_thread(fake.app(), "the fake SMS API", port=fake.port):
        try:
            yield fake
        finally:
            fake.hang = False  # a request it holds lets go, so the server can stop
