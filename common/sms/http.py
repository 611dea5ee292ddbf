"""What the provider adapters share: the mainland mobile number check, one POST with a short
timeout, and its failures as SmsError (a timeout, a broken connection or an HTTP 5xx can be
tried again; an answer that is not JSON cannot)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from common.sms import SmsError
from db.errors import InvalidValueError
from db.pii import normalize_phone

_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def mainland_mobile(phone: str) -> str:
    """The 11 digits of a mainland China mobile number (spaces, dashes and a +86 / 0086 prefix
    removed); SmsError (not retryable) for anything else: neither provider would take it."""
    written = "".join(phone.split()).replace("-", "")
    foreign = written.startswith(("+", "00")) and not written.startswith(("+86", "0086"))
    try:
        digits = "" if foreign else normalize_phone(phone)
    except InvalidValueError:
        digits = ""
    if not _MAINLAND_MOBILE.fullmatch(digits):
        raise SmsError("not a mainland China mobile number", retryable=False, code="phone")
    return digits


def post(
    provider: str,
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Response:
    """POST `content` to `url`; the answer unless it is an HTTP 5xx. Nothing of the request
    (keys, phone, code) goes into the errors."""
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(url, content=content, headers=dict(headers))
    except httpx.TimeoutException as error:
        raise SmsError(f"{provider}: no answer within {timeout:g} s", code="timeout") from error
    except httpx.HTTPError as error:
        raise SmsError(f"{provider}: request failed ({type(error).__name__})") from error
    if response.status_code >= 500:
        raise SmsError(
            f"{provider} answered HTTP {response.status_code}", code=str(response.status_code)
        )
    return response


def json_answer(provider: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of an answer; SmsError (not retryable: a wrong WUGONG_SMS_BASE_URL, most
    likely) when it is none."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SmsError(
            f"{provider} answered HTTP {response.status_code} without a JSON object "
            "(is WUGONG_SMS_BASE_URL right?)",
            retryable=False,
            code=str(response.status_code),
        )
    return body


def one_line(text: object, limit: int = 200) -> str:
    """A provider's message as one short line for an error (it never carries our secrets)."""
    return " ".join(str(text).split())[:limit]
