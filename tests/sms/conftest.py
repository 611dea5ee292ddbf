"""Fixtures of the SMS tests: a fake provider API over HTTP, a fixed clock, no provider left
installed by one test for the next."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from common.sms import install_sms_provider
from tests.fakes.sms_api import FakeSmsAPI, serve_fake_sms

NOW = datetime(2026, 3, 2, 1, 30, 15, tzinfo=UTC)  # 09:30 in Shanxi


@pytest.fixture(scope="module")
def sms_server() -> Iterator[FakeSmsAPI]:
    with serve_fake_sms() as fake:
        yield fake


@pytest.fixture
def fake_sms(sms_server: FakeSmsAPI) -> Iterator[FakeSmsAPI]:
    sms_server.reset(now=NOW)
    yield sms_server
    sms_server.reset()


@pytest.fixture(autouse=True)
def no_installed_provider() -> Iterator[None]:
    install_sms_provider(None)
    yield
    install_sms_provider(None)
