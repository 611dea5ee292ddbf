"""Finance fixtures: the county of tests/finance/county.py."""

from __future__ import annotations

import pytest

from tests.finance.county import County, build_county


@pytest.fixture
def county(session_factory) -> County:
    return build_county(session_factory)
