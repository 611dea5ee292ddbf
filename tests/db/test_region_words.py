"""A region code in words, read from the register: 高平市三甲镇三甲村."""

from __future__ import annotations

import pytest

from db.queries.regions import region_words


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("140581102225", "高平市三甲镇三甲村"),  # 三甲村委会: as people say it
        ("140581102210", "高平市三甲镇邢村"),  # 邢村村委会: no 村 twice
        ("140581109003", "高平市寺庄镇伯云社区"),  # 伯云社区居委会
        ("140581102", "高平市三甲镇"),
        ("140581", "高平市"),
        ("1405", "晋城市"),
        ("14", "山西省"),
        ("140581102999", "高平市三甲镇 (140581102999)"),  # a village the register lacks
        ("140581100200", "高平市 (140581100200)"),  # nor its township
        ("140421", "山西省长治市长治县"),  # retired in 2018: the policy's table names it
        ("330212", "浙江省宁波市鄞州区"),  # not in the shipped register
        ("990000000000", "990000000000"),
        ("not a code", "not a code"),
    ],
)
def test_a_code_reads_as_the_place_it_names(session, code, words):
    assert region_words(session, code) == words
